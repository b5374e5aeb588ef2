"""A local stand-in for GOV.UK Notify's v2 API, for machines with no route to Notify.

It speaks the documented API (https://docs.notifications.service.gov.uk/rest-api.html) closely
enough that Pathways is driven through the official `notifications-python-client` alone, as in
production:
- each request carries a JWT signed HS256 with an API key's secret, `iss` the service id and
  `iat` within 30 seconds; anything else is refused with Notify's 403 `AuthError`;
- email and precompiled letters are accepted (201), with Notify's 400 `BadRequestError` and
  `ValidationError` shapes for what it would refuse, including a team key sending outside the
  team;
- notifications are read by id or by reference;
- delivery receipts are posted to a callback with the bearer token Notify would send.

Faults are set up by tests: `fail_next(status, times)` answers the next requests with an error,
`stall_next(seconds)` holds one answer past the client's timeout.
"""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
import requests

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ERROR_NAMES = {400: "BadRequestError", 403: "AuthError", 404: "NoResultFound",
               429: "RateLimitError", 500: "Exception", 503: "Exception"}


@dataclass
class Key:
    name: str
    kind: str             # "live", "team" or "test", as Notify's three kinds of API key
    secret: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Service:
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    keys: list[Key] = field(default_factory=list)
    team: set[str] = field(default_factory=set)
    templates: set[str] = field(default_factory=set)

    def api_key(self, kind: str = "live") -> str:
        """An API key as Notify shows it once: name, service id and secret."""
        key = Key(f"pathways-{kind}", kind)
        self.keys.append(key)
        return f"{key.name}-{self.id}-{key.secret}"


class ThreadingServer(ThreadingMixIn, WSGIServer):
    """One thread a request, so a stalled answer holds up no other client."""

    daemon_threads = True


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeNotify:
    def __init__(self):
        self.service = Service()
        self.notifications: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []        # (method, path) as received
        self.callback_url = ""
        self.callback_token = ""
        self._faults: list[tuple[int, float]] = []
        self._stall_after_taking: list[float] = []
        self._lock = threading.Lock()
        self._server: WSGIServer | None = None

    # --- set-up, as a service's settings page would --------------------------------------
    def template(self) -> str:
        template_id = str(uuid.uuid4())
        self.service.templates.add(template_id)
        return template_id

    def fail_next(self, status: int, times: int = 1) -> None:
        self._faults.extend([(status, 0.0)] * times)

    def stall_next(self, seconds: float) -> None:
        self._faults.append((0, seconds))

    def take_then_stall(self, seconds: float) -> None:
        """Keep the next email, then hold the answer: the sender cannot know it was taken."""
        self._stall_after_taking.append(seconds)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeNotify:
        class Quiet(WSGIRequestHandler):
            def log_message(self, *args):
                pass

        self._server = make_server("127.0.0.1", 0, self.app, server_class=ThreadingServer,
                                   handler_class=Quiet)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # --- what Notify does later -----------------------------------------------------------
    def deliver(self, notification_id: str, status: str = "delivered",
                token: str | None = None) -> requests.Response:
        """Move a message on, and post its delivery receipt to the callback, as Notify does."""
        message = self.notifications[notification_id]
        message["status"] = status
        message["completed_at"] = now_iso()
        body = {"id": notification_id, "reference": message["reference"],
                "to": message.get("email_address", ""), "status": status,
                "created_at": message["created_at"], "completed_at": message["completed_at"],
                "sent_at": message["created_at"], "notification_type": message["type"],
                "template_id": message["template"]["id"], "template_version": 1}
        return requests.post(self.callback_url, json=body, timeout=10, headers={
            "Authorization": f"Bearer {token if token is not None else self.callback_token}"})

    # --- the API ---------------------------------------------------------------------------
    @staticmethod
    def _answer(start_response, status: int, body) -> list[bytes]:
        reason = {200: "OK", 201: "Created", 400: "Bad Request", 403: "Forbidden",
                  404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
                  503: "Service Unavailable"}.get(status, "Error")
        payload = json.dumps(body).encode()
        start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                              ("Content-Length", str(len(payload)))])
        return [payload]

    def _error(self, start_response, status: int, message: str, name: str | None = None):
        return self._answer(start_response, status, {
            "status_code": status,
            "errors": [{"error": name or ERROR_NAMES.get(status, "Exception"),
                        "message": message}]})

    def _key_for(self, environ) -> Key | str:
        """The API key that signed the request, or why it is refused (Notify's messages)."""
        header = environ.get("HTTP_AUTHORIZATION", "")
        if not header.startswith("Bearer "):
            return "Unauthorized: authentication token must be provided"
        token = header[len("Bearer "):]
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            algorithm = jwt.get_unverified_header(token).get("alg")
        except jwt.PyJWTError:
            return "Invalid token: signature, api token not found"
        if algorithm != "HS256":
            return "Invalid token: algorithm used is not HS256"
        if claims.get("iss") != self.service.id:
            return "Invalid token: service not found"
        if "iat" not in claims:
            return "Invalid token: iat field not provided"
        if abs(time.time() - int(claims["iat"])) > 30:
            return "Error: Your system clock must be accurate to within 30 seconds"
        for key in self.service.keys:
            try:
                jwt.decode(token, key.secret, algorithms=["HS256"],
                           options={"verify_iat": False})
            except jwt.PyJWTError:
                continue
            return key
        return "Invalid token: API key not found"

    def app(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        with self._lock:
            self.requests.append((method, path))
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            status, stall = fault
            if stall:
                time.sleep(stall)
            elif status == 429:
                return self._error(start_response, 429,
                                   "Exceeded rate limit for key type LIVE of 3000 requests per "
                                   "60 seconds")
            else:
                return self._error(start_response, status, "Internal server error")
        key = self._key_for(environ)
        if isinstance(key, str):
            return self._error(start_response, 403, key)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            return self._error(start_response, 400, "Invalid JSON supplied in POST data",
                               "ValidationError")
        if method == "POST" and path == "/v2/notifications/email":
            return self._email(start_response, key, body)
        if method == "POST" and path == "/v2/notifications/letter":
            return self._letter(start_response, key, body)
        if method == "GET" and path == "/v2/notifications":
            query = dict(part.split("=", 1) for part in environ.get("QUERY_STRING", "").split("&")
                         if "=" in part)
            found = [n for n in self.notifications.values()
                     if "reference" not in query or n["reference"] == query["reference"]]
            return self._answer(start_response, 200, {"notifications": found, "links": {}})
        match = re.fullmatch(r"/v2/notifications/([0-9a-f-]{36})", path)
        if method == "GET" and match:
            found = self.notifications.get(match.group(1))
            if found is None:
                return self._error(start_response, 404, "No result found")
            return self._answer(start_response, 200, found)
        return self._error(start_response, 404, "Not found")

    def _email(self, start_response, key: Key, body: dict):
        address = body.get("email_address", "")
        if not EMAIL.match(address or ""):
            return self._error(start_response, 400, "email_address Not a valid email address",
                               "ValidationError")
        if body.get("template_id") not in self.service.templates:
            return self._error(start_response, 400, "Template not found")
        if key.kind == "team" and address not in self.service.team:
            return self._error(start_response, 400, "Can’t send to this recipient using a "
                                                    "team-only API key")
        personalisation = body.get("personalisation") or {}
        missing = {"subject", "body"} - set(personalisation)
        if missing:
            return self._error(start_response, 400, f"Missing personalisation: "
                                                    f"{', '.join(sorted(missing))}")
        message = self._record("email", body, email_address=address, status="created")
        message["body"] = personalisation["body"]
        message["subject"] = personalisation["subject"]
        with self._lock:
            stall = self._stall_after_taking.pop(0) if self._stall_after_taking else 0
        if stall:
            time.sleep(stall)
        return self._answer(start_response, 201, {
            "id": message["id"], "reference": message["reference"],
            "content": {"subject": personalisation["subject"], "body": personalisation["body"],
                        "from_email": "pathways@notifications.service.gov.uk"},
            "uri": f"{self.url}/v2/notifications/{message['id']}",
            "template": message["template"]})

    def _letter(self, start_response, key: Key, body: dict):
        if "content" not in body:
            return self._error(start_response, 400, "Letters need a template_id or content",
                               "ValidationError")
        if not body.get("reference"):
            return self._error(start_response, 400, "reference is a required property",
                               "ValidationError")
        try:
            pdf = base64.b64decode(body["content"], validate=True)
        except ValueError:
            return self._error(start_response, 400, "Cannot decode letter content (invalid "
                                                    "base64 encoding)", "ValidationError")
        if not pdf.startswith(b"%PDF"):
            return self._error(start_response, 400, "Letter content is not a valid PDF",
                               "ValidationError")
        if key.kind == "team":
            return self._error(start_response, 403, "Cannot send letters with a team api key",
                               "BadRequestError")
        message = self._record("letter", body, status="pending-virus-check",
                               postage=body.get("postage", "second"))
        message["pdf"] = len(pdf)
        return self._answer(start_response, 201, {"id": message["id"],
                                                  "reference": message["reference"],
                                                  "postage": message["postage"]})

    def _record(self, kind: str, body: dict, **fields) -> dict:
        message = {"id": str(uuid.uuid4()), "reference": body.get("reference"), "type": kind,
                   "created_at": now_iso(), "completed_at": None,
                   "template": {"id": body.get("template_id") or str(uuid.UUID(int=0)),
                                "version": 1, "uri": ""}, **fields}
        with self._lock:
            self.notifications[message["id"]] = message
        return message
