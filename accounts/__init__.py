"""Accounts: the people who use Pathways, their organisations and roles, and signing in.

May import audit and pathways only.
"""
