"""Structured logs (issue 17): one JSON line a request with its id, ids carried into Celery
tasks, security events by name, and nothing personal."""
import json
import logging
import uuid

import pytest
import structlog

from config.observability import (
    RequestLogMiddleware,
    _bind_task_request_id,
    _carry_request_id,
    logging_config,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """The JSON lines the app writes, as an operator's log store would receive them."""
    from structlog.stdlib import ProcessorFormatter

    config = logging_config()["formatters"]["json"]
    captured = []

    class Keep(logging.Handler):
        def emit(self, record):
            captured.append(json.loads(self.format(record)))

    handler = Keep()
    handler.setFormatter(ProcessorFormatter(processor=config["processor"],
                                            foreign_pre_chain=config["foreign_pre_chain"]))
    logging.getLogger().addHandler(handler)
    yield captured
    logging.getLogger().removeHandler(handler)


def test_each_request_is_one_line_with_its_id_user_role_view_status_and_time(
        client_for, users, lines):
    response = client_for("coordinator").get("/referrals/queue/?region=london")
    request_id = response["X-Request-ID"]
    line = next(x for x in lines if x["event"] == "request")
    assert line["request_id"] == request_id
    assert line["user_id"] == users["coordinator"].pk and line["roles"] == ["Review coordinator"]
    assert (line["view"], line["status"], line["method"]) == ("referrals:queue", 200, "GET")
    assert line["path"] == "/referrals/queue/" and "london" not in json.dumps(line)
    assert line["duration_ms"] >= 0 and line["level"] == "info" and "timestamp" in line


def test_a_request_id_is_taken_from_our_own_proxy_only(client, settings):
    sent = uuid.uuid4().hex
    assert client.get("/health/live", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] != sent
    settings.TRUSTED_PROXY_COUNT = 1
    assert client.get("/health/live", HTTP_X_REQUEST_ID=sent)["X-Request-ID"] == sent
    forged = client.get("/health/live", HTTP_X_REQUEST_ID="<script>alert(1)</script>")
    assert forged["X-Request-ID"] != "<script>alert(1)</script>"


def test_a_task_queued_by_a_request_carries_its_id():
    structlog.contextvars.bind_contextvars(request_id="req-12345678")
    headers = {}
    _carry_request_id(headers=headers)
    assert headers["request_id"] == "req-12345678"
    structlog.contextvars.clear_contextvars()

    class Task:
        class request:
            request_id = "req-12345678"

    _bind_task_request_id(task=Task, task_id="task-1")
    assert structlog.contextvars.get_contextvars() == {"request_id": "req-12345678",
                                                      "task_id": "task-1"}
    structlog.contextvars.clear_contextvars()


def test_security_events_have_their_own_names_and_hold_ids_only(client_for, users, lines):
    client_for("commissioner2").get(f"/referrals/{uuid.uuid4()}/")
    refused = next(x for x in lines if x["event"] == "access_refused")
    assert refused["user_id"] == users["commissioner2"].pk
    assert refused["object_type"] == "referral_get" and refused["logger"] == "pathways.security"
    assert refused["request_id"]
    from exports.services import export_build, export_request

    export_build(str(export_request(by=users["coordinator"], kind="queue").pk))
    export = next(x for x in lines if x["event"] == "export")
    assert export["export"] == "queue" and export["rows"] > 0


def test_the_middleware_is_installed_early_enough_to_see_every_request(settings):
    assert settings.MIDDLEWARE.index("config.observability.RequestLogMiddleware") < \
        settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert RequestLogMiddleware
