"""CSRF is enforced on every POST route, pages and API alike (issue 10)."""
import re

import pytest
from django.test import Client

from audit.models import Decision
from tests.workflows.test_access_matrix import EXPECTED, app_urls, object_url

pytestmark = pytest.mark.django_db
# Server-to-server POSTs with no session: NHS CIS2's logout (the signed logout token is the
# check) and GOV.UK Notify's delivery receipts (its bearer token is the check).
NO_SESSION = {"cis2:backchannel_logout", "notifications:delivery_receipts"}


@pytest.fixture
def objects(users):
    from tests.workflows.test_access_matrix import objects as matrix_objects

    return matrix_objects.__wrapped__(users)


@pytest.mark.parametrize("username", ["coordinator", "commissioner", "oversight", "chair"])
def test_a_post_without_the_csrf_token_is_refused_everywhere(users, objects, username):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users[username])
    before = Decision.objects.count()
    checked = 0
    for name, route, _ in app_urls() + app_urls(api=True):
        if name in NO_SESSION:
            continue
        kind = EXPECTED.get(name, (None,))[0]
        if "<uuid:pk>" in route and kind is None:
            kind = "referral"   # the CSRF check comes before any lookup
        if "<int:pk>" in route and kind is None:
            kind = "notice"
        url = object_url(route, kind, objects) if kind else "/" + route
        url = re.sub(r"<[^>]+>", "x", url)
        response = client.post(url, {"text": "forged", "reason": "forged", "route": "decline"})
        assert response.status_code == 403, (name, response.status_code)
        checked += 1
    assert checked > 40
    assert Decision.objects.count() == before
