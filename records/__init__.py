"""A person's record across the programme: one timeline of every decision and change, and the
log of who opened the record.

May import the domain apps and audit; nothing below imports it (the API's person views do).
"""
