"""Anonymous pages come from the cache and are never stale."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from helsingborg_innovation import pagecache


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


def _view_counting(calls, body="page"):
    def view(request):
        calls.append(request.path)
        return HttpResponse(f"{body} {len(calls)}")

    return view


def _get(path="/utmaningar/", user=None):
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    return request


def test_second_anonymous_request_is_served_from_the_cache(db):
    calls = []
    view = pagecache.cache_public_page(pagecache.CHALLENGES)(_view_counting(calls))
    first = view(_get())
    second = view(_get())
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert len(calls) == 1


def test_a_change_to_what_the_page_shows_invalidates_it(db, make_challenge):
    calls = []
    view = pagecache.cache_public_page(pagecache.CHALLENGES)(_view_counting(calls))
    view(_get())
    make_challenge()  # saving a challenge bumps the challenges generation
    assert view(_get())["X-Page-Cache"] == "miss"
    assert len(calls) == 2


def test_a_change_to_something_else_keeps_the_page_cached(db, make_method):
    calls = []
    view = pagecache.cache_public_page(pagecache.CHALLENGES)(_view_counting(calls))
    view(_get())
    make_method()
    assert view(_get())["X-Page-Cache"] == "hit"


def test_relation_changes_invalidate(db, make_challenge, goal):
    challenge = make_challenge()
    calls = []
    view = pagecache.cache_public_page(pagecache.CHALLENGES)(_view_counting(calls))
    view(_get())
    challenge.goals.add(goal)
    assert view(_get())["X-Page-Cache"] == "miss"


def test_staff_and_posts_bypass_the_cache(db, editor):
    calls = []
    view = pagecache.cache_public_page()(_view_counting(calls))
    view(_get(user=editor))
    view(_get(user=editor))
    assert len(calls) == 2


def test_pages_with_a_csrf_token_are_never_cached(db):
    calls = []

    def form_view(request):
        calls.append(1)
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    view = pagecache.cache_public_page()(form_view)
    view(_get())
    view(_get())
    assert len(calls) == 2


def test_query_strings_and_languages_are_separate_pages(db):
    calls = []
    view = pagecache.cache_public_page(parameters=("status",))(_view_counting(calls))
    for _twice in range(2):
        view(_get("/utmaningar/?status=open"))
        view(_get("/utmaningar/?status=closed"))
        view(_get("/en/challenges/?status=open"))
    assert len(calls) == 3


def test_site_keeps_serving_when_the_cache_is_down(db, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(pagecache.cache, "get_many", broken)
    monkeypatch.setattr(pagecache.cache, "incr", broken)
    calls = []
    view = pagecache.cache_public_page()(_view_counting(calls))
    assert view(_get()).status_code == 200
    assert view(_get()).status_code == 200
    assert len(calls) == 2
    pagecache.bump(pagecache.CHALLENGES)  # logs, does not raise


def test_a_cache_server_that_fails_is_left_alone_for_a_while_and_said_once(db, monkeypatch, caplog):
    """Each request would otherwise wait for Redis's timeout again and log a traceback for
    every page, figure and list it asks for."""
    attempts = []

    def broken(*args, **kwargs):
        attempts.append(1)
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(pagecache.cache, "get_many", broken)
    calls = []
    view = pagecache.cache_public_page()(_view_counting(calls))
    with caplog.at_level("WARNING", logger="helsingborg_innovation.pagecache"):
        for _ in range(3):
            assert view(_get()).status_code == 200
    assert len(calls) == 3
    assert len(attempts) == 1
    assert [r.getMessage() for r in caplog.records] == [
        "Cache server unavailable (reading a page): serving pages uncached, trying again in 5 s"
    ]

    monkeypatch.setattr(pagecache, "CACHE_RETRY_SECONDS", 0)
    pagecache.cache_failed("reading a page")
    view(_get())
    assert len(attempts) == 2  # asked again once the pause is over


def test_an_invalidation_made_while_the_cache_is_away_is_sent_when_it_answers(db, monkeypatch):
    """A change made while Redis could not be reached must not leave the pages made before it
    in the cache once Redis answers again."""
    calls = []
    view = pagecache.cache_public_page(pagecache.CHALLENGES)(_view_counting(calls))
    view(_get())
    assert view(_get())["X-Page-Cache"] == "hit"

    away = [True]

    def unless_away(method):
        def call(*args, **kwargs):
            if away[0]:
                raise ConnectionError("cache server gone")
            return method(*args, **kwargs)

        return call

    for name in ("add", "incr", "delete"):
        monkeypatch.setattr(pagecache.cache, name, unless_away(getattr(pagecache.cache, name)))
    pagecache.bump(pagecache.CHALLENGES)  # logs, does not raise
    away[0] = False
    assert view(_get()).get("X-Page-Cache") is None  # still left alone: made afresh

    monkeypatch.setattr(pagecache, "_cache_down_until", 0.0)
    assert view(_get())["X-Page-Cache"] == "miss"  # the change reached the cache first
    assert view(_get())["X-Page-Cache"] == "hit"
    assert len(calls) == 3


def test_a_click_id_or_campaign_tag_is_the_same_page(client, make_challenge):
    """Facebook gives every click on a shared link its own fbclid: a challenge shared in a
    burst was built afresh for each visitor, and each copy kept apart in the cache."""
    for n in range(settings.PAGE_SIZE + 1):
        make_challenge(title=f"Utmaning {n}")
    path = reverse("challenges:list") + "?status=open"
    first = client.get(path + "&fbclid=IwAR0abc")
    assert first["X-Page-Cache"] == "miss"
    for tracked in ("&fbclid=IwAR1xyz", "&utm_source=nyhetsbrev&utm_medium=e-post", "&gclid=C1"):
        assert client.get(path + tracked)["X-Page-Cache"] == "hit", tracked
    assert client.get(path)["X-Page-Cache"] == "hit"
    # Not passed on in the page's own links, to be shared again as someone else's click.
    assert "fbclid" not in first.text and "IwAR" not in first.text
    assert "status=open&amp;page=2" in first.text
    # The page's own parameters still make pages of their own.
    assert client.get(path.replace("open", "closed") + "&fbclid=x")["X-Page-Cache"] == "miss"


def test_a_parameter_no_page_reads_neither_gets_past_the_copy_nor_fills_the_cache(
    client, make_challenge
):
    """Every query was a page of its own: ?x=1, ?x=2 and so on were each built and kept for a
    day, so anyone could get past the cache and fill it, pushing out the pages visitors read.
    A page with a parameter no page reads is made for its visitor and not kept: with it, the
    page may render otherwise (its links carry the query on), so no copy of another address
    may answer for it."""
    make_challenge(title="Cykelvägar i centrum")
    path = reverse("challenges:list")
    assert client.get(path)["X-Page-Cache"] == "miss"
    for query in ("?x=1", "?x=1", "?status=open&x=2", "?status=open&x=2", "?Status=open"):
        response = client.get(path + query)
        assert response.status_code == 200
        assert "Cykelvägar i centrum" in response.text
        assert response.get("X-Page-Cache") is None, query
    assert "x=2" in response.text or "Status=open" in response.text  # its links carry it on
    assert client.get(path)["X-Page-Cache"] == "hit"


def test_a_pages_own_parameters_are_pages_of_their_own_and_follow_changes(client, make_challenge):
    make_challenge(title="Öppen utmaning", open_until=timezone.localdate() + timedelta(days=9))
    make_challenge(title="Stängd utmaning", open_until=timezone.localdate() - timedelta(days=9))
    path = reverse("challenges:list")
    opened = client.get(path + "?status=open")
    assert opened["X-Page-Cache"] == "miss"
    assert "Öppen utmaning" in opened.text and "Stängd utmaning" not in opened.text
    closed = client.get(path + "?status=closed")
    assert closed["X-Page-Cache"] == "miss"
    assert "Stängd utmaning" in closed.text and "Öppen utmaning" not in closed.text
    for query in ("?status=open", "?status=open&utm_source=nyhetsbrev", "?fbclid=1&status=open"):
        response = client.get(path + query)
        assert response["X-Page-Cache"] == "hit", query
        assert "Öppen utmaning" in response.text and "Stängd utmaning" not in response.text
    make_challenge(title="Ny öppen utmaning", open_until=timezone.localdate() + timedelta(days=9))
    response = client.get(path + "?status=open&utm_campaign=host")
    assert response["X-Page-Cache"] == "miss"
    assert "Ny öppen utmaning" in response.text


def _get_query_targets(html: str, base: str):
    """(path, parameter names) of each GET form and each link with a query on the page."""
    from html.parser import HTMLParser
    from urllib.parse import parse_qs, urljoin, urlsplit

    found = []

    class Parser(HTMLParser):
        form = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "form" and (attrs.get("method") or "get").lower() == "get":
                self.form = (urlsplit(urljoin(base, attrs.get("action") or base)).path, set())
                found.append(self.form)
            elif tag in ("input", "select", "textarea", "button") and self.form and "name" in attrs:
                self.form[1].add(attrs["name"])
            elif tag == "a" and "?" in attrs.get("href", ""):
                parts = urlsplit(urljoin(base, attrs["href"]))
                found.append((parts.path, set(parse_qs(parts.query, keep_blank_values=True))))

        def handle_endtag(self, tag):
            if tag == "form":
                self.form = None

    Parser().feed(html)
    return found


def test_every_parameter_the_sites_own_forms_and_links_send_is_one_the_page_keeps(
    client, make_challenge, make_initiative, make_method
):
    """A parameter left out of a page's list (pagecache.route_parameters) costs it its copies:
    the filters, page numbers and years the site's own forms and links send are all in it."""
    from django.urls import resolve
    from django.utils.translation import get_language_from_path, override

    challenge = make_challenge(tags=["skola"])
    make_initiative(challenges=[challenge], tags=["skola"])
    make_method(tags=["skola"])
    for n in range(settings.PAGE_SIZE + 1):
        make_challenge(title=f"Sidutmaning {n}")
    pages = [
        reverse(name)
        for name in (
            "home",
            "challenges:list",
            "initiatives:list",
            "lessons:list",
            "methods:list",
            "statistics:dashboard",
        )
    ] + [challenge.get_absolute_url(), reverse("search:results") + "?q=utmaning"]
    checked = set()
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for path, names in _get_query_targets(response.content.decode(), page):
            with override(get_language_from_path(path) or settings.LANGUAGE_CODE):
                view_name = resolve(path).view_name
            if view_name in pagecache.ROUTES:
                allowed = set(pagecache.route_parameters().get(view_name, ()))
                assert names <= allowed, (page, path, names - allowed)
                checked.add(view_name)
    assert {"challenges:list", "search:results", "statistics:dashboard"} <= checked


@pytest.fixture
def _parameters_read_again():
    """The page cache reads its pages' parameters once (pagecache.route_parameters)."""
    pagecache.route_parameters.cache_clear()
    pagecache._route.cache_clear()
    yield
    pagecache.route_parameters.cache_clear()
    pagecache._route.cache_clear()


def test_a_filter_added_to_a_lists_filterset_is_a_parameter_its_page_is_kept_by(
    client, make_challenge, monkeypatch, _parameters_read_again
):
    """The lists' parameters are their FilterSets' filters: listed by hand as well, a filter
    added to one and not to the list made its page uncached."""
    import django_filters

    from challenges.filters import ChallengeFilter

    monkeypatch.setitem(
        ChallengeFilter.base_filters, "title", django_filters.CharFilter(field_name="title")
    )
    make_challenge(title="Cykelvägar")
    make_challenge(title="Skolgårdar")
    path = reverse("challenges:list") + "?title=Cykelvägar"
    assert client.get(path)["X-Page-Cache"] == "miss"
    response = client.get(path)
    assert response["X-Page-Cache"] == "hit"
    assert "Cykelvägar" in response.text and "Skolgårdar" not in response.text


def test_public_pages_are_cached_and_an_admin_edit_shows_at_once(client, editor, make_challenge):
    challenge = make_challenge(title="Första titeln")
    list_url = reverse("challenges:list")
    assert client.get(list_url)["X-Page-Cache"] == "miss"
    assert client.get(list_url)["X-Page-Cache"] == "hit"
    assert client.get(challenge.get_absolute_url())["X-Page-Cache"] == "miss"

    staff = Client()
    staff.force_login(editor)
    response = staff.post(
        reverse("admin:challenges_challenge_changelist"),
        {"action": "unpublish", "_selected_action": [challenge.pk]},
    )
    assert response.status_code == 302

    response = client.get(list_url)
    assert response["X-Page-Cache"] == "miss"
    assert "Första titeln" not in response.text
    assert client.get(challenge.get_absolute_url()).status_code == 404


def _lose_generation(kind: str) -> None:
    """As when the cache server evicts a generation to make room (Django's local-memory cache
    culls a third of its entries when full; Redis evicts the least used keys)."""
    pagecache.cache.delete(pagecache._generation_key(kind))


def test_a_generation_lost_and_bumped_again_never_brings_back_an_old_page(client, make_challenge):
    challenge = make_challenge(title="Titeln före")
    list_url = reverse("challenges:list")
    client.get(list_url)
    assert client.get(list_url)["X-Page-Cache"] == "hit"
    _lose_generation(pagecache.CHALLENGES)
    challenge.title = "Titeln efter"
    challenge.save()  # the generation starts again
    page = client.get(list_url).text
    assert "Titeln efter" in page
    assert "Titeln före" not in page


def test_a_generation_lost_never_brings_back_a_page_made_before_it_existed(client, make_challenge):
    challenge = make_challenge(title="Titeln före")
    list_url = reverse("challenges:list")
    _lose_generation(pagecache.CHALLENGES)  # the cache as it starts: no generation yet
    assert "Titeln före" in client.get(list_url).text
    challenge.title = "Titeln efter"
    challenge.save()  # nobody visits the list until ...
    _lose_generation(pagecache.CHALLENGES)  # ... the generation is lost again
    page = client.get(list_url).text
    assert "Titeln efter" in page
    assert "Titeln före" not in page


def test_a_generation_lost_never_brings_back_a_remembered_value(db):
    kinds = (pagecache.INITIATIVES,)
    _lose_generation(pagecache.INITIATIVES)
    assert pagecache.remembered("figures", lambda: "old", kinds=kinds) == "old"
    pagecache.bump(pagecache.INITIATIVES)
    _lose_generation(pagecache.INITIATIVES)
    assert pagecache.remembered("figures", lambda: "new", kinds=kinds) == "new"


def test_cached_pages_answer_conditional_requests(client, make_challenge):
    make_challenge()
    first = client.get(reverse("challenges:list"))
    etag = first["ETag"]
    again = client.get(reverse("challenges:list"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_a_cached_page_answers_a_client_that_sends_only_its_date(db):
    """Some clients send only If-Modified-Since. The page built afresh answered 304; the same
    page from the cache sent it whole again. (The feeds and sitemaps send no Last-Modified:
    see urls._revalidated_by_etag.)"""
    calls = []

    def dated(request):
        calls.append(request.path)
        response = HttpResponse("page")
        response["Last-Modified"] = "Wed, 02 Dec 2026 10:00:00 GMT"
        return response

    view = pagecache.cache_public_page(pagecache.CHALLENGES)(dated)
    assert view(_get())["X-Page-Cache"] == "miss"
    same = _get()
    same.META["HTTP_IF_MODIFIED_SINCE"] = "Wed, 02 Dec 2026 10:00:00 GMT"
    again = view(same)
    assert again.status_code == 304
    assert again.content == b""
    older = _get()
    older.META["HTTP_IF_MODIFIED_SINCE"] = "Mon, 01 Jan 2001 00:00:00 GMT"
    answer = view(older)
    assert answer.status_code == 200
    assert answer["X-Page-Cache"] == "hit"
    assert len(calls) == 1


def test_staff_never_get_a_cached_public_page(client, editor, make_challenge):
    make_challenge()
    client.get(reverse("challenges:list"))
    client.force_login(editor)
    assert "X-Page-Cache" not in client.get(reverse("challenges:list"))


@pytest.mark.parametrize("cookie", ["x", "a" * 32, "signed-out"])
def test_a_session_cookie_nobody_is_signed_in_with_gets_the_cached_page(
    client, editor, make_challenge, cookie
):
    """Any session cookie sent the visitor the whole way, so a robot sending "sessionid=x"
    had every page built afresh for it, some twenty times the work of a copy (found by
    review). Only a session someone is signed in to does now; so does a staff member's
    session that signed out (its cookie is gone then, but a browser may send an old one)."""
    make_challenge()
    url = reverse("challenges:list")
    client.get(url)
    if cookie == "signed-out":
        client.force_login(editor)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        client.logout()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_staff_session_sent_with_its_cookie_alone_is_never_served_a_copy(
    client, editor, make_challenge
):
    make_challenge()
    url = reverse("challenges:list")
    client.get(url)
    client.force_login(editor)
    visitor = Client()
    visitor.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[
        settings.SESSION_COOKIE_NAME
    ].value
    assert "X-Page-Cache" not in visitor.get(url)


def test_a_scheduled_item_appears_when_its_time_comes(client, make_challenge, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    make_challenge(title="Redan publicerad")
    make_challenge(title="Schemalagd utmaning", publish_at=timezone.now() + timedelta(hours=2))
    list_url = reverse("challenges:list")
    assert "Schemalagd utmaning" not in client.get(list_url).text
    assert client.get(list_url)["X-Page-Cache"] == "hit"

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", later.timestamp)
    response = client.get(list_url)
    assert response["X-Page-Cache"] == "miss"
    assert "Schemalagd utmaning" in response.text


def test_a_scheduled_item_appears_when_another_change_came_before_any_visitor(
    client, make_challenge, make_method, monkeypatch
):
    """A method scheduled for seven in the morning, and an editor who saves a challenge at
    five past, before the first visitor of the day: the methods were still served from the
    copy made the evening before, without the new one, until the next change to a method."""
    from django.utils import timezone

    challenge = make_challenge()
    make_method(title="Redan publicerad")
    make_method(title="Schemalagd metod", publish_at=timezone.now() + timedelta(hours=2))
    list_url = reverse("methods:list")
    assert "Schemalagd metod" not in client.get(list_url).text
    assert client.get(list_url)["X-Page-Cache"] == "hit"

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", later.timestamp)
    challenge.title = "Ändrad före första besökaren"
    challenge.save()

    assert "Schemalagd metod" in client.get(list_url).text


def test_a_schedule_read_before_an_editor_commits_is_not_kept_after_it(
    client, make_challenge, monkeypatch
):
    """While an editor's save is under way every page asks for the next scheduled moment
    again, and reads the rows as they were before the commit. A page that read them just
    before the commit, and kept what it found just after it, hid the editor's item scheduled
    by that save from every cached page, for good: nothing asked again."""
    from django.utils import timezone

    make_challenge(title="Redan publicerad")
    list_url = reverse("challenges:list")
    client.get(list_url)
    read_from_the_database = pagecache._next_scheduled_publication

    def read_then_the_editor_commits():
        moment = read_from_the_database()
        make_challenge(title="Schemalagd utmaning", publish_at=timezone.now() + timedelta(hours=2))
        return moment

    challenge = make_challenge()
    challenge.title = "En ändring: nästa schemalagda ögonblick läses igen"
    challenge.save()
    monkeypatch.setattr(pagecache, "_next_scheduled_publication", read_then_the_editor_commits)
    client.get(reverse("methods:list"))
    monkeypatch.undo()
    assert "Schemalagd utmaning" not in client.get(list_url).text

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", later.timestamp)
    assert "Schemalagd utmaning" in client.get(list_url).text


def test_the_age_notice_comes_with_the_date_the_cached_pages_change_with(
    client, make_challenge, monkeypatch, settings
):
    """Pages are kept for the day they were made (the age notice and open challenges change
    with the date): content that turned older than the set age in the afternoon had no notice
    on the page made in the morning until midnight, while staff saw it at once."""
    from django.utils import timezone

    from challenges.models import Challenge

    noon = timezone.make_aware(datetime.combine(timezone.localdate(), time(12)))
    monkeypatch.setattr(timezone, "now", lambda: noon)
    challenge = make_challenge()
    long_ago = noon - timedelta(days=settings.CONTENT_AGE_NOTICE_DAYS, hours=-1)
    Challenge.objects.filter(pk=challenge.pk).update(updated_at=long_ago, publish_at=long_ago)
    url = challenge.get_absolute_url()
    first = client.get(url)
    assert 'class="age-notice"' not in first.text

    # Six hours later, the same day: the page from the cache and the page made afresh (as
    # staff get it) agree.
    evening = noon + timedelta(hours=6)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    cached = client.get(url)
    settings.PAGE_CACHE_ENABLED = False
    made_afresh = Client().get(url)
    settings.PAGE_CACHE_ENABLED = True
    assert cached["X-Page-Cache"] == "hit"
    assert ('class="age-notice"' in cached.text) == ('class="age-notice"' in made_afresh.text)

    next_day = noon + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: next_day)
    assert 'class="age-notice"' in client.get(url).text


def _csp_nonce(response) -> str:
    import re

    return re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)


def test_a_cached_page_carries_a_fresh_nonce_matching_its_header(client, make_initiative):
    initiative = make_initiative()
    first = client.get(initiative.get_absolute_url())
    second = client.get(initiative.get_absolute_url())
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    first_nonce, second_nonce = _csp_nonce(first), _csp_nonce(second)
    assert first_nonce != second_nonce
    assert f'nonce="{second_nonce}"' in second.text
    assert first_nonce not in second.text


@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_while_a_change_is_being_saved_is_not_kept(make_challenge):
    """A visitor served between the save and the commit sees the old content (the change is
    not committed yet); that copy must not outlive the commit. Needs a database where another
    connection can read during an open write transaction."""
    import threading

    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite locks the table for the other connection")
    challenge = make_challenge(title="Gamla titeln")
    url = challenge.get_absolute_url()

    def visit(pages):
        try:
            pages.append(Client().get(url).text)
        finally:
            connections.close_all()

    with transaction.atomic():
        challenge.title = "Nya titeln"
        challenge.save()
        pages = []
        other = threading.Thread(target=visit, args=(pages,))
        other.start()
        other.join()
        assert "Gamla titeln" in pages[0]

    assert "Nya titeln" in Client().get(url).text


def test_a_cached_page_with_a_nonce_still_answers_conditional_requests(client, make_initiative):
    url = make_initiative().get_absolute_url()
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')  # bodies differ by their nonce alone
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    # The browser keeps the page with the 304's headers: no policy without the page's nonce.
    assert "Content-Security-Policy" not in again


def test_a_cached_page_carries_every_header_the_first_one_had(client, make_initiative):
    url = make_initiative().get_absolute_url()
    first, second = client.get(url), client.get(url)
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Permissions-Policy",
        "Content-Language",
        "Cache-Control",
        "ETag",
    ):
        assert header in second, header
    assert second["Content-Length"] == str(len(second.content))
    assert second["Cache-Control"] == first["Cache-Control"]


def test_copies_kept_by_an_earlier_release_are_not_served(client, make_challenge, monkeypatch):
    """After a deploy the cache still holds the last release's copies, possibly in another
    form and made by other templates: they must be passed over, never break the page."""
    url = make_challenge(title="Efter uppdateringen").get_absolute_url()
    client.get(url)
    generations, *_rest = pagecache.cache.get(pagecache._page_key(RequestFactory().get(url)))
    monkeypatch.setattr(pagecache, "_release", lambda: "the-release-before")
    key = pagecache._page_key(RequestFactory().get(url))
    # What that release kept: an older form of copy, under the same address.
    pagecache.cache.set(key, (generations, 200, b"old page", [], None), pagecache.TIMEOUT)
    monkeypatch.undo()
    response = client.get(url)
    assert response.status_code == 200
    assert "Efter uppdateringen" in response.text


def test_a_copy_in_a_form_this_release_cannot_read_is_a_miss(client, make_challenge):
    url = make_challenge(title="Läsbar sida").get_absolute_url()
    client.get(url)
    key = pagecache._page_key(RequestFactory().get(url))
    generations, *_rest = pagecache.cache.get(key)
    pagecache.cache.set(key, (generations, 200, b"unreadable"), pagecache.TIMEOUT)
    response = client.get(url)
    assert response.status_code == 200
    assert "Läsbar sida" in response.text


def test_the_release_changes_with_the_templates(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    (tmp_path / "templates").mkdir()
    template = tmp_path / "templates" / "page.html"
    template.write_text("<p>Före</p>")
    pagecache._release.cache_clear()
    try:
        before = pagecache._release()
        template.write_text("<p>Efter</p>")
        pagecache._release.cache_clear()
        assert pagecache._release() != before
    finally:
        pagecache._release.cache_clear()


def test_names_erased_by_the_nightly_command_leave_the_pages_when_redis_blinked(
    client, make_challenge, monkeypatch, cache_blinks_once
):
    """The erasure of old ideas' personal data runs from cron, in a process of its own that
    ends at once. Redis failing to answer its invalidation once (a blink, a timeout) left the
    invalidation to a next request that never came: the names stayed on the cached pages for
    the rest of the day, and the command said all was done."""
    from django.core.management import call_command
    from django.utils import timezone

    from contributions.models import ContributionStatus

    challenge = make_challenge()
    _idea(
        challenge,
        status=ContributionStatus.PUBLISHED,
        decided_at=timezone.now() - timedelta(days=400),
        name="Greta Garbo",
        show_name=True,
    )
    url = challenge.get_absolute_url()
    assert "Greta Garbo" in client.get(url).text

    failures = cache_blinks_once()
    call_command("anonymise_contributions", days=365)
    assert failures
    pagecache.reset_cache_state()  # the web nodes are other processes: they know nothing of it

    assert "Greta Garbo" not in client.get(url).text


def test_a_setting_the_pages_show_changed_on_a_restart_shows_at_once(
    client, make_challenge, settings
):
    """Operators set the age of the age notice and the retention of personal data in the
    environment and restart: every node's pages must follow at once, as after a deploy, not
    at midnight when the copies of the day before are passed over."""
    from challenges.models import Challenge

    challenge = make_challenge()
    long_ago = challenge.updated_at - timedelta(days=70)
    Challenge.objects.filter(pk=challenge.pk).update(updated_at=long_ago, publish_at=long_ago)
    detail, personal_data = challenge.get_absolute_url(), reverse("pages:personal_data")
    settings.CONTENT_AGE_NOTICE_DAYS = 60
    settings.CONTRIBUTION_RETENTION_DAYS = 365
    assert "äldre än 60 dagar" in client.get(detail).text
    assert "bort 12 månader senare" in client.get(personal_data).text

    settings.CONTENT_AGE_NOTICE_DAYS = 90
    settings.CONTRIBUTION_RETENTION_DAYS = 730
    _restart()

    assert "äldre än" not in client.get(detail).text
    assert "bort 24 månader senare" in client.get(personal_data).text


def test_a_shorter_keeping_of_the_access_logs_shows_at_once_after_a_restart(db, client, settings):
    """The personal data page tells visitors how long their addresses stay in the logs: the
    operators who shorten the rotation and restart must not leave the old promise served."""
    personal_data = reverse("pages:personal_data")
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    assert "raderas efter 30 dagar" in client.get(personal_data).text

    settings.ACCESS_LOG_RETENTION_DAYS = 1
    _restart()

    assert "raderas efter 1 dag." in client.get(personal_data).text


def _restart():
    """What a node forgets when it restarts: its release and its worker's copies."""
    pagecache._release.cache_clear()
    if (near := pagecache._near()) is not None:
        near.reset()


def test_each_host_gets_pages_that_name_it(client, make_initiative, settings):
    """Pages carry their own address in full; a copy made for one host name must not be
    served under another."""
    settings.ALLOWED_HOSTS = ["innovation.example.org", "www.innovation.example.org"]
    url = make_initiative().get_absolute_url()
    first = client.get(url, HTTP_HOST="innovation.example.org")
    second = client.get(url, HTTP_HOST="www.innovation.example.org")
    assert "http://innovation.example.org/" in first.text
    assert second["X-Page-Cache"] == "miss"
    assert "http://www.innovation.example.org/" in second.text
    assert "http://innovation.example.org/" not in second.text


def test_feeds_and_the_sitemap_are_cached_and_follow_changes(client, make_challenge):
    make_challenge(title="Första utmaningen")
    feed = reverse("feeds:challenges_rss")
    assert client.get(feed)["X-Page-Cache"] == "miss"
    assert client.get(feed)["X-Page-Cache"] == "hit"
    assert client.get("/sitemap.xml")["X-Page-Cache"] == "miss"
    assert client.get("/sitemap.xml")["X-Page-Cache"] == "hit"
    make_challenge(title="Andra utmaningen")
    response = client.get(feed)
    assert response["X-Page-Cache"] == "miss"
    assert "Andra utmaningen" in response.content.decode()
    assert response["Content-Type"].startswith("application/rss+xml")


def test_ideas_arriving_leave_pages_that_show_no_ideas_cached(client, make_challenge):
    """During a campaign ideas arrive every second; the home page and the sitemap show none,
    so they stay cached, while the challenge's own page shows the change."""
    from contributions.models import Contribution

    challenge = make_challenge()
    for url in (reverse("home"), "/sitemap.xml", challenge.get_absolute_url()):
        client.get(url)
    Contribution.objects.create(
        challenge=challenge,
        title="En ny idé",
        text="Text",
        name="Namn",
        email="namn@example.org",
        consent=True,
    )
    assert client.get(reverse("home"))["X-Page-Cache"] == "hit"
    assert client.get("/sitemap.xml")["X-Page-Cache"] == "hit"
    assert client.get(challenge.get_absolute_url())["X-Page-Cache"] == "miss"


def test_a_request_for_another_host_is_refused_without_troubling_the_cache(
    client, make_challenge, caplog
):
    url = make_challenge().get_absolute_url()
    with caplog.at_level("WARNING", logger="helsingborg_innovation.pagecache"):
        response = client.get(url, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "helsingborg_innovation.pagecache"]


def _idea(challenge, **fields):
    from contributions.models import Contribution

    return Contribution.objects.create(
        **{
            "challenge": challenge,
            "title": "En ny idé om laddstolpar",
            "text": "Text",
            "name": "Namn",
            "email": "namn@example.org",
            "consent": True,
            **fields,
        }
    )


def test_an_idea_arriving_changes_only_its_own_challenges_page(
    client, make_challenge, make_initiative
):
    """A challenge shared in the local paper gets an idea a second. Each changes what its own
    page counts ("ideas received"), and the statistics, but nothing another page shows: a
    waiting idea is public nowhere else."""
    shared, other = make_challenge(title="Delad"), make_challenge(title="Annan")
    initiative = make_initiative(title="Laddstolpar i hamnen")
    search = reverse("search:results") + "?q=laddstolpar"
    pages = [
        shared.get_absolute_url(),
        other.get_absolute_url(),
        initiative.get_absolute_url(),
        search,
        reverse("statistics:dashboard"),
        reverse("feeds:ideas_rss", kwargs={"slug": shared.slug}),
    ]
    for url in pages:
        client.get(url)
    _idea(shared)
    served = {url: client.get(url)["X-Page-Cache"] for url in pages}
    assert served == {
        shared.get_absolute_url(): "miss",
        other.get_absolute_url(): "hit",
        initiative.get_absolute_url(): "hit",
        search: "hit",
        reverse("statistics:dashboard"): "miss",
        reverse("feeds:ideas_rss", kwargs={"slug": shared.slug}): "hit",
    }
    assert "<dt>Mottagna idéer</dt><dd>1</dd>" in client.get(shared.get_absolute_url()).text


def test_an_idea_going_public_or_leaving_the_public_changes_every_page_of_ideas(
    client, make_challenge
):
    from contributions.models import ContributionStatus, DeclineReason

    challenge = make_challenge()
    idea = _idea(challenge)
    search = reverse("search:results") + "?q=laddstolpar"
    feed = reverse("feeds:ideas_rss", kwargs={"slug": challenge.slug})
    pages = [search, feed]

    def served() -> list[str]:
        return [client.get(url)["X-Page-Cache"] for url in pages]

    served()
    assert "En ny idé om laddstolpar" not in client.get(search).text
    idea.status = ContributionStatus.PUBLISHED
    idea.save()
    assert served() == ["miss", "miss"]
    assert "En ny idé om laddstolpar" in client.get(search).text

    idea.refresh_from_db()  # as loaded afresh by the admin
    idea.status = ContributionStatus.DECLINED
    idea.decline_reason = DeclineReason.DUPLICATE
    idea.save()
    assert served() == ["miss", "miss"]
    assert "En ny idé om laddstolpar" not in client.get(search).text

    idea.internal_note = "Ingen ändring för allmänheten."
    idea.save()
    assert served() == ["hit", "hit"]


def test_a_published_idea_deleted_leaves_the_search_at_once(client, make_challenge):
    from contributions.models import ContributionStatus

    idea = _idea(make_challenge(), status=ContributionStatus.PUBLISHED)
    search = reverse("search:results") + "?q=laddstolpar"
    assert "En ny idé om laddstolpar" in client.get(search).text
    idea.delete()
    response = client.get(search)
    assert response["X-Page-Cache"] == "miss"
    assert "En ny idé om laddstolpar" not in response.text


def test_a_moderator_deciding_ideas_leaves_the_other_challenges_and_initiatives_cached(
    client, make_challenge, make_initiative
):
    """A moderator clears the queue, an idea every few seconds. Each idea published changes
    its own challenge's page and the page of the initiative it led to, not the pages of the
    other ten thousand challenges and hundred thousand initiatives: they stayed cached for
    seconds at a time while the queue was cleared."""
    from contributions.models import ContributionStatus

    challenge, other = make_challenge(), make_challenge()
    led_to, unrelated = make_initiative(challenges=[challenge]), make_initiative()
    idea = _idea(challenge)
    pages = [
        challenge.get_absolute_url(),
        led_to.get_absolute_url(),
        other.get_absolute_url(),
        unrelated.get_absolute_url(),
    ]
    for url in pages:
        client.get(url)

    idea.status = ContributionStatus.PUBLISHED
    idea.initiative = led_to
    idea.save()

    served = {url: client.get(url) for url in pages}
    assert [response["X-Page-Cache"] for response in served.values()] == [
        "miss",
        "miss",
        "hit",
        "hit",
    ]
    assert "En ny idé om laddstolpar" in served[challenge.get_absolute_url()].text
    assert "En ny idé om laddstolpar" in served[led_to.get_absolute_url()].text


def test_an_idea_moved_to_another_initiative_leaves_the_first_ones_page_at_once(
    client, make_challenge, make_initiative
):
    from contributions.models import Contribution, ContributionStatus

    challenge = make_challenge()
    first, second = make_initiative(), make_initiative()
    idea = _idea(challenge, status=ContributionStatus.PUBLISHED, initiative=first)
    assert "En ny idé om laddstolpar" in client.get(first.get_absolute_url()).text
    assert "En ny idé om laddstolpar" not in client.get(second.get_absolute_url()).text

    idea = Contribution.objects.get(pk=idea.pk)  # as loaded afresh by the admin
    idea.initiative = second
    idea.save()

    assert "En ny idé om laddstolpar" not in client.get(first.get_absolute_url()).text
    assert "En ny idé om laddstolpar" in client.get(second.get_absolute_url()).text

    # Taken out of the public: gone from the initiative it still links to.
    idea.status = ContributionStatus.SPAM
    idea.save()
    assert "En ny idé om laddstolpar" not in client.get(second.get_absolute_url()).text


def test_names_erased_in_bulk_leave_every_page_that_showed_them(
    client, make_challenge, make_initiative
):
    """Erasing personal data updates the ideas in one statement, without their signals."""
    from contributions import services
    from contributions.models import ContributionStatus

    challenge, initiative = make_challenge(), make_initiative()
    _idea(
        challenge,
        status=ContributionStatus.PUBLISHED,
        initiative=initiative,
        name="Greta Garbo",
        show_name=True,
    )
    pages = [challenge.get_absolute_url(), initiative.get_absolute_url()]
    assert all("Greta Garbo" in client.get(url).text for url in pages)

    assert services.contribution_erase_personal_data(email="namn@example.org") == 1

    assert not any("Greta Garbo" in client.get(url).text for url in pages)


def test_a_note_for_staff_saved_in_the_admin_leaves_every_public_page_cached(
    client, moderator, make_challenge
):
    """A moderator's internal note is shown nowhere in public: saving only the note keeps the
    pages cached. An answer saved the same way shows at once."""
    from contributions.models import Contribution, ContributionStatus
    from tests.contributions.conftest import moderation_data

    challenge = make_challenge()
    idea = _idea(challenge, status=ContributionStatus.PUBLISHED)
    pages = [
        challenge.get_absolute_url(),
        reverse("statistics:dashboard"),
        reverse("search:results") + "?q=laddstolpar",
    ]
    for url in pages:
        client.get(url)
    staff = Client()
    staff.force_login(moderator)
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])

    def save(**fields):
        assert staff.post(change, moderation_data(**fields)).status_code == 302

    save(internal_note="Ringde avsändaren, hon vill vara med i piloten.")
    assert Contribution.objects.get(pk=idea.pk).internal_note.startswith("Ringde avsändaren")
    assert [client.get(url)["X-Page-Cache"] for url in pages] == ["hit", "hit", "hit"]

    save(
        internal_note="Ringde avsändaren, hon vill vara med i piloten.",
        public_answer="Tack! Vi prövar laddstolpar i hamnen i vår.",
    )
    response = client.get(challenge.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "Vi prövar laddstolpar i hamnen i vår." in response.text


def _redis_cache() -> bool:
    from django.core.cache import caches

    from helsingborg_innovation.rediscache import RedisCache

    return isinstance(caches["default"], RedisCache)


def test_pages_cached_before_a_restore_are_made_afresh_after_forget_cached_pages(
    client, make_challenge, make_initiative
):
    """A backup restored with pg_restore changes the rows without the portal's signals: the
    pages cached before it kept showing what the restore took back, until midnight."""
    from django.core.management import call_command

    from challenges.models import Challenge
    from initiatives.models import Initiative

    if not _redis_cache():
        pytest.skip("the command works with Redis only (set REDIS_URL)")
    challenge = make_challenge(title="Titel efter säkerhetskopian")
    make_initiative(title="Initiativ efter säkerhetskopian")
    pages = [challenge.get_absolute_url(), reverse("challenges:list"), reverse("home")]
    for url in pages:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    # What pg_restore does: the rows as they were in the backup, behind the portal's back.
    Challenge.objects.filter(pk=challenge.pk).update(title="Titel i säkerhetskopian")
    Initiative.objects.update(title="Initiativ i säkerhetskopian")
    assert "Titel efter säkerhetskopian" in client.get(challenge.get_absolute_url()).text

    out = StringIO()
    call_command("forget_cached_pages", stdout=out)
    assert out.getvalue() == "Every cached page will be made afresh from the database.\n"
    page = client.get(challenge.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert "Titel i säkerhetskopian" in page.text
    assert "Titel efter säkerhetskopian" not in client.get(reverse("challenges:list")).text
    home = client.get(reverse("home")).text
    assert "Initiativ i säkerhetskopian" in home
    assert "Initiativ efter säkerhetskopian" not in home


def test_forget_cached_pages_fails_when_the_cache_server_is_away(monkeypatch):
    from django.core.management import CommandError, call_command

    if not _redis_cache():
        pytest.skip("the command works with Redis only (set REDIS_URL)")

    def broken(*args, **kwargs):
        raise ConnectionError("cache server gone")

    monkeypatch.setattr(pagecache, "CACHE_RETRY_SECONDS", 0)
    for name in ("add", "incr", "set"):
        monkeypatch.setattr(pagecache.cache, name, broken)
    with pytest.raises(CommandError, match="did not take the invalidation"):
        call_command("forget_cached_pages")


def test_forget_cached_pages_without_redis_says_to_restart_the_server():
    """Each process's own memory: the command's is not the server's."""
    from django.core.management import CommandError, call_command

    if _redis_cache():
        pytest.skip("the cache is Redis")
    with pytest.raises(CommandError, match="restart the server"):
        call_command("forget_cached_pages")


def test_a_query_sent_as_raw_bytes_never_answers_for_another_query(db, client, make_challenge):
    """A query string sent as raw UTF-8 bytes ("q=å" unencoded; browsers encode it) is read as
    "å", but was kept under the address of its bytes read one by one ("?q=%C3%83%C2%A5", "Ã¥"):
    that address then got the page for "å" (found by review)."""
    make_challenge(title="Åtgärder för ån")
    raw = client.generic("GET", "/utmaningar/", QUERY_STRING="q=\xc3\xa5")
    assert raw.status_code == 200 and 'value="å"' in raw.text

    other = client.get("/utmaningar/?q=%C3%83%C2%A5")
    assert 'value="Ã¥"' in other.text
    assert 'value="å"' not in other.text


def _search_box(response) -> str:
    """The value in the page's search box (`name="q"`), as the visitor sees it."""
    import re

    box = re.search(r'<input[^>]* name="q"[^>]*>', response.text)[0]
    found = re.search(r' value="([^"]*)"', box)
    return found[1] if found else ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("?q=Cykel+v%C3%A4gar", "?q=Cykel%20v%c3%a4gar"),  # a space and the hex, written otherwise
        ("?status=open&tag=skola", "?tag=skola&status=open"),
        ("?tag=skola&q=Cykel&tag=cykel", "?q=Cykel&tag=skola&tag=cykel"),
        # The filter form sends its empty fields too; a link names only the filters it sets.
        ("?q=Cykel&status=&department=&goal=&tag=skola", "?q=Cykel&tag=skola"),
    ],
)
def test_the_same_query_written_otherwise_is_served_the_same_copy(
    client, make_challenge, first, second
):
    """The page reads the query parsed, so a query written otherwise (a space as "+" or as
    "%20", the parameters in another order) is the same page: each was a copy of its own, made
    afresh. Only the links that carry the query on (the language switch, the next page, the
    download) write it as the first visitor did, as equivalent addresses."""
    make_challenge(title="Cykel vägar i skolan", tags=["skola", "cykel"])
    make_challenge(title="Cykel på landet", tags=["landet"])
    path = reverse("challenges:list")
    made = client.get(path + first)
    assert made["X-Page-Cache"] == "miss"

    served = client.get(path + second)

    assert served["X-Page-Cache"] == "hit"
    assert "Cykel vägar i skolan" in served.text and "Cykel på landet" not in served.text
    assert _search_box(served) == _search_box(made)


@pytest.mark.parametrize(
    ("first", "second", "shown", "not_shown"),
    [
        # A "+" written as itself is a space; written as %2B, a plus sign.
        (
            "/sok/?q=Cykel+v%C3%A4gar",
            "/sok/?q=Cykel%2Bv%C3%A4gar",
            'value="Cykel+vägar"',
            'value="Cykel vägar"',
        ),
        # A parameter given twice is read by its last value.
        (
            "/utmaningar/?tag=skola&tag=landet",
            "/utmaningar/?tag=landet&tag=skola",
            "Skolgårdar",
            "på landet",
        ),
        # Not narrowed, the list names itself canonical and is indexed; with ?q= it does neither.
        ("/utmaningar/?q=", "/utmaningar/", '<link rel="canonical"', "noindex"),
        # The last of a parameter's values is read, empty or not.
        ("/utmaningar/?tag=skola&tag=", "/utmaningar/?tag=skola", "Skolgårdar", "på landet"),
    ],
)
def test_a_query_that_reads_otherwise_is_never_served_the_others_copy(
    client, make_challenge, first, second, shown, not_shown
):
    make_challenge(title="Skolgårdar", tags=["skola"])
    make_challenge(title="Cykel på landet", tags=["landet"])
    client.get(first)

    served = client.get(second)

    assert served["X-Page-Cache"] == "miss"
    assert shown in served.text and not_shown not in served.text


def test_a_page_made_for_a_query_of_raw_bytes_answers_the_same_query_written_as_browsers_do(
    db, client, make_challenge
):
    """Sent as raw bytes ("q=å" unencoded), the query is read as "å", and the page's links
    carry it on as "?q=%C3%A5" (context_processors._full_path): the page is the one of
    "?q=%C3%A5", whose English link searches for "å"."""
    make_challenge(title="Åtgärder för ån")
    raw = client.generic("GET", "/utmaningar/", QUERY_STRING="q=\xc3\xa5")
    assert 'href="/en/challenges/?q=%C3%A5"' in raw.text

    encoded = client.get("/utmaningar/?q=%C3%A5")

    assert encoded["X-Page-Cache"] == "hit"
    assert 'href="/en/challenges/?q=%C3%A5"' in encoded.text
    assert "Ã¥" not in encoded.text


def test_a_change_redis_missed_reaches_the_other_nodes_when_its_editor_goes_on_working(
    client, editor, make_challenge, monkeypatch, cache_blinks_once
):
    """An editor's worker that could not send an invalidation (Redis blinked during the save)
    sent it with its next page for an anonymous visitor. The requests it then served were the
    editor's own, in the admin, which skip the page cache: the other nodes served the page
    taken down until some visitor happened to reach that worker."""
    import time as clock

    challenge = make_challenge(title="Nedtagen utmaning")
    list_url = reverse("challenges:list")
    assert "Nedtagen utmaning" in client.get(list_url).text

    failures = cache_blinks_once()
    staff = Client()
    staff.force_login(editor)
    staff.post(
        reverse("admin:challenges_challenge_changelist"),
        {"action": "unpublish", "_selected_action": [challenge.pk]},
    )
    assert failures
    clock.sleep(0.02)
    assert staff.get(reverse("admin:challenges_challenge_changelist")).status_code == 200

    pagecache.reset_cache_state()  # the visitor reaches another node, which knows nothing of it
    assert "Nedtagen utmaning" not in client.get(list_url).text


def _cached(client, *urls) -> None:
    """Visit each page twice, so that each is in the cache before the change."""
    for url in urls:
        assert client.get(url).status_code == 200
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_shared_vocabulary_renamed_in_the_admin_shows_at_once_on_the_pages_that_name_it(
    client, make_challenge, make_initiative, make_partner
):
    """Departments, partners and tags are named on every item's page and in the lists and
    feeds; none of those pages is saved when one of them is renamed."""
    from taggit.models import Tag

    partner = make_partner(name="Gamla partnern")
    challenge = make_challenge(tags=["cykel"])
    initiative = make_initiative(tags=["cykel"], partners=[partner])
    pages = [
        challenge.get_absolute_url(),
        initiative.get_absolute_url(),
        reverse("challenges:list"),
        reverse("home"),
        reverse("feeds:challenges_rss"),
    ]
    _cached(client, *pages)

    tag = Tag.objects.get(name="cykel")
    tag.name = "velociped"
    tag.save()
    assert "velociped" in client.get(challenge.get_absolute_url()).text
    assert "velociped" in client.get(initiative.get_absolute_url()).text
    assert "velociped" in client.get(reverse("feeds:challenges_rss")).text
    _cached(client, *pages)

    partner.name = "Nya partnern"
    partner.save()
    assert "Nya partnern" in client.get(initiative.get_absolute_url()).text
    _cached(client, *pages)

    department = challenge.owner_department
    department.name = "Nya förvaltningen"
    department.save()
    for url in (challenge.get_absolute_url(), reverse("challenges:list"), reverse("home")):
        assert "Nya förvaltningen" in client.get(url).text, url


def test_tags_merged_in_bulk_show_at_once(client, make_challenge, make_method):
    """Merging moves the tagged items in one statement, without the signals of a save."""
    from taggit.models import Tag

    from helsingborg_innovation.services import tags_merge

    challenge = make_challenge(tags=["cykel"])
    make_method(tags=["velo"])
    pages = [challenge.get_absolute_url(), reverse("tags:detail", kwargs={"slug": "velo"})]
    _cached(client, *pages)

    tags_merge(keep=Tag.objects.get(name="velo"), merged=[Tag.objects.get(name="cykel")])

    assert ">velo<" in client.get(challenge.get_absolute_url()).text
    assert challenge.title in client.get(pages[1]).text


def test_a_timeline_entry_added_and_an_attachment_removed_show_at_once(
    client, make_initiative, make_method
):
    """Both are edited inline in the admin, as rows of their own."""
    from django.core.files.base import ContentFile

    from initiatives.models import Phase, PhaseChange
    from methods.models import Attachment

    initiative, method = make_initiative(), make_method()
    attachment = Attachment.objects.create(
        method=method, title="Mallen att skriva ut", file=ContentFile(b"%PDF-1.4", name="a.pdf")
    )
    _cached(client, initiative.get_absolute_url(), method.get_absolute_url())

    PhaseChange.objects.create(
        initiative=initiative,
        date=timezone.localdate(),
        phase=Phase.PILOT,
        note="Piloten startar i Drottninghög",
    )
    assert "Piloten startar i Drottninghög" in client.get(initiative.get_absolute_url()).text
    _cached(client, method.get_absolute_url())

    attachment.delete()
    assert "Mallen att skriva ut" not in client.get(method.get_absolute_url()).text


def test_a_challenges_count_of_its_initiatives_follows_them_at_once(
    client, make_challenge, make_initiative
):
    """A challenge's page shows the newest of its initiatives and the count of all of them;
    an initiative taking it up, or leaving it, saves nothing of the challenge."""
    from helsingborg_innovation.listing import INITIATIVES_SHOWN

    challenge = make_challenge()
    for _ in range(INITIATIVES_SHOWN + 1):
        make_initiative(challenges=[challenge])
    url = challenge.get_absolute_url()
    _cached(client, url)
    assert f"Visa alla {INITIATIVES_SHOWN + 1} initiativ" in client.get(url).text

    newest = make_initiative(title="Det nyaste initiativet", challenges=[challenge])
    page = client.get(url).text
    assert "Det nyaste initiativet" in page
    assert f"Visa alla {INITIATIVES_SHOWN + 2} initiativ" in page
    _cached(client, url)

    newest.challenges.remove(challenge)
    page = client.get(url).text
    assert "Det nyaste initiativet" not in page
    assert f"Visa alla {INITIATIVES_SHOWN + 1} initiativ" in page


def test_an_initiative_stopped_joins_the_lessons_and_their_feed_at_once(client, make_initiative):
    from initiatives.models import Phase, StopReason

    initiative = make_initiative(title="Cykelpool för personalen")
    pages = [reverse("lessons:list"), reverse("feeds:lessons_rss")]
    _cached(client, *pages)

    initiative.phase = Phase.STOPPED
    initiative.stop_reason = StopReason.NO_EFFECT
    initiative.stop_explanation = "Få lånade cyklarna."
    initiative.lessons_learned = "Fråga personalen först."
    initiative.end_date = timezone.localdate()
    initiative.save()

    for url in pages:
        assert "Cykelpool för personalen" in client.get(url).text, url


def test_a_scheduled_challenge_appears_on_every_page_that_links_to_it_when_its_time_comes(
    client, make_challenge, make_method, monkeypatch
):
    """The pages of a method suggested for it and of its tag, and the search, list it from
    the moment it goes public, though nothing was saved then."""
    method = make_method(tags=["hamnen"])
    make_challenge(
        title="Schemalagd hamnutmaning",
        tags=["hamnen"],
        suggested_methods=[method],
        publish_at=timezone.now() + timedelta(hours=2),
    )
    pages = [
        method.get_absolute_url(),
        reverse("tags:detail", kwargs={"slug": "hamnen"}),
        reverse("search:results") + "?q=hamnutmaning",
        reverse("feeds:challenges_rss"),
    ]
    _cached(client, *pages)
    assert not any("Schemalagd hamnutmaning" in client.get(url).text for url in pages)

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", later.timestamp)

    for url in pages:
        assert "Schemalagd hamnutmaning" in client.get(url).text, url


def test_the_idea_form_closes_at_once_when_an_editor_ends_the_challenge_early(
    client, make_challenge
):
    challenge = make_challenge(open_until=timezone.localdate() + timedelta(days=30))
    form = reverse("contributions:create", kwargs={"slug": challenge.slug})
    client.get(form)
    assert client.get(form)["X-Page-Cache"] == "hit"

    challenge.open_until = timezone.localdate() - timedelta(days=1)
    challenge.save()

    response = client.get(form)
    assert 'name="title"' not in response.text
    assert "Den här utmaningen tar inte längre emot idéer" in response.text


def test_an_initiative_deleted_leaves_the_pages_of_the_ideas_that_led_to_it(
    client, make_challenge, make_initiative
):
    """Its ideas lose their link to it in one statement (SET NULL), without their signals."""
    from contributions.models import ContributionStatus

    challenge = make_challenge()
    initiative = make_initiative(title="Laddstolpar i Oceanhamnen")
    _idea(challenge, status=ContributionStatus.PUBLISHED, initiative=initiative)
    assert "Laddstolpar i Oceanhamnen" in client.get(challenge.get_absolute_url()).text

    initiative.delete()

    assert "Laddstolpar i Oceanhamnen" not in client.get(challenge.get_absolute_url()).text
