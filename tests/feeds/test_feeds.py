"""RSS 2.0 and Atom feeds parsed by a real feed parser: absolute links, nothing unpublished."""

from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from contributions.models import Contribution, ContributionStatus
from helsingborg_innovation.publishing import Status

FEEDS = [
    ("feeds:challenges_rss", "rss20"),
    ("feeds:challenges_atom", "atom10"),
    ("feeds:initiatives_rss", "rss20"),
    ("feeds:initiatives_atom", "atom10"),
    ("feeds:lessons_rss", "rss20"),
    ("feeds:lessons_atom", "atom10"),
]


@pytest.fixture
def content(make_challenge, make_initiative, make_method):
    future = timezone.now() + timedelta(days=2)
    for status, publish_at, label in (
        (Status.PUBLISHED, timezone.now() - timedelta(days=1), "Publicerad"),
        (Status.DRAFT, None, "Utkast"),
        (Status.PUBLISHED, future, "Schemalagd"),
        (Status.ARCHIVED, timezone.now() - timedelta(days=1), "Arkiverad"),
    ):
        make_challenge(title=f"{label} utmaning", status=status, publish_at=publish_at)
        make_initiative(
            title=f"{label} initiativ",
            status=status,
            publish_at=publish_at,
            phase="stopped",
            tags=["energi"],
        )


def _parse(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    return feedparser.parse(response.content)


@pytest.mark.parametrize(("name", "version"), FEEDS)
def test_feeds_parse_with_absolute_links_and_no_drafts(client, content, name, version):
    feed = _parse(client, reverse(name))
    assert feed.version == version
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.link.startswith("http://testserver/")
    assert len(feed.entries) == 1
    entry = feed.entries[0]
    assert "Publicerad" in entry.title
    assert entry.link.startswith("http://testserver/")
    for word in ("Utkast", "Schemalagd", "Arkiverad"):
        assert word not in str(feed)


def test_english_feed_links_english_pages(client, content):
    feed = _parse(client, "/en/feeds/initiatives.rss")
    assert feed.version == "rss20"
    assert feed.entries[0].link.startswith("http://testserver/en/initiatives/")


def test_lessons_feed_carries_the_lessons(client, make_initiative):
    make_initiative(
        title="Avslutat", phase="stopped", lessons_learned="Börja **smått**.<script>x</script>"
    )
    make_initiative(title="Utan lärdomar", lessons_learned="")
    feed = _parse(client, reverse("feeds:lessons_atom"))
    assert [entry.summary for entry in feed.entries] == ["<p>Börja <strong>smått</strong>.</p>"]


@pytest.mark.parametrize(("suffix", "version"), [("rss", "rss20"), ("atom", "atom10")])
def test_ideas_feed_shows_published_ideas_without_e_mail(client, make_challenge, suffix, version):
    challenge = make_challenge(title="Tryggare parker")
    common = {"challenge": challenge, "kind": "resident", "consent": True}
    Contribution.objects.create(
        title="Belysta stråk",
        text="Fler lampor.",
        name="Anna Synlig",
        email="anna@example.org",
        show_name=True,
        status=ContributionStatus.PUBLISHED,
        **common,
    )
    Contribution.objects.create(
        title="Anonym idé",
        text="Bänkar.",
        name="Bo Dold",
        email="bo@example.org",
        status=ContributionStatus.PUBLISHED,
        **common,
    )
    Contribution.objects.create(
        title="Väntar", text="Ej granskad.", status=ContributionStatus.PENDING, **common
    )
    response = client.get(reverse(f"feeds:ideas_{suffix}", kwargs={"slug": challenge.slug}))
    feed = feedparser.parse(response.content)
    assert feed.version == version
    assert sorted(entry.title for entry in feed.entries) == ["Anonym idé", "Belysta stråk"]
    assert all(entry.link.startswith("http://testserver/") for entry in feed.entries)
    text = response.content.decode()
    assert "example.org" not in text
    assert "Bo Dold" not in text
    assert "Anna Synlig" in text


def test_ideas_feed_of_a_draft_challenge_is_not_found(client, make_challenge):
    challenge = make_challenge(status=Status.DRAFT)
    response = client.get(reverse("feeds:ideas_rss", kwargs={"slug": challenge.slug}))
    assert response.status_code == 404
