"""The empty idea form comes from the page cache, with a CSRF token and a signed time of each
visitor's own, and every visitor can still send it."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from contributions.models import Contribution
from helsingborg_innovation import pagecache


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.CONTRIBUTION_MIN_SECONDS = 0


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def _visit(url):
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(url)
    assert response.status_code == 200
    return visitor, response


def test_every_visitor_gets_tokens_of_their_own_from_the_cached_form(
    make_challenge, form_data, django_capture_on_commit_callbacks
):
    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    first, first_page = _visit(url)
    second, second_page = _visit(url)
    assert (first_page["X-Page-Cache"], second_page["X-Page-Cache"]) == ("miss", "hit")
    assert second_page["Cache-Control"].startswith("max-age=0, no-cache, no-store")

    tokens = [_hidden(page.text, "csrfmiddlewaretoken") for page in (first_page, second_page)]
    times = [_hidden(page.text, "started") for page in (first_page, second_page)]
    assert tokens[0] != tokens[1] and times[0] != times[1]
    assert "csrftoken" in second_page.cookies
    assert tokens[0] not in second_page.text and times[0] not in second_page.text
    assert "\x00" not in second_page.text

    for visitor, page, title in ((first, first_page, "Första"), (second, second_page, "Andra")):
        data = form_data(title=title)
        data["csrfmiddlewaretoken"] = _hidden(page.text, "csrfmiddlewaretoken")
        data["started"] = _hidden(page.text, "started")
        with django_capture_on_commit_callbacks(execute=True):
            response = visitor.post(url, data)
        assert response.status_code == 302, response.content[:500]
    assert sorted(Contribution.objects.values_list("title", flat=True)) == ["Andra", "Första"]


def test_the_kept_copy_holds_no_visitors_token(make_challenge, rf):
    from django.utils import translation

    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    _visitor, page = _visit(url)
    token, started = _hidden(page.text, "csrfmiddlewaretoken"), _hidden(page.text, "started")
    with translation.override("sv"):
        copy = cache.get(pagecache._page_key(rf.get(url)))
    content = copy[2]
    assert b"csrfmiddlewaretoken" in content
    assert token.encode() not in content and started.encode() not in content


def test_a_closed_challenge_shows_at_once(make_challenge):
    from datetime import timedelta

    from django.utils import timezone

    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    _visit(url)
    assert _visit(url)[1]["X-Page-Cache"] == "hit"
    challenge.open_until = timezone.localdate() - timedelta(days=1)
    challenge.save()
    response = Client().get(url)
    assert 'name="csrfmiddlewaretoken"' not in response.text
    assert response["X-Page-Cache"] == "miss"


def test_staff_and_unknown_challenges_bypass_the_cache(client, editor, make_challenge):
    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    assert client.get(reverse("contributions:create", args=["finns-inte"])).status_code == 404
    client.force_login(editor)
    assert "X-Page-Cache" not in client.get(url)


def test_a_page_with_a_token_but_no_place_for_it_is_never_kept(db, rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    def view(request):
        return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')

    request = rf.get("/x/")
    request.user = AnonymousUser()
    pagecache.serve(request, (), view)
    assert pagecache.serve(rf.get("/x/"), (), view)["X-Page-Cache"] == "miss"
