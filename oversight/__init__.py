"""National oversight: the dashboard and stuck people, themes of learning and notes, meeting
packs, programme outcomes, and equality monitoring with small-number suppression.

May import every app below it (workflows for My work's overdue counts); nothing imports it.
"""
