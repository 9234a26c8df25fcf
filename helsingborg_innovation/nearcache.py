"""Copies of cached pages kept inside the worker, for as long as Redis says nothing changed.

The page cache (pagecache.py) asks Redis on every request for the generations of the content
a page shows, and for the page. That round trip was half the cost of serving a cached page.
Here each worker keeps the generations it last read, the pages it last served and the values
`pagecache.remembered` last gave it (figures, rankings, filter options), and holds a connection
of its own on which Redis tracks the generation keys (client-side caching in
broadcasting mode, RESP3): a change to a generation makes the worker forget that generation
before it serves the next request (its pages made from the old one then no longer match), and
a flush or a lost connection makes it forget every generation and page it holds.

A change is therefore seen by every node as soon as Redis's message reaches it, which on a
local network is well before the next request could. In case a message is ever lost on a
connection that stays open, generations are trusted for at most TRUST_SECONDS, and then read
again, all of them in one round trip.

Redis tracks key names across all its databases, and reports a flush of any of them, so other
sites or test runs sharing the server make a worker forget more often than it must: never
less, so never a stale page, only an extra round trip.

Only with the Redis backend; with the local-memory cache the cache itself is in the worker.
"""

import contextlib
import logging
import os
import pickle
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache, caches

logger = logging.getLogger(__name__)

TRUST_SECONDS = 1.0
# The most generations read again together when their trust runs out; a worker that knows more
# forgets them instead, and reads each again as a page needs it.
RENEW_MOST = 2000
RETRY_SECONDS = 5.0
# A remembered value is kept beside the worker at most this long after it was read. Its key
# names the generations it was made from, so a change never reaches it; this bounds only how
# long after its copy in Redis expires (five minutes, for items going public on schedule while
# the page cache is off) the worker may still use it.
VALUE_SECONDS = 60.0


class NearCache:
    def __init__(self, prefixes: tuple[str, ...], max_bytes: int):
        self.prefixes = prefixes
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._retry_at = 0.0
        self._disabled = False
        self._failing = False
        self._values: dict[str, object] = {}
        self._read_at = 0.0
        self._forgot_at = 0.0
        self._pages: OrderedDict[str, tuple] = OrderedDict()
        self._page_bytes = 0
        # Remembered values: key -> (value, size in bytes pickled, kept until).
        self._kept: OrderedDict[str, tuple[object, int, float]] = OrderedDict()
        self._kept_bytes = 0
        # Redis's messages read since the last request: the keys that changed (None for all).
        self._changes: list[list | None] = []

    def reset(self) -> None:
        """Drop the connection and everything kept (tests; a new worker starts like this)."""
        with self._lock:
            self._disconnect()
            self._retry_at = 0.0
            self._disabled = self._failing = False

    # Generations ------------------------------------------------------------------------

    def values(self, keys: list[str]) -> dict | None:
        """The current values of these keys (cache keys, before make_key), or None when this
        worker cannot vouch for them: Redis is then asked, and `remember` told the answer."""
        with self._lock:
            if not self._watching():
                return None
            values = self._values
            try:
                return {key: values[key] for key in keys}
            except KeyError:
                return None

    def remember(self, values: dict, keys: list[str], read_since: float) -> None:
        """Keep what Redis answered for `keys`, read after the moment `read_since` (from
        `now()`, taken before the round trip). A key Redis lacks is not vouched for: whoever
        reads it next asks Redis, and starts it (pagecache._started)."""
        with self._lock:
            if not self._watching() or read_since < self._forgot_at:
                return  # something changed while the answer was on its way
            if not self._values:
                self._read_at = read_since
            for key in keys:
                if (value := values.get(key)) is not None:
                    self._values[key] = value

    def now(self) -> float:
        return time.monotonic()

    # Pages ------------------------------------------------------------------------------

    def page(self, key: str) -> tuple | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def keep_page(self, key: str, page: tuple, read_since: float) -> None:
        """Keep a page made from the generations read after `read_since` (see `remember`)."""
        size = len(page[2])
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if not self._watching() or read_since < self._forgot_at:
                # Redis flushed or restarted meanwhile: its generations may start again from
                # the numbers this page was made from.
                return
            old = self._pages.pop(key, None)
            if old is not None:
                self._page_bytes -= len(old[2])
            self._pages[key] = page
            self._page_bytes += size
            while self._page_bytes > self.max_bytes:
                _key, dropped = self._pages.popitem(last=False)
                self._page_bytes -= len(dropped[2])

    # Remembered values -----------------------------------------------------------------

    def value(self, key: str):
        """The value kept under this key (see `pagecache.remembered`), or None. The key names
        the generations the value was made from: ask only with generations this worker can
        vouch for (`values`), or just read from Redis."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            if kept[2] < time.monotonic():
                self._drop_value(key)
                return None
            self._kept.move_to_end(key)
            return kept[0]

    def keep_value(self, key: str, value, read_since: float) -> None:
        """Keep a value made from the generations read after `read_since` (see `remember`).
        Whoever uses it shares it with every later request of this worker: never change it."""
        try:
            size = len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
        except Exception:
            return
        budget = self.max_bytes // 4
        if size > budget // 4:
            return
        with self._lock:
            if not self._watching() or read_since < self._forgot_at:
                return  # Redis flushed or restarted meanwhile (see `keep_page`)
            self._drop_value(key)
            self._kept[key] = (value, size, time.monotonic() + VALUE_SECONDS)
            self._kept_bytes += size
            while self._kept_bytes > budget:
                self._drop_value(next(iter(self._kept)))

    def _drop_value(self, key: str) -> None:
        old = self._kept.pop(key, None)
        if old is not None:
            self._kept_bytes -= old[1]

    def forget_values(self, keys: list[str]) -> None:
        """Forget these generations at once: this worker has just changed them, and Redis's
        word of it may not have come yet when the same request reads them again."""
        with self._lock:
            for key in keys:
                self._values.pop(key, None)
            # An answer read before the change must not bring the old generation back.
            self._forgot_at = time.monotonic()

    # The tracking connection ----------------------------------------------------------------

    def _forget(self) -> None:
        """Forget the generations, and the pages and values too: a flush, an eviction or a
        restart of Redis can start a generation again from a number a kept page was made
        from."""
        self._values = {}
        self._forgot_at = time.monotonic()
        self._pages.clear()
        self._page_bytes = 0
        self._kept.clear()
        self._kept_bytes = 0

    def _changed(self, message) -> None:
        """Redis's message that keys changed (["invalidate", keys], keys None for a flush)."""
        self._changes.append(message)

    def _forget_changed(self) -> None:
        """Forget what Redis's messages since the last request name: only the generations
        that changed, which only go up, so a page made from another generation stays (it no
        longer matches the next one read); everything for a flush, or a message it cannot
        read."""
        changes, self._changes = self._changes, []
        changed: set[bytes] = set()
        for message in changes:
            keys = message[1] if isinstance(message, list | tuple) and len(message) == 2 else None
            if keys is None:
                self._forget()
                return
            changed.update(key if isinstance(key, bytes) else str(key).encode() for key in keys)
        if not changes:
            self._forget()  # read, but not as an invalidation: take it as anything
            return
        self._values = {
            key: value
            for key, value in self._values.items()
            if cache.make_key(key).encode() not in changed
        }
        self._forgot_at = time.monotonic()

    def _watching(self) -> bool:
        """Reads what Redis has said since the last request; False when not listening."""
        if self._pid != os.getpid():
            # A forked worker must not share its parent's socket.
            self._connection, self._pid = None, os.getpid()
            self._forget()
        if self._disabled:
            return False
        if self._connection is None and not self._connect():
            return False
        try:
            read = False
            while self._connection.can_read(timeout=0):
                self._connection.read_response(push_request=True)
                read = True
            if read:
                self._forget_changed()
        except Exception:
            # Including a closed connection: Redis restarted, and may have lost everything.
            logger.warning("Page cache: lost Redis's change messages; asking Redis each time")
            self._disconnect()
            return False
        if self._values and time.monotonic() - self._read_at > TRUST_SECONDS:
            self._renew()
        return True

    def _renew(self) -> None:
        """Read every generation this worker knows again, in one round trip. Each challenge
        and initiative has one for its own ideas: forgotten every second, a worker serving
        two hundred item pages asked Redis again for each of them, and served a third fewer
        pages than it did for one."""
        keys = list(self._values)
        read_since = time.monotonic()
        try:
            if len(keys) > RENEW_MOST:
                raise ValueError("too many generations to read again at once")
            current = cache.get_many(keys)
        except Exception:
            self._values = {}
            self._forgot_at = time.monotonic()
            return
        # A generation Redis has lost (evicted) is forgotten, not vouched for as nothing.
        renewed = {key: current[key] for key in keys if current.get(key) is not None}
        if renewed != self._values:
            # A change Redis did not report: pages made from the old generations no longer
            # match, and none made from them meanwhile may be kept.
            self._forgot_at = time.monotonic()
        self._values = renewed
        self._read_at = read_since

    def _connect(self) -> bool:
        if time.monotonic() < self._retry_at:
            return False
        import redis

        try:
            # No longer than the cache's own calls wait (REDIS_TIMEOUT_MS): a Redis that does
            # not answer held a request for a second here, and half a second more for the page.
            pool = redis.ConnectionPool.from_url(
                settings.CACHES["default"]["LOCATION"],
                protocol=3,
                socket_connect_timeout=settings.REDIS_TIMEOUT,
                socket_timeout=settings.REDIS_TIMEOUT,
            )
            connection = pool.make_connection()
            connection.connect()
            self._changes = []
            parser = connection._get_parser()
            if hasattr(parser, "set_invalidation_push_handler"):
                # Without it (another parser) every message means "forget everything".
                parser.set_invalidation_push_handler(self._changed)
            arguments = ["CLIENT", "TRACKING", "ON", "BCAST"]
            for prefix in self.prefixes:
                arguments += ["PREFIX", cache.make_key(prefix)]
            connection.send_command(*arguments)
            answer = connection.read_response()
            if answer not in (b"OK", "OK"):
                raise ValueError(f"CLIENT TRACKING answered {answer!r}")
        except redis.ResponseError as error:
            # This Redis will not report changes (older than 6, or CLIENT is not allowed):
            # the page cache asks it on every request, as without a near cache.
            self._disabled = True
            logger.warning("Page cache: Redis refuses to report changes, near cache off: %s", error)
            return False
        except Exception:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            if not self._failing:
                logger.warning("Page cache: Redis change messages unavailable", exc_info=True)
            self._failing = True
            return False
        self._failing = False
        self._connection = connection
        self._forget()
        return True

    def _disconnect(self) -> None:
        connection, self._connection = self._connection, None
        self._forget()
        self._retry_at = time.monotonic() + RETRY_SECONDS
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.disconnect()


def for_cache(prefixes: tuple[str, ...]) -> NearCache | None:
    """A near cache for the default cache, or None when that is not Redis."""
    from helsingborg_innovation.rediscache import RedisCache

    if not isinstance(caches["default"], RedisCache):
        return None
    megabytes = settings.PAGE_CACHE_NEAR_MEGABYTES
    if megabytes <= 0:
        return None
    return NearCache(prefixes, megabytes * 1024 * 1024)
