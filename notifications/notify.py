"""GOV.UK Notify, through its official client (issue 43; docs/configuration.md).

Pathways composes each message (a reference and a link, never health details) and sends it as
the personalisation of one generic email template: `((subject))` and `((body))`. A kind of
message may have its own template, with the same two fields.

Notify's answers sort into three:
- accepted: it keeps the message, with its id;
- refused (a 400 or 403: a bad address, a team key sending outside the team, a wrong key):
  sending again would be refused again, so the error is kept and nothing is retried;
- unavailable (429 rate limit, a 5xx, a timeout or no connection): retried with backoff.
"""
from __future__ import annotations

import re
import uuid

from django.conf import settings
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

# An API key as Notify shows it: its name, then the service id and the secret (two UUIDs).
API_KEY = re.compile(r"^[a-z0-9_-]+-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
                     r"-[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")


class NotifyUnavailable(Exception):
    """Notify could not take the message now (rate limited, down, slow): try again later."""


class NotifyRefused(Exception):
    """Notify refused the message; it would refuse it again."""


def enabled() -> bool:
    return bool(settings.NOTIFY_API_KEY)


def template_for(kind: str) -> str:
    return settings.NOTIFY_TEMPLATE_IDS.get(kind) or settings.NOTIFY_TEMPLATE_ID


def configuration_errors() -> list[str]:
    """What is wrong with the Notify settings, in words (the start-up check reports them)."""
    if not enabled():
        return []
    errors = []
    if not API_KEY.match(settings.NOTIFY_API_KEY):
        errors.append("NOTIFY_API_KEY is not a Notify API key (its name, the service id and "
                      "the secret, joined by hyphens).")
    templates = {"NOTIFY_TEMPLATE_ID": settings.NOTIFY_TEMPLATE_ID,
                 **{f"NOTIFY_TEMPLATE_IDS[{kind}]": value
                    for kind, value in settings.NOTIFY_TEMPLATE_IDS.items()}}
    for name, value in templates.items():
        try:
            uuid.UUID(str(value))
        except ValueError:
            errors.append(f"{name} is not a template id (a UUID).")
    from .models import Notification

    unknown = set(settings.NOTIFY_TEMPLATE_IDS) - set(Notification.Kind.values)
    if unknown:
        errors.append(f"NOTIFY_TEMPLATE_IDS names no kind of message: {', '.join(sorted(unknown))}.")
    if not settings.NOTIFY_CALLBACK_BEARER_TOKEN or len(
            settings.NOTIFY_CALLBACK_BEARER_TOKEN) < 10:
        errors.append("NOTIFY_CALLBACK_BEARER_TOKEN must be set (10 characters or more), as "
                      "in the Notify service's callback settings.")
    return errors


def client() -> NotificationsAPIClient:
    return NotificationsAPIClient(settings.NOTIFY_API_KEY, base_url=settings.NOTIFY_BASE_URL,
                                  timeout=settings.NOTIFY_TIMEOUT)


def _call(do):
    try:
        return do()
    except APIError as error:
        status = error.status_code
        message = error.message
        if isinstance(message, list):
            message = "; ".join(f"{e.get('error')}: {e.get('message')}" for e in message)
        text = f"{status} {message}"[:500]
        if status == 429 or status >= 500:
            raise NotifyUnavailable(text) from error
        raise NotifyRefused(text) from error


def send_email(*, address: str, kind: str, subject: str, body: str, reference: str) -> str:
    """Hand one email to Notify; its id."""
    answer = _call(lambda: client().send_email_notification(
        email_address=address, template_id=template_for(kind),
        personalisation={"subject": subject, "body": body}, reference=reference))
    return answer["id"]


def sent_with_reference(reference: str) -> dict | None:
    """The message Notify already holds with this reference, if any: a worker that died after
    Notify took the message, before Pathways marked it sent."""
    answer = _call(lambda: client().get_all_notifications(reference=reference))
    found = answer.get("notifications") or []
    return found[0] if found else None


def status_of(notify_id) -> str:
    return _call(lambda: client().get_notification_by_id(str(notify_id)))["status"]


def send_letter(*, pdf: bytes, reference: str) -> dict:
    """Hand a precompiled letter (an A4 PDF, address in the window) to Notify, second class;
    its answer ({"id", "reference", "postage"})."""
    import io

    return _call(lambda: client().send_precompiled_letter_notification(
        reference=reference, pdf_file=io.BytesIO(pdf), postage="second"))


def letter_status(notify_id) -> str:
    return status_of(notify_id)
