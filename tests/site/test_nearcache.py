"""The worker's near cache in front of Redis: no round trip for a cached page, and still never
stale. Runs where the cache is Redis (REDIS_URL set, as in CI's PostgreSQL pass)."""

import select

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from helsingborg_innovation import pagecache


@pytest.fixture
def near(settings, monkeypatch):
    from helsingborg_innovation import nearcache

    settings.PAGE_CACHE_ENABLED = True
    # A loaded test machine must not let the trust run out between two requests.
    monkeypatch.setattr(nearcache, "TRUST_SECONDS", 60.0)
    near = pagecache._near()
    if near is None:
        pytest.skip("the near cache works with Redis only (set REDIS_URL)")
    near.reset()
    yield near
    near.reset()


@pytest.fixture
def other_node():
    """A Redis client of its own, as another node's worker would have."""
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    yield client
    client.close()


def _settle(near) -> None:
    """Lets Redis's messages about the test's own writes (the content it made, the schedule
    the first request stored) arrive, and the next request read them."""
    while near._connection is not None and near._connection.can_read(timeout=0.2):
        near.values([])


@pytest.fixture
def no_round_trips(monkeypatch):
    """Makes every read from Redis through the cache fail, and counts the attempts."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise ConnectionError("no round trip expected")

    def start():
        monkeypatch.setattr(pagecache.cache, "get_many", refuse)
        return attempts

    return start


@pytest.fixture
def refused_reads(monkeypatch):
    """(attempts, refusing): while `refusing` holds anything, every read from Redis through
    the cache (one key or several) fails and is counted in `attempts`."""
    real = {name: getattr(pagecache.cache, name) for name in ("get", "get_many")}
    attempts, refusing = [], []

    def refusable(name):
        def read(*args, **kwargs):
            if refusing:
                attempts.append((name, args))
                raise ConnectionError("no round trip expected")
            return real[name](*args, **kwargs)

        return read

    for name in real:
        monkeypatch.setattr(pagecache.cache, name, refusable(name))
    return attempts, refusing


def test_a_cached_page_is_served_without_asking_redis(near, make_challenge, refused_reads):
    challenge = make_challenge(title="Nära utmaning")
    url = challenge.get_absolute_url()
    client = Client()
    assert client.get(url)["X-Page-Cache"] == "miss"
    attempts, refusing = refused_reads
    # Redis reports changes made by anyone, and flushes of any database (another test run in
    # parallel makes them too): each makes the worker forget and ask again, so try a few times.
    for _try in range(5):
        refusing.clear()
        pagecache.reset_cache_state()  # a refused read of the last try paused the cache
        _settle(near)
        assert client.get(url)["X-Page-Cache"] == "hit"  # from Redis or already the worker
        attempts.clear()
        refusing.append(True)
        response = client.get(url)
        if not attempts:
            break
    assert attempts == []
    assert response["X-Page-Cache"] == "hit"
    assert "Nära utmaning" in response.text


def test_a_change_made_on_another_node_is_seen_by_the_next_request(
    near, make_challenge, other_node, no_round_trips
):
    challenge = make_challenge(title="Före ändringen")
    url = challenge.get_absolute_url()
    client = Client()
    client.get(url)
    _settle(near)
    assert client.get(url)["X-Page-Cache"] == "hit"

    # Another node bumps the generation (as saving a challenge there would). Redis's message
    # comes on another socket than its answer to the other node: wait until it is here.
    other_node.incr(cache.make_key(pagecache._generation_key(pagecache.CHALLENGES)))
    assert near._connection.can_read(timeout=1)
    attempts = no_round_trips()
    response = client.get(url)
    assert attempts, "the worker trusted generations Redis had told it were changed"
    # Redis could not be asked (see no_round_trips): the page is made afresh, never the old copy.
    assert "X-Page-Cache" not in response or response["X-Page-Cache"] != "hit"


def test_a_flush_forgets_every_kept_page(near, make_challenge, no_round_trips):
    url = make_challenge().get_absolute_url()
    client = Client()
    client.get(url)
    _settle(near)
    assert client.get(url)["X-Page-Cache"] == "hit"  # kept in the worker from here on
    cache.clear()
    assert near._connection.can_read(timeout=1)  # Redis's word of the flush has come
    attempts = no_round_trips()
    client.get(url)
    assert attempts


def test_a_lost_connection_to_redis_means_asking_redis_again(
    near, make_challenge, other_node, no_round_trips
):
    url = make_challenge().get_absolute_url()
    client = Client()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # Redis drops the worker's tracking connection (a restart looks the same to it).
    database = str(other_node.connection_pool.connection_kwargs.get("db", 0))
    tracking = [c for c in other_node.client_list() if "t" in c["flags"] and c["db"] == database]
    assert tracking
    for connection in tracking:
        other_node.client_kill_filter(_id=connection["id"])
    select.select([near._connection._sock], [], [], 1)  # the close has reached the worker
    attempts = no_round_trips()
    client.get(url)
    assert attempts


def test_generations_are_trusted_only_for_a_moment(near, make_challenge, monkeypatch):
    """Should Redis's message of a change ever be lost, the worker still sees the change
    within TRUST_SECONDS, when it reads the generations it knows again."""
    from helsingborg_innovation import nearcache

    url = make_challenge().get_absolute_url()
    client = Client()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    generation = pagecache._generation_key(pagecache.CHALLENGES)
    watched = [generation, pagecache.NEXT_CHANGE_KEY]
    current = near.values(watched)
    assert current is not None
    near._values[generation] = -1  # as if the message of a change had been lost
    assert near.values(watched)[generation] == -1
    later = nearcache.time.monotonic() + nearcache.TRUST_SECONDS + 1
    monkeypatch.setattr(nearcache.time, "monotonic", lambda: later)
    assert near.values(watched) == current


def test_generations_are_read_again_all_in_one_round_trip(near, make_challenge, monkeypatch):
    """Each challenge's page watches its own ideas' generation: a worker serving many of them
    reads them again together when their trust runs out, not one page at a time."""
    from helsingborg_innovation import nearcache

    challenges = [make_challenge() for _ in range(5)]
    watched = [
        pagecache._generation_key(pagecache.ideas_received(challenge.slug))
        for challenge in challenges
    ]
    client = Client()
    reads, counting, ahead = [], [], [0.0]
    real_get_many, real_monotonic = pagecache.cache.get_many, nearcache.time.monotonic

    def counted(keys, *args, **kwargs):
        if counting:
            reads.append(list(keys))
        return real_get_many(keys, *args, **kwargs)

    monkeypatch.setattr(pagecache.cache, "get_many", counted)
    monkeypatch.setattr(nearcache.time, "monotonic", lambda: real_monotonic() + ahead[0])
    # Another test run flushing the Redis server it shares makes the worker forget what it
    # knows (see test_a_cached_page_is_served_without_asking_redis): try a few times.
    for _try in range(5):
        counting.clear()
        for _round in range(2):  # the first of all is read before the worker listens
            for challenge in challenges:
                client.get(challenge.get_absolute_url())
            _settle(near)
        before = near.values(watched)
        if before is None:
            continue
        reads.clear()
        counting.append(True)
        ahead[0] += nearcache.TRUST_SECONDS + 1  # the trust runs out
        after = [near.values([key]) for key in watched]
        if len(reads) == 1 and after == [{key: before[key]} for key in watched]:
            break
    assert before is not None
    assert after == [{key: before[key]} for key in watched]
    assert len(reads) == 1
    assert set(watched) <= set(reads[0])


def test_kept_pages_stay_within_their_budget(near):
    from helsingborg_innovation.nearcache import NearCache

    small = NearCache(("x:",), max_bytes=1000)
    assert small.values([]) == {}  # listening
    for n in range(10):
        small.keep_page(f"page-{n}", ((), 200, b"x" * 200, [], None), small.now())
    assert small._page_bytes <= 1000
    assert small.page("page-9") is not None
    assert small.page("page-0") is None


def test_a_redis_that_refuses_to_report_changes_turns_the_near_cache_off(near, caplog):
    from helsingborg_innovation.nearcache import NearCache

    # Redis refuses overlapping prefixes, as an older or locked-down Redis refuses tracking.
    refused = NearCache(("pagecache:", "pagecache:generation:"), max_bytes=1000)
    with caplog.at_level("WARNING", logger="helsingborg_innovation.nearcache"):
        assert refused.values(["pagecache:generation:x"]) is None
        assert refused.values(["pagecache:generation:x"]) is None
    assert refused._disabled
    assert len([r for r in caplog.records if "refuses" in r.getMessage()]) == 1


def test_a_page_read_before_a_flush_is_not_kept_after_it(near):
    """A page on its way from Redis while Redis is flushed (or restarts) was made from
    generations that may come round again: it must not be kept."""
    assert near.values([]) == {}
    read_since = near.now()
    cache.clear()  # Redis reports the flush on the tracking connection...
    assert near._connection.can_read(timeout=1)  # ...which has come (it is another socket)
    near.keep_page("page-before-the-flush", ((1,), 200, b"old", [], None, ()), read_since)
    assert near.page("page-before-the-flush") is None
    near.keep_page("page-after-the-flush", ((1,), 200, b"new", [], None, ()), near.now())
    assert near.page("page-after-the-flush") is not None


def test_an_idea_arriving_leaves_the_workers_other_pages_kept(near, make_challenge, refused_reads):
    """A burst of ideas changes one challenge's ideas and the statistics: the worker forgets
    just those generations, and serves the pages that show neither without asking Redis."""
    from contributions.models import Contribution

    challenge = make_challenge(title="Utmaning i tidningen")
    home, statistics = "/", "/statistik/"
    client = Client()
    attempts, refusing = refused_reads
    # Other test runs sharing the Redis server change the same generations now and then (see
    # test_a_cached_page_is_served_without_asking_redis): try a few times.
    for n in range(5):
        refusing.clear()
        pagecache.reset_cache_state()  # a refused read of the last try paused the cache
        for url in (home, statistics, home, statistics):
            client.get(url)
        _settle(near)
        Contribution.objects.create(
            challenge=challenge,
            title=f"Idé {n}",
            text="Text",
            name="Namn",
            email="namn@example.org",
            consent=True,
        )
        assert near._connection.can_read(timeout=1)  # Redis's word of the change has come
        attempts.clear()
        refusing.append(True)
        response = client.get(home)
        if not attempts:
            break
    assert attempts == []
    assert response["X-Page-Cache"] == "hit"
    # The statistics count every idea: that page is asked of Redis (and, refused, made afresh).
    client.get(statistics)
    assert attempts


def _counted(calls, value):
    def compute():
        calls.append(value)
        return value

    return compute


def test_a_remembered_value_is_given_without_asking_redis(near, refused_reads):
    """Figures, rankings and filter options kept in Redis cost two round trips and an
    unpickling for every page built without the page cache: the worker keeps its own copy."""
    kinds = (pagecache.INITIATIVES,)
    calls = []
    attempts, refusing = refused_reads
    # Other test runs sharing the Redis server change generations now and then: try again.
    for _try in range(5):
        refusing.clear()
        calls.clear()
        pagecache.reset_cache_state()  # a refused read of the last try paused the cache
        _settle(near)
        assert pagecache.remembered("figures", _counted(calls, [1, 2]), kinds=kinds) == [1, 2]
        attempts.clear()
        refusing.append(True)
        value = pagecache.remembered("figures", _counted(calls, "counted again"), kinds=kinds)
        if not attempts:
            break
    assert attempts == []
    assert value == [1, 2]
    assert "counted again" not in calls


def test_a_change_on_another_node_gives_a_remembered_value_anew(near, other_node):
    kinds = (pagecache.INITIATIVES,)
    assert pagecache.remembered("figures", lambda: "old", kinds=kinds) == "old"
    _settle(near)
    assert pagecache.remembered("figures", lambda: "counted again", kinds=kinds) == "old"
    other_node.incr(cache.make_key(pagecache._generation_key(pagecache.INITIATIVES)))
    assert near._connection.can_read(timeout=1)  # Redis's word of the change has come
    assert pagecache.remembered("figures", lambda: "new", kinds=kinds) == "new"


def test_a_change_made_by_this_worker_is_seen_by_its_next_read_at_once(near):
    """Redis's word of the worker's own change comes on another socket, maybe after the same
    request reads the figures again: the worker forgets that generation itself."""
    kinds = (pagecache.INITIATIVES,)
    assert pagecache.remembered("figures", lambda: "old", kinds=kinds) == "old"
    _settle(near)
    pagecache.bump(pagecache.INITIATIVES)
    assert pagecache.remembered("figures", lambda: "new", kinds=kinds) == "new"


def test_a_flush_forgets_every_remembered_value(near):
    kinds = (pagecache.INITIATIVES,)
    assert pagecache.remembered("figures", lambda: "before", kinds=kinds) == "before"
    _settle(near)
    cache.clear()  # generations start again from nothing: the same key, other content
    assert near._connection.can_read(timeout=1)
    assert pagecache.remembered("figures", lambda: "after", kinds=kinds) == "after"


def test_remembered_values_stay_within_their_budget_and_time(near, monkeypatch):
    from helsingborg_innovation import nearcache
    from helsingborg_innovation.nearcache import NearCache

    small = NearCache(("x:",), max_bytes=16000)  # a quarter of it for values: 4,000 bytes
    assert small.values([]) == {}  # listening
    for n in range(10):
        small.keep_value(f"value-{n}", "x" * 900, small.now())
    assert small._kept_bytes <= 4000
    assert small.value("value-9") == "x" * 900
    assert small.value("value-0") is None
    small.keep_value("too-big", "x" * 2000, small.now())  # over a quarter of the budget
    assert small.value("too-big") is None
    later = nearcache.time.monotonic() + nearcache.VALUE_SECONDS + 1
    monkeypatch.setattr(nearcache.time, "monotonic", lambda: later)
    assert small.value("value-9") is None


def test_while_another_worker_makes_the_dashboard_a_worker_serves_its_own_copy(
    near, make_challenge, no_round_trips, monkeypatch
):
    """During a burst of ideas the dashboard is made afresh at most once a second, and its
    visitors meanwhile get the copy made before (`X-Page-Cache: behind`). Read from Redis (68
    KB) for each of them, that copy kept the dashboard at 0.39-0.49 of the hello-world view:
    a worker holding the last copy made serves its own, and asks again only after a moment."""
    from contributions.models import Contribution
    from tests.statistics.test_dashboard import figure

    monkeypatch.setattr(pagecache, "BEHIND_RECHECK_SECONDS", 60.0)
    challenge = make_challenge(title="Utmaning i tidningen")
    client = Client()

    def received(response) -> int:
        return int(figure(response.text, "figure-received"))

    def idea(n):
        Contribution.objects.create(
            challenge=challenge, title=f"Idé {n}", text="Text", name="Namn",
            email="namn@example.org", consent=True,
        )  # fmt: skip

    first = client.get("/statistik/")
    assert client.get("/statistik/")["X-Page-Cache"] == "hit"
    before = received(first)
    key = pagecache._page_key(first.wsgi_request)
    idea(1)
    assert cache.add(pagecache.remade_key(key), 1)  # another worker makes the page afresh
    cache.delete(key)  # what is served below comes from this worker's own copy

    meanwhile = client.get("/statistik/")
    assert meanwhile["X-Page-Cache"] == "behind"
    assert received(meanwhile) == before
    attempts = no_round_trips()
    again = client.get("/statistik/")
    assert again["X-Page-Cache"] == "behind"
    assert received(again) == before
    assert attempts == []

    monkeypatch.undo()  # Redis is asked again...
    pagecache.reset_cache_state()
    cache.delete(pagecache.remade_key(key))  # ...and the other worker's second is over
    after = client.get("/statistik/")
    assert after["X-Page-Cache"] == "miss"
    assert received(after) == before + 1


def test_a_redis_that_does_not_answer_holds_a_request_no_longer_than_its_timeout(settings):
    """REDIS_TIMEOUT_MS is how long a request waits for Redis; the near cache's connection
    waited a second whatever it said (and the page's own read of the cache the timeout more),
    once every five seconds in every worker while Redis hung."""
    import socket
    import time

    from helsingborg_innovation import nearcache

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # takes the connection, never answers
        settings.REDIS_TIMEOUT = 0.2
        settings.CACHES = {
            "default": {
                "BACKEND": "helsingborg_innovation.rediscache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
            }
        }
        near = nearcache.NearCache(("pagecache:generation:",), 1024 * 1024)
        started = time.monotonic()
        assert near.values(["pagecache:generation:challenges"]) is None
        assert time.monotonic() - started < 0.8
