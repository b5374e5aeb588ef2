"""Structured logs: one JSON object a line, each carrying the request id (issue 17).

- Every request gets an id: the `X-Request-ID` sent by our own proxy when one stands in front
  (TRUSTED_PROXY_COUNT > 0, and only if it looks like an id), otherwise a new one. It is bound
  to every log line written while the request runs, returned as `X-Request-ID`, and carried to
  any Celery task the request queues.
- One `request` line per request: method, path (never the query string, which can hold search
  terms), view, status, duration, user id and roles. Never names, NHS numbers or free text.
- Security events have their own names (`access_refused`, `access_alert`, `sign_in_locked_out`,
  `export`, `role_granted`, `role_removed`).
"""
import re
import time
import uuid

import structlog
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.conf import settings

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = structlog.get_logger("pathways.request")

SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def logging_config(level: str = "INFO") -> dict:
    """Django's LOGGING: every logger's lines as JSON through structlog's formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer(),
            "foreign_pre_chain": SHARED_PROCESSORS,
        }},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        # One handler, on the root: our loggers set their own level and pass their lines up.
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {"pathways": {"level": level}},
    }


def configure_structlog() -> None:
    structlog.configure(
        processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _request_id(request) -> str:
    sent = request.META.get("HTTP_X_REQUEST_ID", "")
    if settings.TRUSTED_PROXY_COUNT > 0 and REQUEST_ID.match(sent):
        return sent
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        structlog.contextvars.clear_contextvars()
        request.request_id = _request_id(request)
        structlog.contextvars.bind_contextvars(request_id=request.request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        match = getattr(request, "resolver_match", None)
        log.info("request", method=request.method, path=request.path[:200],
                 view=match.view_name if match else None, status=response.status_code,
                 duration_ms=round((time.perf_counter() - started) * 1000, 1),
                 user_id=user.pk if signed_in else None,
                 roles=sorted(user.role_names & _role_values()) if signed_in else [])
        response["X-Request-ID"] = request.request_id
        structlog.contextvars.clear_contextvars()
        return response


def _role_values() -> set[str]:
    from accounts.roles import Role

    return set(Role.values)


@before_task_publish.connect(dispatch_uid="pathways_task_request_id")
def _carry_request_id(headers=None, **kwargs):
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id and headers is not None:
        headers["request_id"] = request_id


@task_prerun.connect(dispatch_uid="pathways_task_bind_request_id")
def _bind_task_request_id(task=None, task_id=None, **kwargs):
    structlog.contextvars.clear_contextvars()
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    structlog.contextvars.bind_contextvars(task_id=task_id, request_id=request_id)


@task_postrun.connect(dispatch_uid="pathways_task_unbind")
def _unbind_task(**kwargs):
    structlog.contextvars.clear_contextvars()


