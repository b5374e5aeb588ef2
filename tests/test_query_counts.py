"""Every list, the timeline and writing every export costs the same number of queries at demo size and
at ten times that (issue 12): a list that grows a query per row fails here, not in production.
"""
from datetime import date
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals.models import Concern
from reviews.models import Action, ActionUpdate

pytestmark = pytest.mark.django_db

PAGES = [
    ("coordinator", "/work/"),
    ("chair", "/work/"),
    ("commissioner", "/work/"),
    ("coordinator", "/api/v1/me/tasks/"),
    ("coordinator", "/referrals/queue/"),
    ("coordinator", "/referrals/queue/?age_band=adult&sort=days"),
    ("coordinator", "/referrals/queue/?page=2"),
    ("coordinator", "/intervenors/waiting/"),
    ("coordinator", "/intervenors/capacity/"),
    ("coordinator", "/reviews/"),
    ("oversight", "/actions/"),
    ("oversight", "/actions/?overdue=on"),
    ("oversight", "/actions/?page=3"),
    ("oversight", "/oversight/equality/"),
    ("oversight", "/oversight/outcomes/"),
    ("oversight", "/oversight/trends/"),
    ("oversight", "/oversight/trends/in_lts/"),
    ("oversight", "/oversight/trends.csv"),
    ("oversight", "/oversight/evaluation/"),
    ("oversight", "/oversight/"),
    ("oversight", "/actions/?overdue=on&region=london"),
    ("commissioner", "/referrals/"),
    ("commissioner", "/actions/"),
    ("chair", "/reviews/"),
    ("chair", "/actions/"),
    ("intervenor", "/intervenors/caseload/"),
    ("coordinator", "/api/v1/queue/"),
    ("coordinator", "/api/v1/queue/?page=2&page_size=5"),
    ("coordinator", "/api/v1/referrals/"),
    ("coordinator", "/api/v1/reviews/"),
    ("oversight", "/api/v1/actions/?overdue=true"),
    ("coordinator", "/api/v1/intervenors/"),
    ("coordinator", "/api/v1/intervenor-cases/"),
    ("commissioner", "/api/v1/actions/"),
    ("oversight", "/exports/"),
    ("oversight", "/api/v1/exports/"),
]
# Writing an export (in a worker) reads every row, in a constant number of queries.
EXPORTS = [("coordinator", "queue"), ("oversight", "actions"), ("coordinator", "caseloads")]


def _export_queries(user, kind) -> tuple[int, int]:
    """Queries to write an export of `kind` for `user`, and to download it."""
    from django.test import Client

    from exports.services import export_build, export_request

    with patch("exports.services.build_export.delay"):
        export = export_request(by=user, kind=kind)
    with CaptureQueriesContext(connection) as ctx:
        export_build(str(export.pk))
    client = Client()
    client.force_login(user)
    return len(ctx.captured_queries), _count(client, f"/exports/{export.pk}/file/")


def _count(client, url) -> int:
    client.get(url)                     # warm caches that are filled once per process
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def _timeline_person():
    action = Action.objects.filter(status__in=["open", "in_progress"], owner__isnull=False,
                                   review__person__reference__startswith="PW-").exclude(
        review__person__reference__startswith="PW-S").first()
    return action, action.person


def test_query_counts_do_not_grow_with_the_data(client_for, settings, users):
    clients = {role: client_for(role) for role, _ in PAGES}
    action, person = _timeline_person()
    timeline = f"/people/{person.pk}/timeline/"
    pages = [*PAGES, ("coordinator", timeline), ("coordinator", f"/api/v1/people/{person.pk}/"
                                                                "timeline/")]
    clients.setdefault("coordinator", client_for("coordinator"))
    small = {kind: _export_queries(users[role], kind) for role, kind in EXPORTS}
    small |= {url: _count(clients[role], url) for role, url in pages}

    settings.DEBUG = True
    call_command("seed_scale", people=600, verbosity=0)
    # The same person's history, ten times longer.
    for n in range(300):
        ActionUpdate.objects.create(action=action, author=action.owner, text=f"Update {n}",
                                    created_at=action.review.requested_at)
    for n in range(40):
        Concern.objects.create(person=person, source="family", category="other",
                               raised_on=date.today(), description=f"Concern {n}")
    large = {kind: _export_queries(users[role], kind) for role, kind in EXPORTS}
    large |= {url: _count(clients[role], url) for role, url in pages}

    # My work reads one query for each kind of work that can reach its page (none for a kind
    # with nothing waiting), so with other data it may read fewer; never more for more data.
    bounded = {"/work/", "/api/v1/me/tasks/"}
    grew = {url: (small[url], large[url]) for url in small
            if large[url] > small[url] or (url not in bounded and large[url] != small[url])}
    assert not grew, f"query counts changed with the data (before, after): {grew}"
    assert Action.objects.count() > 50 * 3       # the action pages above were full pages
