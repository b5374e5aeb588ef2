"""Refuse input no person could have typed before any view sees it (issue 10).

A NUL byte or another control character in a query string or a form field is a 400 with a
message, not a database error deep in a query (PostgreSQL refuses NUL in text). Tabs and
line breaks are kept: people paste them into text boxes.
"""
import re

from django.http import HttpResponseBadRequest, JsonResponse

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = "The request holds a control character (such as NUL) that no field accepts."


class RejectControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_control_characters(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_control_characters(request) -> bool:
        sources = [request.GET]
        if request.method == "POST" and request.content_type in (
                "application/x-www-form-urlencoded", "multipart/form-data"):
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if CONTROL.search(key) or any(CONTROL.search(v) for v in values):
                    return True
        return False


# Powerful browser features Pathways never uses, switched off for every page and any frame
# in it: a script that got in could not turn on a camera, a microphone or location, or take
# payment details (security round 3, finding 10). Each feature empty: allowed nowhere.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "geolocation",
    "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment",
    "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
    "xr-spatial-tracking"))


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
