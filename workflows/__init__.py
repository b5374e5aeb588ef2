"""Workflows: the three viewflow flows and their entry points, My work, taking steps on,
progress trackers, step targets, deadlines and follow-ups. May import every app but oversight.
"""
