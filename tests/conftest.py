"""Shared fixtures: plain factory functions that build published content by default."""

import itertools
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from challenges.models import Challenge
from helsingborg_innovation import pagecache, roles
from helsingborg_innovation.models import ContactPerson, Department, GlobalGoal, Partner
from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative, Phase, StopReason
from methods.models import Method

_counter = itertools.count(1)


def pytest_configure(config):
    """Each parallel worker gets a Redis database and key names of its own (named after its
    process, so that two test runs on one machine keep apart too). Redis reports a change to a
    key name, and any flush, to every worker's near cache whatever the database
    (helsingborg_innovation/nearcache.py): with shared names, or a flush before and after
    each test, one worker's tests kept making the other's forget what it was being tested
    on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return
    from django.conf import settings

    settings.CACHES["default"]["KEY_PREFIX"] = f"test-{worker or 'main'}-{os.getpid()}"
    if not worker.startswith("gw"):
        return
    base, _, number = url.rpartition("/")
    n = int(worker[2:])
    # gw0 keeps the database it was given; the others count down from it, skipping the
    # next one (the benchmarks' default).
    database = int(number or 0) - (n + 1 if n else 0)
    os.environ["REDIS_URL"] = f"{base}/{database % 16}"
    settings.CACHES["default"]["LOCATION"] = os.environ["REDIS_URL"]


def indexed_columns(table: str) -> list[list[str]]:
    """The columns of each index of a table (its primary key left out), as the database has
    them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] and not c["primary_key"]]


def plan_with_more_rows(queryset) -> str:
    """PostgreSQL's plan for `queryset` as it could be with many rows: without the sequential
    scans, sorts and bitmap scans that a test's handful of rows makes cheapest (run inside a
    test's transaction, which the settings end with)."""
    with connection.cursor() as cursor:
        for method in ("seqscan", "sort", "incremental_sort", "bitmapscan"):
            cursor.execute(f"SET LOCAL enable_{method} = off")
    return queryset.explain()


@pytest.fixture
def broken_limits_cache(monkeypatch) -> list:
    """The limits' cache server gone: each attempt to count fails, and is listed here."""
    from django.core.cache import caches

    attempts = []

    def broken(*args, **kwargs):
        attempts.append(1)
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(caches["limits"], "add", broken)
    return attempts


def _n() -> int:
    return next(_counter)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request to an /en/ page leaves English
    active in the thread, and the next test's reverse() would then give English addresses."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def cache_blinks_once(monkeypatch):
    """Call it to have the cache server fail the next invalidation sent (an incr) once, as
    Redis does when it blinks; the cache is asked again 0.01 s later. Gives the failed calls."""
    from helsingborg_innovation import pagecache

    def blink_once() -> list:
        incr, failures = pagecache.cache.incr, []

        def blinks_once(*args, **kwargs):
            if not failures:
                failures.append(args)
                raise ConnectionError("Timeout reading from Redis")
            return incr(*args, **kwargs)

        monkeypatch.setattr(pagecache.cache, "incr", blinks_once)
        monkeypatch.setattr(pagecache, "CACHE_RETRY_SECONDS", 0.01)
        return failures

    return blink_once


def _empty_caches() -> None:
    """Empties this worker's caches. On Redis it deletes this worker's keys rather than flush
    the database: Redis reports a flush to the other worker's near cache too."""
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    for alias in settings.CACHES:
        backend = caches[alias]
        if not (isinstance(backend, RedisCache) and backend.key_prefix):
            backend.clear()
            continue
        client = backend._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{backend.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    # What a worker counted on its own while the limits' cache server was away.
    from helsingborg_innovation import ratelimit

    ratelimit._alone.clear()


@pytest.fixture(autouse=True)
def _clear_cache(monkeypatch):
    _empty_caches()
    pagecache.reset_cache_state()
    # A mail server that failed an earlier test is not this test's.
    monkeypatch.setattr("contributions.mail._paused_until", 0.0)
    yield
    _empty_caches()
    pagecache.reset_cache_state()


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Large open-data files kept (exportfiles.py) are each test's own.
    exports = {**settings.STORAGES["exports"], "OPTIONS": {"location": tmp_path / "exports"}}
    settings.STORAGES = {**settings.STORAGES, "exports": exports}
    # Open-data exports counted on the node while the cache is away are counted in the
    # test's own directory: tests running side by side on one machine are not one node.
    monkeypatch.setattr("helsingborg_innovation.opendata.NODE_SLOTS_DIRECTORY", tmp_path)
    # Page caching has its own tests (tests/site/test_pagecache.py); elsewhere every request
    # should exercise the view itself.
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture
def postgres_only():
    """Skips a test of what only PostgreSQL has (full-text search, covering indexes, locks)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def make_department(db):
    def make(**overrides):
        n = _n()
        fields = {"name": f"Förvaltning {n}", "slug": f"forvaltning-{n}"}
        fields.update(overrides)
        return Department.objects.create(**fields)

    return make


@pytest.fixture
def make_contact(db, make_department):
    def make(**overrides):
        n = _n()
        fields = {"name": f"Kontakt {n}", "role": "Innovationsledare"}
        fields["email"] = f"kontakt{n}@example.org"
        fields.update(overrides)
        return ContactPerson.objects.create(**fields)

    return make


@pytest.fixture
def make_partner(db):
    def make(**overrides):
        n = _n()
        fields = {"name": f"Partner {n}", "kind": Partner.Kind.BUSINESS}
        fields.update(overrides)
        return Partner.objects.create(**fields)

    return make


def _publishing(overrides: dict) -> dict:
    fields = {"status": Status.PUBLISHED, "publish_at": timezone.now() - timedelta(days=1)}
    fields.update(overrides)
    return fields


def _with_relations(obj, relations: dict):
    for name, values in relations.items():
        if values is None:
            continue
        if name == "tags":
            obj.tags.set(values)
        else:
            getattr(obj, name).set(values)
    return obj


@pytest.fixture
def make_challenge(db, make_department):
    def make(*, goals=None, tags=None, suggested_methods=None, **overrides):
        n = _n()
        fields = {
            "title": f"Utmaning {n}",
            "slug": f"utmaning-{n}",
            "summary": f"Sammanfattning av utmaning {n}.",
            "body": "Hur kan vi **tillsammans** göra staden bättre?",
        }
        fields.update(_publishing(overrides))
        if "owner_department" not in fields:
            fields["owner_department"] = make_department()
        challenge = Challenge.objects.create(**fields)
        return _with_relations(
            challenge, {"goals": goals, "tags": tags, "suggested_methods": suggested_methods}
        )

    return make


@pytest.fixture
def make_method(db):
    def make(*, tags=None, **overrides):
        n = _n()
        fields = {
            "title": f"Metod {n}",
            "slug": f"metod-{n}",
            "summary": f"Sammanfattning av metod {n}.",
            "kind": Method.Kind.METHOD,
            "stage": Method.Stage.IDEATE,
        }
        fields.update(_publishing(overrides))
        method = Method.objects.create(**fields)
        return _with_relations(method, {"tags": tags})

    return make


@pytest.fixture
def make_initiative(db, make_department):
    def make(
        *,
        departments=None,
        partners=None,
        challenges=None,
        methods=None,
        goals=None,
        tags=None,
        **overrides,
    ):
        n = _n()
        fields = {
            "title": f"Initiativ {n}",
            "slug": f"initiativ-{n}",
            "summary": f"Sammanfattning av initiativ {n}.",
            "phase": Phase.PILOT,
        }
        if overrides.get("phase") == Phase.STOPPED:
            fields.update(
                stop_reason=StopReason.NO_EFFECT,
                stop_explanation="Effekten uteblev.",
                lessons_learned="Testa i liten skala först.",
                end_date=timezone.localdate() - timedelta(days=30),
            )
        fields.update(_publishing(overrides))
        if "owner_department" not in fields:
            fields["owner_department"] = make_department()
        initiative = Initiative.objects.create(**fields)
        return _with_relations(
            initiative,
            {
                "departments": departments,
                "partners": partners,
                "challenges": challenges,
                "methods": methods,
                "goals": goals,
                "tags": tags,
            },
        )

    return make


@pytest.fixture
def goal(db):
    return GlobalGoal.objects.get(number=11)


@pytest.fixture
def make_staff(db, django_user_model):
    def make(*, groups=(), superuser=False, username=None):
        user = django_user_model.objects.create_user(
            username=username or f"staff{_n()}",
            password="correct horse battery staple",
            is_staff=True,
            is_superuser=superuser,
        )
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def editor(make_staff):
    return make_staff(groups=[roles.EDITORS])


@pytest.fixture
def moderator(make_staff):
    return make_staff(groups=[roles.MODERATORS])


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
