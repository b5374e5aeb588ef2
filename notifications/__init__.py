"""Notifications: a message owed to named people once (in Pathways, with an unread count, and
by email with a reference and a link), the owed-message re-queue, and the notices pages.

May import accounts, audit and pathways; every domain app and flow above may import it.
"""
