"""Programme-wide figures kept until something is recorded (decision 0012).

Every state change writes a decision, so the newest decision's time is a version that moves
whenever anything is recorded: figures kept under it show a change at once, and cost nothing
while nothing changes. Used by the oversight pages and by My work's programme-wide counts.
"""
from datetime import date

from django.core.cache import cache
from django.utils import timezone

from .models import Decision

FIGURES_KEPT_SECONDS = 300


def figures_version() -> str:
    """A stamp that moves whenever anything is recorded: every state change writes a decision
    (one index read). Kept figures are keyed by it, so a change shows at once."""
    newest = Decision.objects.order_by("-made_at").values_list("made_at", flat=True).first()
    return newest.isoformat() if newest else "none"


def kept(name: str, parts: tuple, version: str, compute):
    """`compute()` and when it ran, kept in the cache for FIGURES_KEPT_SECONDS under `name`,
    `parts` and `version`: the same for every viewer, so aggregate figures and opaque keys
    only, never a name or a reference."""
    key = ":".join(["oversight", name, *map(str, parts), version])
    found = cache.get(key)
    if found is None:
        found = (compute(), timezone.now())
        cache.set(key, found, FIGURES_KEPT_SECONDS)
    return found



def kept_today(name: str, compute):
    """Programme-wide tables for today, figured once and kept until anything is recorded: the
    same for every reader, and costly at national scale."""
    today = date.today()
    return kept(name, (today,), figures_version(), lambda: compute(today))
