"""Reviews (IC(E)TRs): panels, findings, the Barriers to Change Checklist, recommendations,
owned actions and easy-read summaries. May import referrals and everything below it.
"""
