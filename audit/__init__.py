"""Audit: the decision log, the record-access log, append-only history, and figures kept until
something is recorded. May import pathways only (and the user model by name).
"""
