"""Per-visitor limits (ideas sent, searches), kept in the shared "limits" cache, without
tracking anyone.

The visitor is known only by a keyed hash of their address (clients.py), kept for one time
window. A limited visitor gets a 429 page that says when to try again.
"""

import contextlib
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from helsingborg_innovation import pagecache
from helsingborg_innovation.clients import client_network

PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/h' -> (5, 3600): at most that many requests per that many seconds."""
    try:
        count, period = rate.strip().split("/")
        limit, seconds = int(count), PERIODS[period.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"A rate must look like 5/h (per s, m, h or d), got {rate!r}"
        ) from None
    if limit < 1:
        raise ImproperlyConfigured(f"A rate must allow at least one request, got {rate!r}")
    return limit, seconds


def _client_key(request: HttpRequest, scope: str, window: int) -> str:
    address = client_network(request)
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256)
    return f"ratelimit:{scope}:{digest.hexdigest()[:32]}:{window}"


# While the cache server is away, each worker counts on its own. The limits are then as many
# times looser as there are workers on all the nodes, but a robot or someone guessing at a
# password is still held back: counting nothing let them send and guess without limit.
_alone = LocMemCache("ratelimit-alone", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 10_000}})


def _count_in(limits, key: str, seconds: int) -> int:
    try:
        limits.add(key, 0, timeout=seconds)
        return limits.incr(key)
    except ValueError:
        # Expired between add and incr: this is the first of the next period.
        limits.set(key, 1, timeout=seconds)
        return 1


def count_one(key: str, seconds: int, *, counting: str) -> int:
    """Count one more under `key`, kept `seconds` from the first; the count so far. In the
    shared "limits" cache; while that is away, in this worker's own (see `_alone`). A cache
    server that failed a moment ago is left alone (pagecache.cache_usable), as for the pages;
    `counting` says what for in the warning when it fails."""
    if pagecache.cache_usable():
        try:
            return _count_in(caches["limits"], key, seconds)
        except Exception:
            pagecache.cache_failed(f"counting {counting}: each worker counts alone")
    return _count_in(_alone, key, seconds)


def give_back(key: str) -> None:
    """Take one off the count under `key`, wherever it was counted (a count expired, or kept
    where the cache server is away, holds nothing against anyone)."""
    with contextlib.suppress(Exception):
        _alone.decr(key)
    if pagecache.cache_usable():
        with contextlib.suppress(Exception):
            caches["limits"].decr(key)


def hit(request: HttpRequest, *, scope: str, rate: str) -> int | None:
    """Count one request; return None when allowed, else the seconds until the next window."""
    limit, seconds = parse_rate(rate)
    now = time.time()
    window = int(now // seconds)
    key = _client_key(request, scope, window)
    count = count_one(key, seconds + 1, counting=f"{scope} requests")
    if count > limit:
        return max(1, int((window + 1) * seconds - now))
    return None


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = TemplateResponse(
        request, "429.html", {"retry_minutes": max(1, (retry_after + 59) // 60)}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response
