"""CSV exports of the lists, written in the background for their asker alone (decision 0014):
requests, the worker, downloads, expiry and closing when the asker's access shrinks.

May import the domain apps (their scoped selectors) and notifications; workflows may import it.
"""
