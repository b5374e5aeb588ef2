"""Senior intervenors: caseloads of at most three, the waiting list, casework and closure.
May import referrals and everything below it.
"""
