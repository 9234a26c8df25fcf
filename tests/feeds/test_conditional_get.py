"""Feed readers and crawlers ask again with what the last answer gave them (its ETag, its
Last-Modified or both): they get 304 while nothing changed, and the feed or sitemap as it is
now once something left it."""

from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge
from contributions.models import ContributionStatus
from contributions.services import contribution_decline
from helsingborg_innovation.publishing import Status
from tests.statistics.conftest import make_idea  # noqa: F401 - a fixture


@pytest.fixture(params=[False, True], ids=["page cache off", "page cache on"])
def page_cache(request, settings):
    settings.PAGE_CACHE_ENABLED = request.param


def _conditional(first) -> dict:
    """Each conditional request a client can make of the first answer's validators."""
    asks = {}
    if first.has_header("ETag"):
        asks["If-None-Match"] = {"HTTP_IF_NONE_MATCH": first["ETag"]}
    if first.has_header("Last-Modified"):
        asks["If-Modified-Since"] = {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]}
    return asks


def _after_removal(client, url: str, gone: str, remove) -> dict:
    """The status of each conditional request after `remove` took `gone` out of `url`."""
    first = client.get(url)
    assert first.status_code == 200
    assert gone in first.content.decode()
    asks = _conditional(first)
    assert asks, "no validator to ask again with"
    for headers in asks.values():
        assert client.get(url, **headers).status_code == 304
    remove()
    answers = {}
    for name, headers in asks.items():
        again = client.get(url, **headers)
        answers[name] = again.status_code
        if again.status_code == 200:
            assert gone not in again.content.decode()
    return answers


def _all_fresh(answers: dict) -> None:
    assert answers and set(answers.values()) == {200}, answers


@pytest.mark.parametrize("name", ["feeds:challenges_rss", "feeds:challenges_atom"])
def test_a_challenge_taken_back_leaves_the_feed_of_readers_that_ask_again(
    client, page_cache, make_challenge, name
):
    make_challenge(title="Stannar kvar")
    leaving = make_challenge(title="Tas tillbaka")

    def unpublish():
        leaving.status = Status.DRAFT
        leaving.save()

    _all_fresh(_after_removal(client, reverse(name), "Tas tillbaka", unpublish))


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_a_declined_idea_leaves_the_ideas_feed_of_readers_that_ask_again(
    client,
    page_cache,
    make_challenge,
    make_idea,  # noqa: F811
    suffix,
):
    challenge = make_challenge()
    make_idea(challenge=challenge, title="Stannar kvar", status=ContributionStatus.PUBLISHED)
    leaving = make_idea(
        challenge=challenge, title="Avböjs i efterhand", status=ContributionStatus.PUBLISHED
    )
    url = reverse(f"feeds:ideas_{suffix}", kwargs={"slug": challenge.slug})

    def decline():
        contribution_decline(contribution=leaving, by=None, reason="duplicate")

    _all_fresh(_after_removal(client, url, "Avböjs i efterhand", decline))


def test_a_deleted_initiative_leaves_the_sitemap_of_crawlers_that_ask_again(
    client, page_cache, make_initiative
):
    make_initiative(slug="stannar-kvar")
    leaving = make_initiative(slug="tas-bort")
    url = reverse("sitemap_section", kwargs={"section": "initiatives"})
    _all_fresh(_after_removal(client, url, "/tas-bort/", leaving.delete))


def test_an_archived_initiative_leaves_the_lessons_feed_of_readers_that_ask_again(
    client, page_cache, make_initiative
):
    make_initiative(title="Stannar kvar", phase="stopped")
    leaving = make_initiative(title="Arkiveras", phase="stopped")

    def archive():
        leaving.status = Status.ARCHIVED
        leaving.save()

    _all_fresh(_after_removal(client, reverse("feeds:lessons_rss"), "Arkiveras", archive))


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_the_feed_of_a_challenge_without_ideas_is_the_same_until_one_comes(
    client, page_cache, make_challenge, suffix
):
    """Most challenges have no published idea yet. Their feeds were dated at the moment of
    each request, so the body and its ETag were new every time, and a reader never got 304
    without the page cache."""
    challenge = make_challenge()
    Challenge.objects.filter(pk=challenge.pk).update(updated_at=timezone.now() - timedelta(days=3))
    url = reverse(f"feeds:ideas_{suffix}", kwargs={"slug": challenge.slug})
    first = client.get(url)
    feed = feedparser.parse(first.content)
    assert feed.entries == []
    assert feed.feed.updated_parsed == challenge.publish_at.replace(microsecond=0).utctimetuple()
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
