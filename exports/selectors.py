"""Reads of exports: one's own, and one of them."""
from .models import Export
from .services import export_expire, exportable_kinds


def exports_mine(user):
    """One's own exports, newest first, without their files. Nobody sees another's, nobody an
    export of a list their role no longer lets them export, and nobody one asked for while
    they worked for another organisation (security round 3, finding 5)."""
    return Export.objects.filter(requested_by=user, organisation_id=user.organisation_id,
                                 kind__in=exportable_kinds(user)).defer("csv")


def export_get(user, pk):
    """One's own export; one past its time is expired here and now, whatever a sweep has done
    (security round 3, finding 2), so its page says so and its file is never served."""
    export = exports_mine(user).get(pk=pk)
    if export.status == export.Status.READY and export.expired():
        export_expire(export, reason="opened after its time")
    return export
