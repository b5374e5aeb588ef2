"""The one client address the app trusts, for throttling and sign-in lockouts alike.

Behind N proxies that each append to X-Forwarded-For, the address the outermost of our own
proxies saw is the N-th from the right; anything to its left was written by the client and is
never trusted (issue 10: random X-Forwarded-For values once escaped the token throttle). With
no proxy (TRUSTED_PROXY_COUNT=0, the default) the socket address is the client's address.
DRF's throttles use the same rule through REST_FRAMEWORK["NUM_PROXIES"].
"""
import ipaddress
import threading
import time

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if part.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class PerAddressPerMinute:
    """At most `limit` requests from one address in a calendar minute, counted in this
    process (the counts of the minute before are dropped as a new minute starts)."""

    def __init__(self, limit: int):
        self.limit, self.minute, self.counts = limit, None, {}
        self._lock = threading.Lock()

    def allowed(self, address: str) -> bool:
        with self._lock:
            minute = int(time.time() // 60)
            if minute != self.minute:
                self.minute, self.counts = minute, {}
            self.counts[address] = self.counts.get(address, 0) + 1
            return self.counts[address] <= self.limit
