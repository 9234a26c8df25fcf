"""Whole-page cache for anonymous visitors, never stale.

Each kind of content has a generation number in the shared cache. A cached page records the
generations of the kinds it shows, and is read together with the current ones in one round
trip, so a change to a challenge makes every page that shows challenges miss on every node at
once, while pages that show no challenges stay cached. With Redis, each worker keeps the pages
and generations it read and is told by Redis of every change (nearcache.py), so a hit usually
needs no round trip at all.

PageCacheMiddleware sits early in MIDDLEWARE and keeps responses as the rest of the stack
finished them, so a hit skips sessions, CSRF, locale and header middleware; only the CSP nonce
is made afresh for each response.
Generations are bumped on save, delete and relation changes of the content models (connected
in SiteConfig.ready) and by writes that bypass signals (bulk updates call `bump` themselves).

A page with a form (the idea form) is kept with holes where the CSRF token and the signed
start time go, and every visitor gets values of their own (see `serve`). When the cache
server is away the site serves uncached pages and logs a warning.
"""

import contextvars
import functools
import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote_plus, urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.csp import LazyNonce
from django.utils.encoding import escape_uri_path
from django.utils.html import escape
from django.utils.http import parse_http_date_safe
from django.utils.module_loading import import_string
from django.utils.translation import activate, get_language, get_language_from_path, override

from helsingborg_innovation import nearcache

logger = logging.getLogger(__name__)

CHALLENGES = "challenges"
INITIATIVES = "initiatives"
METHODS = "methods"
# Every idea, whatever its status: what the statistics count.
CONTRIBUTIONS = "contributions"
# The ideas the public sees (published ones): an idea waiting for moderation changes neither.
# The pages of all of them (search, the feeds); a challenge's or an initiative's page watches
# only its own ideas (`ideas_received`, `ideas_led_to`) and IDEAS_REWRITTEN.
PUBLIC_IDEAS = "public-ideas"
# Ideas changed in bulk, without their signals (names erased): every page that shows an idea.
IDEAS_REWRITTEN = "ideas-rewritten"
# The ideas decided (published, declined or marked as spam), as the median time to a decision
# counts them: an idea arriving to wait for moderation changes none.
DECISIONS = "decisions"
# Ideas deleted, whatever their status: only the first idea's year looks back this way (an
# idea arriving changes no year that is over).
IDEAS_REMOVED = "ideas-removed"
VOCABULARY = "vocabulary"
ALL = (
    CHALLENGES,
    INITIATIVES,
    METHODS,
    CONTRIBUTIONS,
    PUBLIC_IDEAS,
    IDEAS_REWRITTEN,
    DECISIONS,
    IDEAS_REMOVED,
    VOCABULARY,
)
# Figures counted afresh (see `remembered`): what pages made during the count showed instead,
# the figures as last counted, is out of date.
COUNTED = "counted"
# What anonymous visitors can see of every kind: ideas only once published.
PUBLIC = (CHALLENGES, INITIATIVES, METHODS, PUBLIC_IDEAS, VOCABULARY)
# What a challenge's or an initiative's page shows besides its own ideas.
ITEM_PAGE = (CHALLENGES, INITIATIVES, METHODS, VOCABULARY, IDEAS_REWRITTEN)


def ideas_received(challenge_slug: str) -> str:
    """The kind of content that is one challenge's ideas, whatever their status: what its page
    counts ("ideas received") and the published ones it lists. An idea arriving or decided
    changes it, and no other challenge's page."""
    return f"ideas-of:{challenge_slug}"


def ideas_led_to(initiative_slug: str) -> str:
    """The published ideas that led to one initiative: what its page lists of ideas. A
    moderator publishing ideas for other initiatives, or none, leaves its page cached."""
    return f"ideas-for:{initiative_slug}"


# Which generation each model belongs to, by label, so this module imports no app.
MODEL_KINDS = {
    "challenges.challenge": CHALLENGES,
    "initiatives.initiative": INITIATIVES,
    "initiatives.impactgoal": INITIATIVES,
    "initiatives.phasechange": INITIATIVES,
    "methods.method": METHODS,
    "methods.attachment": METHODS,
    "contributions.contribution": CONTRIBUTIONS,
    "site.department": VOCABULARY,
    "site.contactperson": VOCABULARY,
    "site.partner": VOCABULARY,
    "site.globalgoal": VOCABULARY,
    "taggit.tag": VOCABULARY,
    "taggit.taggeditem": VOCABULARY,
}
# What deleting a row changes besides its kind above.
MODEL_DELETED_KINDS = {"contributions.contribution": (IDEAS_REMOVED,)}

TIMEOUT = 60 * 60 * 24

# What each public page shows, by URL name: the kinds of content, or a function of the
# address's arguments that gives them. Pages not listed are never cached.
ROUTES = {
    # The home page shows no ideas, so a burst of them (a campaign) leaves it cached.
    "home": (CHALLENGES, INITIATIVES, METHODS, VOCABULARY),
    "challenges:list": (CHALLENGES, VOCABULARY),
    # A challenge's page counts its ideas of every status, and lists the published ones.
    "challenges:detail": lambda slug: (*ITEM_PAGE, ideas_received(slug)),
    "initiatives:list": (INITIATIVES, CHALLENGES, METHODS, VOCABULARY),
    "initiatives:detail": lambda slug: (*ITEM_PAGE, ideas_led_to(slug)),
    "lessons:list": (INITIATIVES, CHALLENGES, VOCABULARY),
    "methods:list": (METHODS, VOCABULARY),
    "methods:detail": (METHODS, INITIATIVES, CHALLENGES, VOCABULARY),
    "search:results": PUBLIC,
    "statistics:dashboard": (*ALL, COUNTED),
    "pages:about": (),
    "pages:accessibility": (),
    "pages:personal_data": (),
    "tags:detail": (CHALLENGES, INITIATIVES, METHODS, VOCABULARY),
    # Feed readers and search engines ask for these over and over.
    "feeds:challenges_rss": (CHALLENGES, VOCABULARY),
    "feeds:challenges_atom": (CHALLENGES, VOCABULARY),
    "feeds:initiatives_rss": (INITIATIVES, VOCABULARY),
    "feeds:initiatives_atom": (INITIATIVES, VOCABULARY),
    "feeds:lessons_rss": (INITIATIVES, VOCABULARY),
    "feeds:lessons_atom": (INITIATIVES, VOCABULARY),
    "feeds:ideas_rss": (PUBLIC_IDEAS, CHALLENGES),
    "feeds:ideas_atom": (PUBLIC_IDEAS, CHALLENGES),
    # The statistics' years follow the first initiative and idea (statistics.dashboard_years),
    # the tags' pages the vocabulary.
    # The challenges' dates follow the ideas published on their pages (sitemaps.py).
    "sitemap": (CHALLENGES, INITIATIVES, METHODS, IDEAS_REMOVED, VOCABULARY, PUBLIC_IDEAS),
    "sitemap_section": lambda section, **_: (
        (CHALLENGES, INITIATIVES, METHODS, IDEAS_REMOVED, VOCABULARY)
        + ((PUBLIC_IDEAS,) if section == "challenges" else ())
    ),
    "opendata:index": (),
    "opendata:schema": (),
    # Made afresh, the whole portfolio took a worker up to half a minute (opendata.py).
    "opendata:export": lambda dataset, fmt: OPEN_DATA_KINDS[dataset],
}
# What each open-data file holds: the ideas name their challenge and the initiative they led
# to, by slug and only while it is public; the initiatives their challenges and methods.
OPEN_DATA_KINDS = {
    "challenges": (CHALLENGES, VOCABULARY),
    "initiatives": (INITIATIVES, CHALLENGES, METHODS, VOCABULARY),
    "methods": (METHODS, VOCABULARY),
    "ideas": (PUBLIC_IDEAS, IDEAS_REWRITTEN, CHALLENGES, INITIATIVES),
}
# A streamed response (an open-data file) is kept only up to this size: a large portfolio's
# would crowd the pages out of Redis and of each worker's near cache (which keeps a copy up
# to a quarter of its size). A larger one is kept in storage instead (exportfiles.py).
STREAMED_KEPT_BYTES = 4 * 1024 * 1024

# The query parameters each page in ROUTES reads, by URL name: its filters, page numbers and
# years (the site's own forms and links send no others, tests/site/test_pagecache.py). With
# any other parameter (the tracking ones apart, which are taken off first) a page is made for
# its visitor and not kept: every query was a copy of its own, so ?x=1, ?x=2 and so on got
# past the cache and filled it. Nor may the copy without it answer, as the page's links carry
# the query on. A parameter missing here costs its page the cache, never a wrong page.
#
# A list reads the filters of its FilterSet, the search and the statistics the fields of their
# form, so that a filter added to one is a parameter of its page: named by dotted path and
# read on first use (`route_parameters`), since this module is imported while the apps load
# (their models and filters use it).
ROUTE_FORMS = {
    "challenges:list": "challenges.filters.ChallengeFilter",
    "initiatives:list": "initiatives.filters.InitiativeFilter",
    "lessons:list": "initiatives.filters.LessonFilter",
    "methods:list": "methods.filters.MethodFilter",
    "search:results": "helsingborg_innovation.search_views.SearchForm",
    "statistics:dashboard": "helsingborg_innovation.stats_views.YearForm",
}
# What the pages read besides their forms: page numbers.
_PAGE = "page"
ROUTE_PAGING = {
    "challenges:list": (_PAGE,),
    # A link to one idea names it (?idea=), and the page shows the page of ideas that holds it.
    "challenges:detail": (_PAGE, "idea"),
    "initiatives:list": (_PAGE,),
    "initiatives:detail": (_PAGE,),
    "lessons:list": (_PAGE,),
    "methods:list": (_PAGE,),
    "search:results": (_PAGE,),
    "sitemap_section": ("p",),  # Django's sitemap pages
}
# An open-data file honours its list's filters (the ideas: their challenge), pages aside.
OPEN_DATA_FILTERS = ("challenges:list", "initiatives:list", "methods:list")


def _fields(dotted_path: str) -> tuple[str, ...]:
    """The names of a FilterSet's filters or of a form's fields."""
    declared = import_string(dotted_path)
    if hasattr(declared, "base_filters"):  # a FilterSet
        return tuple(declared.base_filters)
    return tuple(declared.base_fields)


@functools.cache
def route_parameters() -> dict[str, tuple[str, ...]]:
    """The query parameters each page in ROUTES reads, by URL name (ROUTE_FORMS and
    ROUTE_PAGING); read once the apps are loaded, on the first request."""
    forms = {route: _fields(path) for route, path in ROUTE_FORMS.items()}
    parameters = {
        route: (*forms.get(route, ()), *ROUTE_PAGING.get(route, ()))
        for route in {**ROUTE_FORMS, **ROUTE_PAGING}
    }
    parameters["opendata:export"] = tuple(
        sorted({name for route in OPEN_DATA_FILTERS for name in forms[route]})
    )
    return parameters


@functools.cache
def _release() -> str:
    """What makes this release's pages: the form of a kept copy, the hashed names of the
    static files, the templates, code and translations, and the settings from the environment
    that pages show. A copy made by another release (before a deploy, by a node not yet
    updated, or before the operators changed such a setting and restarted) is never served by
    this one."""
    digest = hashlib.sha256(f"copy-format-{COPY_FORMAT}".encode())
    for name in RELEASE_SETTINGS:
        digest.update(f"{name}={getattr(settings, name)!r}".encode())
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    base = Path(settings.BASE_DIR)
    for folder in RELEASE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".txt", ".mo"} and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# Bumped when the tuple a copy is kept as changes.
COPY_FORMAT = 3
# Settings read from the environment that change what pages show: the age of the age
# notice, the size of a list's pages and the retention of personal data and of the access
# logs (the personal data page). The code's own settings are part of the code.
RELEASE_SETTINGS = (
    "CONTENT_AGE_NOTICE_DAYS",
    "PAGE_SIZE",
    "CONTRIBUTION_RETENTION_DAYS",
    "ACCESS_LOG_RETENTION_DAYS",
)
RELEASE_FOLDERS = (
    "templates",
    "locale",
    "helsingborg_innovation",
    "challenges",
    "initiatives",
    "methods",
    "contributions",
)


# When the cache server fails, this process leaves it alone for a few seconds: every attempt
# may wait for a connection timeout, and each would log a traceback (several per request).
CACHE_RETRY_SECONDS = 5
_cache_down_until = 0.0
# Kinds whose generation could not be bumped while the cache server was away: bumped as soon
# as it answers again, or pages made before the change would be served after it.
_unsent_bumps: set[str] = set()


def cache_usable() -> bool:
    """Whether this process may ask the cache server now (see `cache_failed`); once it may
    again, the invalidations it could not send are sent first."""
    if time.monotonic() < _cache_down_until:
        return False
    if _unsent_bumps:
        kinds = tuple(_unsent_bumps)
        _unsent_bumps.clear()
        _bump_now(kinds)
        return time.monotonic() >= _cache_down_until
    return True


def cache_failed(doing: str) -> None:
    """Note that the cache server failed: it is not asked again for CACHE_RETRY_SECONDS, and
    only the first failure of each such pause is logged, with the error. Meanwhile pages are
    made afresh for every visitor."""
    global _cache_down_until
    if time.monotonic() >= _cache_down_until:
        logger.warning(
            "Cache server unavailable (%s): serving pages uncached, trying again in %s s",
            doing,
            CACHE_RETRY_SECONDS,
            exc_info=True,
        )
    _cache_down_until = time.monotonic() + CACHE_RETRY_SECONDS


def send_unsent_bumps(*, attempts: int = 3) -> bool:
    """For a process that ends after its changes, a management command: send the
    invalidations the cache server did not take (see `cache_usable`), waiting out the pause
    after each failure; whether all were sent. A web worker sends them with its next request;
    a command has none, and the pages would show what it changed until they expire."""
    for _attempt in range(attempts):
        if not _unsent_bumps:
            return True
        time.sleep(max(0.0, _cache_down_until - time.monotonic()))
        cache_usable()
    return not _unsent_bumps


def reset_cache_state() -> None:
    """Forget earlier failures of the cache server (for tests)."""
    global _cache_down_until
    _cache_down_until = 0.0
    _unsent_bumps.clear()
    _behind_until.clear()


def _generation_key(kind: str) -> str:
    return f"pagecache:generation:{kind}"


def _fresh_generation() -> int:
    """A number to start a generation from. The cache server can lose a generation: Redis
    evicts keys to make room, Django's local-memory cache culls a third of its entries when
    full. Started again from the same number, or read as nothing, it would match the copies
    of pages and values made from it before it was lost, and serve them after the changes
    since. Started at random among 2**62 numbers, it never meets one of them again."""
    return secrets.randbelow(2**62) + 1


def _started(found: dict, keys: list[str]) -> dict:
    """What the cache server answered (`found`), with each of these generations it lacks
    started afresh (see `_fresh_generation`), so that no copy is ever made from, or matched
    to, a generation that is not there."""
    missing = [key for key in keys if found.get(key) is None]
    if not missing:
        return found
    found = dict(found)
    for key in missing:
        fresh = _fresh_generation()
        if cache.add(key, fresh, timeout=None):
            found[key] = fresh
        else:  # another worker started it first
            found[key] = cache.get(key) or fresh
    return found


def generations(*kinds: str) -> str:
    """The generations of these kinds of content, for a cache of something else built from
    them (see `remembered`): any change to them gives another value, a digest of the numbers
    (each up to 19 digits long, see `_fresh_generation`). From the worker's near cache when
    it can vouch for them, otherwise from Redis; raises when that is away."""
    keys = [_generation_key(kind) for kind in kinds]
    near = _near()
    known = near.values(keys) if near is not None else None
    if known is None:
        read_since = near.now() if near is not None else 0.0
        known = _started(cache.get_many(keys), keys)
        if near is not None:
            near.remember(known, keys, read_since)
    numbers = ",".join(f"{kind}={known[key]}" for kind, key in zip(kinds, keys, strict=True))
    return hashlib.blake2b(numbers.encode(), digest_size=16).hexdigest()


# What `remembered` keeps is renewed at least this often: items scheduled to go public change
# it without a write (with the page cache on, its check of the schedule renews it at once).
REMEMBERED_TIMEOUT = 5 * 60


def remembered[T](
    name: str,
    compute: Callable[[], T],
    *parts,
    kinds: tuple[str, ...],
    timeout: int = REMEMBERED_TIMEOUT,
    last_while_counting: bool = False,
) -> T:
    """`compute()`, kept in the cache while the content it is made from (these kinds) is
    unchanged, on the same day (open challenges and years change with the date): figures and
    lists that pages built without the page cache still share. What is kept must hold no
    personal data and be the same in every language.

    While one worker computes, the others wait for its result instead of computing the same
    thing at the same time; with `last_while_counting` they take the value computed last
    instead, if there is one, and the page made with it is kept only until the count is done
    (`serve`). Without the cache server, it is computed each time.
    """
    if not cache_usable():
        return compute()
    near = _near()
    read_since = near.now() if near is not None else 0.0
    try:
        day = timezone.localdate().isoformat()
        # This release's: what another release's code counted (before a deploy, or on a node
        # not yet updated) may be counted otherwise, or not even unpickle here.
        key = f"remembered:{_release()}:{name}:{parts!r}:{day}:{generations(*kinds)}"
        # The worker's own copy first (nearcache.py): no round trip, nothing to unpickle.
        value = near.value(key) if near is not None else None
        if value is not None:
            return value
        value = cache.get(key)
    except Exception:
        cache_failed(f"reading {name}")
        return compute()
    if value is not None:
        if near is not None:
            near.keep_value(key, value, read_since)
        return value
    # One worker at a time computes this, whatever generation it sees: during a burst of
    # changes a count started for one would otherwise be joined by one for each next.
    computing = counting_key(name, parts)
    last = f"remembered:{_release()}:{name}:{parts!r}:{day}:last"
    try:
        computing_here = cache.add(computing, 1, timeout=COMPUTING_SECONDS)
        if not computing_here:
            if last_while_counting and (value := cache.get(last)) is not None:
                _behind.set(True)
                cache.set(f"{computing}:behind", 1, timeout=COMPUTING_SECONDS)
                return value
            value = _computed_elsewhere(key, computing)
            if value is not None:
                return value
    except Exception:
        cache_failed(f"reading {name}")
        computing_here = False
    try:
        value = compute()
        try:
            cache.set(key, value, timeout)
            if last_while_counting:
                cache.set(last, value, timeout)
                if cache.delete(f"{computing}:behind"):
                    # Pages were made with the value before this one meanwhile: out of date.
                    bump(COUNTED)
        except Exception:
            cache_failed(f"keeping {name}")
        else:
            if near is not None:
                near.keep_value(key, value, read_since)
    finally:
        if computing_here:
            try:
                cache.delete(computing)
            except Exception:
                cache_failed(f"keeping {name}")
    return value


# The longest one worker waits for another's result before computing it itself.
COMPUTING_SECONDS = 15

# True while the request being served uses a value computed before the latest change (see
# `remembered`): its page is kept for other visitors only briefly (BEHIND_SECONDS).
_behind: contextvars.ContextVar[bool] = contextvars.ContextVar("pagecache_behind", default=False)

# A page made with a value computed before the latest change (`remembered` with
# `last_while_counting`: the statistics while one worker counts them afresh) is kept until the
# count is done (it bumps COUNTED, which such pages watch), and at most this long, in the cache
# server only (never in a worker's near cache, which keeps a page until its content changes).
# Its visitors see those figures whether it is kept or made again; made again for each of
# them, the dashboard gave 0.04 of the hello-world view during a burst of ideas.
# A page of figures is also made afresh at most once in this long (`serve`): what changes
# meanwhile shows on the next one.
BEHIND_SECONDS = 1


def counting_key(name: str, parts: tuple) -> str:
    """The key a worker holds while it computes what `remembered` keeps under this name."""
    return f"remembered:{_release()}:{name}:{parts!r}:computing"


def _computed_elsewhere(key: str, computing: str):
    """What another worker is computing, once it has; None if it gave up."""
    deadline = time.monotonic() + COMPUTING_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        value = cache.get(key)
        if value is not None:
            return value
        if cache.get(computing) is None:
            return cache.get(key)
    return None


def bump(*kinds: str) -> None:
    """Make every cached page that shows these kinds of content miss from now on.

    Inside a transaction, once more when it commits: a visitor served between the change
    and the commit still read the old rows, and their page would otherwise be kept under the
    new generation until the next change.
    """
    _bump_now(kinds)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(functools.partial(_bump_now, kinds))


def _bump_now(kinds) -> None:
    if time.monotonic() < _cache_down_until:
        _unsent_bumps.update(kinds)
        return
    if (near := _near()) is not None:
        near.forget_values([_generation_key(kind) for kind in kinds])
    for kind in kinds:
        key = _generation_key(kind)
        try:
            try:
                cache.add(key, _fresh_generation(), timeout=None)
                cache.incr(key)
            except ValueError:
                # Lost between add and incr: starting again from a fresh value will do.
                cache.set(key, _fresh_generation(), timeout=None)
        except Exception:
            _unsent_bumps.update(kinds)
            cache_failed(f"invalidating {kind}")
            return


# The schedule: when the next scheduled item goes public (a timestamp, infinity when none is),
# with the generations of the kinds that can be scheduled it was read at (`_schedule`). A
# change to one of them may have scheduled something, so the moment is read again (`_lookup`);
# it is kept meanwhile, not deleted, so that a moment that came before anyone asked again
# still makes every page start afresh.
NEXT_CHANGE_KEY = "pagecache:schedule"
SCHEDULED_MODELS = ("challenges.Challenge", "initiatives.Initiative", "methods.Method")
# The kinds whose changes may schedule something (ideas, say, have no publishing date): only
# they make every page ask for the schedule again.
SCHEDULED_KINDS = (CHALLENGES, INITIATIVES, METHODS)
SCHEDULED_KEYS = tuple(_generation_key(kind) for kind in SCHEDULED_KINDS)


def _schedule(found: dict) -> tuple[float | None, bool]:
    """The next scheduled moment kept in `found` (None if none is), and whether it still holds:
    read from the rows as they are now, that is at the generations `found` holds of the kinds
    that can be scheduled. A moment read from the rows as they were before an editor's save
    was committed, and kept after it, is read again."""
    kept = found.get(NEXT_CHANGE_KEY)
    if not isinstance(kept, tuple) or len(kept) != 2:
        return None, False
    moment, read_at = kept
    return moment, read_at == tuple(found.get(generation) for generation in SCHEDULED_KEYS)


def _schedule_vouches(found: dict) -> bool:
    """Whether pages made from the generations in `found` may be served: the schedule kept
    there holds, and its moment has not come."""
    moment, holds = _schedule(found)
    return holds and moment > time.time()


def _next_scheduled_publication() -> float:
    """When the next scheduled item goes public (a timestamp; infinity when none is scheduled)."""
    now = timezone.now()
    moments = []
    for label in SCHEDULED_MODELS:
        model = apps.get_model(label)
        moment = model.objects.filter(status="published", publish_at__gt=now).aggregate(
            first=Min("publish_at")
        )["first"]
        if moment:
            moments.append(moment.timestamp())
    return min(moments, default=float("inf"))


def _page_address(request) -> list[str]:
    """What tells this request's page from another's: the release that makes it, its
    language and its address (host included) with its query as the page reads it
    (`_query_read`), as the page's key and its ETag hold them."""
    return [
        _release(),
        get_language() or "",
        # Pages name their own address in full (canonical and language links).
        request.scheme,
        _host(request),
        escape_uri_path(request.path),
        _query_read(request),
    ]


def _query_read(request) -> str:
    """The query as the page reads it: parsed, so that a space sent as "+" or "%20", or
    "%c3%a5" for "%C3%A5", is the same, and by name, so that the order of the parameters is
    not, while a parameter's values keep theirs (the page reads the last). The links that
    carry the query on (the language switch, the next page, a download) write it as the first
    visitor sent it, an equivalent address; "?q=" stays apart from no query (a list with a
    filter, even an empty one, is not indexed). A parameter whose values are all empty is not
    read either: a filter form sends its empty fields ("?q=&status=open&department="), a link
    names only the filters it sets ("?status=open"); only empty ones are kept as "?"."""
    named = sorted((name, values) for name, values in request.GET.lists() if any(values))
    if request.GET and not named:
        return "?"
    return urlencode(named, doseq=True)


def _page_key(request) -> str:
    """Where the page of this request is kept: one entry for each address, language, release
    (`_page_address`) and day (open and closed challenges and the age notice change with the
    date)."""
    parts = [*_page_address(request), timezone.localdate().isoformat()]
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"pagecache:page:{digest}"


class Lookup(NamedTuple):
    key: str
    generations: tuple
    cached: tuple | None
    earlier: tuple | None
    read_since: float
    # Whether the page is known to be being made afresh by another worker (`serve`).
    remaking: bool = False


def _lookup(request, kinds) -> Lookup:
    """The page's key, the generations of the content it shows, its cached copy if that was
    made from those very generations, and otherwise the copy made before them, if any (see
    `serve`): from the worker's near cache when it can vouch for the generations, otherwise in
    one round trip to the cache server.

    A copy records the generations it was made from, so a change to what it shows makes it
    stale at once, on every node; the next visitor's page replaces it.
    """
    key = _page_key(request)
    keys = [_generation_key(kind) for kind in kinds]
    generation_keys = list(dict.fromkeys([*keys, *SCHEDULED_KEYS]))
    watched = [*generation_keys, NEXT_CHANGE_KEY]
    near = _near()
    read_since = 0.0
    if near is not None:
        known = near.values(watched)
        vouched = known is not None and _schedule_vouches(known)
        # Only a page of figures is served from the worker's copy without vouched-for
        # generations (`_behind_near`).
        page = near.page(key) if vouched or COUNTED in kinds else None
        if vouched:
            generations = tuple(known[generation_key] for generation_key in keys)
            if page is not None and page[0] == generations:
                return Lookup(key, generations, page, None, read_since)
        read_since = near.now()
        if page is not None and COUNTED in kinds:
            if _still_behind(key, page):
                return Lookup(key, (), None, page, read_since, remaking=True)
            behind = _behind_near(key, keys, watched, page, read_since)
            if behind is not None:
                return behind
    found = cache.get_many([key, *watched])
    next_change, holds = _schedule(found)
    vouched = holds and next_change > time.time()
    if next_change is not None and next_change <= time.time():
        # A scheduled item has gone public since pages were cached: every page that shows
        # content starts afresh.
        bump(*ALL)
        found = cache.get_many(generation_keys)
    found = _started(found, generation_keys)
    if not vouched:
        # The generations first, then the rows: a save committed in between is read again.
        read_at = tuple(found[generation] for generation in SCHEDULED_KEYS)
        cache.set(NEXT_CHANGE_KEY, (_next_scheduled_publication(), read_at), timeout=None)
    elif near is not None:
        near.remember(found, watched, read_since)
    generations = tuple(found[generation_key] for generation_key in keys)
    cached = found.get(key)
    if cached is not None and len(cached) != 7:
        cached = None  # kept by a release that kept it otherwise
    earlier = None
    if cached is not None and cached[0] != generations:
        cached, earlier = None, cached
    kept = cached if cached is not None else earlier if COUNTED in kinds else None
    if kept is not None and near is not None and not kept[6]:
        # A page of figures out of date is kept too: it is served while another worker
        # makes the page afresh (`_behind_near`).
        near.keep_page(key, kept, read_since)
    return Lookup(key, generations, cached, earlier, read_since)


def _behind_near(key, keys, watched, page, read_since) -> Lookup | None:
    """For a page of figures this worker holds a copy of: the page's lookup (see `_lookup`)
    read in a small round trip, its copy from this worker, when that copy is the fresh one or
    the last one made while the page is being made afresh (`serve`). None when the copy in
    the cache server must be read: a fresher one was made, or it is this worker's turn to
    make one. During a burst of ideas every visitor of the statistics is served the copy
    before for most of each second; read from Redis (68 KB) each time, they were served at
    0.39-0.49 of the hello-world view."""
    found = cache.get_many([_made_key(key), remade_key(key), *watched])
    if not _schedule_vouches(found):
        return None  # the schedule is checked on the way that reads the page
    found = _started(found, keys)
    generations = tuple(found[generation_key] for generation_key in keys)
    if page[0] == generations:
        _near().remember(found, watched, read_since)
        return Lookup(key, generations, page, None, read_since)
    if found.get(remade_key(key)) and found.get(_made_key(key)) == page[0]:
        if len(_behind_until) >= BEHIND_KEPT:
            _behind_until.clear()
        _behind_until[key] = (time.monotonic() + BEHIND_RECHECK_SECONDS, page[0])
        return Lookup(key, generations, None, page, read_since, remaking=True)
    return None


# A worker that found a page of figures being made afresh by another serves its copy before
# without asking again for this long (`_still_behind`): asked on every request, Redis's
# round trip was most of the cost of serving the dashboard during a burst. The figures then
# lag a change by at most BEHIND_SECONDS and this.
BEHIND_RECHECK_SECONDS = 0.1
# The pages of figures a worker notes so (one per address of the dashboard).
BEHIND_KEPT = 256
# Page key -> (until when, by time.monotonic(); the generations of the copy it serves).
_behind_until: dict[str, tuple[float, tuple]] = {}


def _still_behind(key: str, page: tuple) -> bool:
    """Whether this worker may serve its copy `page` of a page of figures as the copy before,
    without asking (see BEHIND_RECHECK_SECONDS)."""
    noted = _behind_until.get(key)
    if noted is None:
        return False
    until, generations = noted
    if until > time.monotonic() and generations == page[0]:
        return True
    _behind_until.pop(key, None)  # another thread of the worker may have dropped it already
    return False


@functools.cache
def _near():
    """The worker's near cache in front of Redis (nearcache.py), None without Redis."""
    return nearcache.for_cache(("pagecache:generation:", NEXT_CHANGE_KEY))


# Parameters that links shared on social media, in campaign e-mails and from search engines
# carry for the sender's own statistics, none of them the page's: Facebook gives every click
# its own fbclid, so a challenge shared in a burst was built afresh for each visitor, every
# copy kept apart. The portal reads none of them (no analytics, and no query string is
# logged), so they are taken off before the page is looked up or made.
TRACKING_PARAMETER = re.compile(
    r"utm_[a-z_]+|fbclid|gclid|gbraid|wbraid|dclid|msclkid|yclid|twclid|igshid|mc_cid|mc_eid"
    r"|_ga|_gl|srsltid|li_fat_id",
    re.IGNORECASE,
)


def _without_tracking(request) -> None:
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return
    pairs = query.split("&")
    kept = [
        pair
        for pair in pairs
        if not TRACKING_PARAMETER.fullmatch(unquote_plus(pair.partition("=")[0]))
    ]
    if len(kept) < len(pairs):
        request.META["QUERY_STRING"] = "&".join(kept)
        request.__dict__.pop("GET", None)  # read again from the query left


def serve(request, kinds, get_response, holes=None, parameters=()):
    """The page for this anonymous GET or HEAD request: the cached copy if it is fresh,
    otherwise `get_response`'s answer, kept for the next visitor when it may be shared.

    `holes` are for a page with a form: hidden inputs whose value belongs to one visitor
    (a CSRF token, a signed time), by name, each with a function of the request that gives
    the value for this visitor. The copy keeps a placeholder in their place.

    `parameters` are the query parameters the page reads; with any other, the page is made
    for this visitor alone (see `route_parameters`).
    """
    _without_tracking(request)
    if not request.GET.keys() <= set(parameters) or not cache_usable():
        return get_response(request)
    try:
        key, generations, cached, earlier, read_since, remaking = _lookup(request, kinds)
        # A page of figures, which may lag a count (see `remembered`), is made afresh at most
        # once every BEHIND_SECONDS, by the worker that takes the key; until the key expires,
        # the others serve the copy before (a change meanwhile shows on the next page made,
        # within the second). Made by every worker at once after each idea of a burst, it gave
        # 0.13-0.29 of the hello-world view, six pages made per idea; made once per idea,
        # 0.39-0.49, the making most of the workers' time.
        stale_figures = cached is None and earlier is not None and COUNTED in kinds
        if stale_figures and (
            remaking or not cache.add(remade_key(key), 1, timeout=BEHIND_SECONDS)
        ):
            response = _from_copy(request, earlier, holes or {})
            response.headers["X-Page-Cache"] = "behind"
            return response
    except Exception:
        cache_failed("reading a page")
        return get_response(request)
    if cached is not None:
        return _from_copy(request, cached, holes or {})
    request._page_cache_generations = generations  # for `validator`
    return _made(request, kinds, key, generations, read_since, get_response, holes)


def validator(request, extra: Callable[[], object] | None = None) -> str | None:
    """An ETag for the response to this request made afresh, known before it is made: the
    generations of what its page shows, as `serve` read them on its way in (before the rows),
    at its address and in its language, and `extra()`, whatever else of the day the content
    depends on. For a file that is streamed, whose body is not there to hash when its headers
    are sent, and whose 304 needs no file made at all (opendata.export). Unlike the copy's
    key, it holds no date: a file harvested once a day or a week is answered 304 when nothing
    in it changed. None for a request that did not come through `serve` (staff, a parameter
    the page does not read, the cache server away), whose content the generations do not
    vouch for: a scheduled item's time is only checked on the way in."""
    generations = getattr(request, "_page_cache_generations", None)
    if generations is None:
        return None
    parts = [*_page_address(request), repr(generations)]
    if extra is not None:
        parts.append(repr(extra()))
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    # Weak: the same content, not promised the same bytes.
    return f'W/"{digest}"'


def remade_key(key: str) -> str:
    """Held for BEHIND_SECONDS by the worker that makes a page of figures afresh (`serve`)."""
    return f"{key}:remade"


def _made_key(key: str) -> str:
    """The generations the copy of a page of figures in the cache server was made from, kept
    beside it so that a worker holding a copy can tell whether it is the last one made
    without reading the page (`_behind_near`)."""
    return f"{key}:made"


def _made(request, kinds, key, generations, read_since, get_response, holes) -> HttpResponse:
    """`get_response`'s answer, kept under `key` for the next visitor when it may be shared."""
    behind = _behind.set(False)
    try:
        response = get_response(request)
    finally:
        made_behind = _behind.get()
        _behind.reset(behind)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    if response.status_code in (200, 304) and not holes:
        patch_cache_control(response, no_cache=True, public=True)
    response.headers["X-Page-Cache"] = "miss"
    if response.streaming:
        # HEAD is answered without the body (opendata.export): never the file for a GET. A
        # file that says it is larger than is kept (one kept in storage, exportfiles.py) is
        # not copied into memory on its way out only to be dropped.
        length = response.headers.get("Content-Length")
        too_large = length is not None and int(length) > STREAMED_KEPT_BYTES
        if request.method == "GET" and not holes and not made_behind and not too_large:
            response.streaming_content = _kept_when_whole(
                response.streaming_content,
                functools.partial(
                    _keep, request, response, kinds, key, generations, read_since, holes
                ),
            )
        return response
    content = _with_placeholders(response, holes) if holes else response.content
    if content is not None:
        _keep(request, response, kinds, key, generations, read_since, holes, content, made_behind)
    return response


def _kept_when_whole(chunks, keep):
    """A streamed response's chunks as they are sent, kept (`keep(content)`) once the last is
    sent, if the whole is at most STREAMED_KEPT_BYTES: a visitor who goes away before the end
    closes this before it keeps anything."""
    sent, size = [], 0
    for chunk in chunks:
        if sent is not None:
            size += len(chunk)
            if size <= STREAMED_KEPT_BYTES:
                sent.append(chunk)
            else:
                sent = None
        yield chunk
    if sent is not None:
        keep(b"".join(sent))


def _keep(
    request, response, kinds, key, generations, read_since, holes, content, made_behind=False
):
    """Keep the page `content` under `key`, for the next visitor, when it may be shared."""
    if _cacheable(request, response, content):
        nonce = getattr(request, "_csp_nonce", None)
        nonce = str(nonce) if nonce else None
        if nonce and not holes:
            # Each copy served carries a nonce of its own, so the bodies differ in that alone:
            # one weak validator for all of them lets browsers revalidate.
            etag = f'W/"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
            response.headers["ETag"] = etag
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in UNSHARED_HEADERS
        ]
        names = tuple(holes or ())
        stored = (generations, response.status_code, content, headers, nonce, names, made_behind)
        kept = {key: stored}
        if COUNTED in kinds:
            kept[_made_key(key)] = generations
        try:
            cache.set_many(kept, BEHIND_SECONDS if made_behind else TIMEOUT)
            if made_behind and COUNTED in kinds:
                # Made from figures counted before the latest change, while another worker
                # counts them afresh: the page is made again as soon as they are counted.
                cache.delete(remade_key(key))
        except Exception:
            cache_failed("keeping a page")
        else:
            if not made_behind and (near := _near()) is not None:
                near.keep_page(key, stored, read_since)


# Headers of a response that belong to it alone, never to a shared copy.
UNSHARED_HEADERS = {"set-cookie", "x-page-cache", "content-length"}


def _placeholder(name: str) -> bytes:
    # NUL never occurs in a page (forms strip it), so this cannot be anything else.
    return f"\x00hole:{name}\x00".encode()


def _with_placeholders(response, holes) -> bytes | None:
    """The page with each hole's value replaced by its placeholder, or None when a hole is
    not there exactly once (the page is then not kept)."""
    content = response.content
    for name in holes:
        pattern = re.compile(rb'(name="' + re.escape(name.encode()) + rb'" value=")([^"]*)(")')
        content, found = pattern.subn(rb"\1" + _placeholder(name) + rb"\3", content)
        if found != 1:
            return None
    return content


def _from_copy(request, cached, holes) -> HttpResponse:
    _generations, status, content, headers, nonce, names, _behind_then = cached
    for name in names:
        if name not in holes:
            raise ValueError(f"no value for the hole {name!r}")
        content = content.replace(_placeholder(name), escape(holes[name](request)).encode())
    fresh = None
    if nonce:
        # Every response gets a nonce of its own, cached page or not.
        request._csp_nonce = LazyNonce()
        fresh = str(request._csp_nonce)
        content = content.replace(nonce.encode(), fresh.encode())
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response.headers[name] = value.replace(nonce, fresh) if fresh else value
    response.headers["Content-Length"] = str(len(content))
    response.headers["X-Page-Cache"] = "hit"
    if names:
        return response
    # As ConditionalGetMiddleware answers the page made afresh: feed readers often send only
    # If-Modified-Since.
    last_modified = response.headers.get("Last-Modified")
    if last_modified is not None:  # most pages have none, and parsing nothing is not free
        last_modified = parse_http_date_safe(last_modified)
    answer = get_conditional_response(
        request, etag=response.headers.get("ETag"), last_modified=last_modified, response=response
    )
    if answer.status_code == 304:
        # A script on another site that revalidates (an open-data file) is shown the 304 only
        # if it allows it, as the 200 did; Django copies only the caching headers.
        for name in CORS_HEADERS:
            if name in response.headers:
                answer.headers[name] = response.headers[name]
    return answer


CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers")


def cache_public_page(*kinds: str, parameters=()):
    """Serve a view's page to anonymous visitors from the cache; `kinds` are what it shows,
    `parameters` the query parameters it reads (see `serve`). For views outside ROUTES (and
    tests); the routes in ROUTES are served by the middleware."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                not settings.PAGE_CACHE_ENABLED
                or request.method not in ("GET", "HEAD")
                or request.user.is_authenticated
            ):
                return view(request, *args, **kwargs)
            return serve(
                request,
                kinds,
                lambda request: view(request, *args, **kwargs),
                parameters=parameters,
            )

        return wrapped

    return decorator


class PageCacheMiddleware:
    """Serves the routes in ROUTES to anonymous visitors from the cache.

    Early in MIDDLEWARE (after SecurityMiddleware's redirect to HTTPS and WhiteNoise): a copy
    holds the response as every later middleware left it, headers and all, so a hit skips
    them. Visitors signed in (only staff have sessions) always go the whole way.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _unsent_bumps:
            # Sent with any request, once the pause is over: the worker of an editor whose
            # save Redis missed may serve nothing but the editor's admin pages for a while,
            # and the other nodes would serve the pages from before the change meanwhile.
            cache_usable()
        if (
            not settings.PAGE_CACHE_ENABLED
            or request.method not in ("GET", "HEAD")
            or not _allowed_host(request)
            or _signed_in(request)
        ):
            return self.get_response(request)
        route = _route(request.path_info)
        if route is None:
            return self.get_response(request)
        language, kinds, parameters = route
        # The language decides the page (and the address it resolves to); LocaleMiddleware
        # activates the same one again on a miss.
        activate(language)
        return serve(request, kinds, self.get_response, parameters=parameters)


def _signed_in(request) -> bool:
    """Whether the session cookie sent names a session someone signed in to. Any session
    cookie sent the visitor the whole way: a robot sending "sessionid=x" had every page built
    afresh, some twenty times a copy's work. The session is read once more by the session
    middleware for those who are; a cookie nobody is signed in with costs one read by key.
    When the sessions cannot be read, the visitor goes the whole way, as before."""
    key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not key:
        return False
    try:
        return SESSION_KEY in import_module(settings.SESSION_ENGINE).SessionStore(key)
    except Exception:
        return True


def _allowed_host(request) -> bool:
    """Whether the Host header is one of ALLOWED_HOSTS (the rest of the stack answers 400)."""
    try:
        _host(request)
    except DisallowedHost:
        return False
    return True


def _host(request) -> str:
    """`request.get_host()`, checked against ALLOWED_HOSTS once per request: a hit asks for
    it twice (`_allowed_host`, `_page_address`), and the second check was 4 % of its work."""
    host = request.__dict__.get("_page_cache_host")
    if host is None:
        host = request._page_cache_host = request.get_host()
    return host


@functools.lru_cache(maxsize=2048)
def _route(path: str) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """The language of the page at this address, what it shows (see ROUTES) and the query
    parameters it reads (`route_parameters`), None when it is not cached. The language is
    the address's too: found on every request, it was 2-4 % of a hit's work."""
    language = get_language_from_path(path) or settings.LANGUAGE_CODE
    with override(language):
        try:
            match = resolve(path)
        except Resolver404:
            return None
    kinds = ROUTES.get(match.view_name)
    if kinds is None:
        return None
    kinds = kinds(**match.kwargs) if callable(kinds) else kinds
    return language, kinds, route_parameters().get(match.view_name, ())


def _cacheable(request, response, content: bytes) -> bool:
    """Whether the page may be shared: `content` is the page as it would be kept. A CSRF
    token belongs to one visitor, so one may only be there as a placeholder (see `serve`)."""
    if response.status_code != 200 or response.cookies:
        return False
    hole = b'name="csrfmiddlewaretoken" value="' + _placeholder("csrfmiddlewaretoken")
    if hole in content:
        return b"csrfmiddlewaretoken" not in content.replace(hole, b"")
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    return b"csrfmiddlewaretoken" not in content


def _on_change(sender, instance, signal, update_fields=None, **kwargs):
    label = sender._meta.label_lower
    kind = MODEL_KINDS.get(label)
    if update_fields and update_fields <= getattr(sender, "PAGE_CACHE_UNSHOWN_FIELDS", set()):
        return  # only what no page shows was saved (see Contribution.PAGE_CACHE_UNSHOWN_FIELDS)
    if kind:
        # A model may name more precisely what a change to one of its rows changes (see
        # Contribution.page_cache_kinds).
        more = getattr(instance, "page_cache_kinds", None)
        deleted = MODEL_DELETED_KINDS.get(label, ()) if signal is post_delete else ()
        bump(kind, *(more() if more else ()), *deleted)


def _on_m2m_change(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        kind = MODEL_KINDS.get(type(instance)._meta.label_lower)
        if kind:
            bump(kind)


def connect_signals() -> None:
    post_save.connect(_on_change, dispatch_uid="pagecache-save")
    post_delete.connect(_on_change, dispatch_uid="pagecache-delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="pagecache-m2m")
