"""A Content-Security-Policy on every page (issue 10, finding 6). The browser journeys fail on
any violation (tests/e2e/conftest.py), so the pages also work under it."""
import pytest

from tests.workflows.test_access_matrix import EXPECTED, app_urls, object_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(users):
    from tests.workflows.test_access_matrix import objects as matrix_objects

    return matrix_objects.__wrapped__(users)


def _policy(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("username", ["coordinator", "commissioner", None])
def test_every_page_is_served_with_a_strict_policy(client_for, username, objects):
    client = client_for(username)
    for name, route, _ in app_urls():
        kind = EXPECTED[name][0]
        url = object_url(route, kind, objects) if kind else "/" + route
        policy = _policy(client.get(url))
        assert policy.get("script-src") == "script-src 'self'", (name, policy)
        assert policy.get("style-src") == "style-src 'self'", (name, policy)
        assert policy.get("frame-ancestors") == "frame-ancestors 'none'", name
        assert policy.get("object-src") == "object-src 'none'", name


def test_the_api_and_its_errors_carry_the_policy_too(client_for):
    response = client_for("coordinator").get("/api/v1/referrals/?status=nonsense")
    assert "default-src 'self'" in response["Content-Security-Policy"]
