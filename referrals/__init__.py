"""Referrals: the person, their unit and LTS episodes, concerns and requests for a review, the
referral and the priority score that explains itself. May import accounts, audit, pathways.
"""
