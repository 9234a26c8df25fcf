"""RSS 2.0 and Atom feeds parsed by a real feed parser: absolute links, nothing unpublished."""

from datetime import timedelta
from xml.etree import ElementTree

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge
from contributions.models import Contribution, ContributionStatus
from helsingborg_innovation.feeds import ITEMS
from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative

ATOM = "{http://www.w3.org/2005/Atom}"
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


@pytest.mark.parametrize("name", ["feeds:ideas_rss", "feeds:ideas_atom"])
def test_the_ideas_feed_follows_its_challenge_to_a_new_slug(client, make_challenge, name):
    """The challenge's page kept its old address when an editor changed its slug, but its
    feed of ideas answered 404 there: every reader subscribed to it lost it, without a word."""
    challenge = make_challenge(slug="trygga-strak")
    old_address = reverse(name, kwargs={"slug": "trygga-strak"})
    challenge.slug = "tryggare-strak"
    challenge.save()

    response = client.get(old_address)

    assert response.status_code == 301
    assert response["Location"] == reverse(name, kwargs={"slug": "tryggare-strak"})
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("name", ["feeds:challenges_rss", "feeds:challenges_atom"])
def test_a_summary_is_text_not_markup(client, make_challenge, name):
    """A summary is plain text: a reader shows "<" as written, and runs no markup from it."""
    make_challenge(title="Jämförelse", summary="5 < 10 & <b>inte fet</b>")
    feed = _parse(client, reverse(name))
    assert feed.entries[0].summary == "5 &lt; 10 &amp; &lt;b&gt;inte fet&lt;/b&gt;"


def _published_idea(challenge, **fields) -> Contribution:
    return Contribution.objects.create(
        challenge=challenge,
        kind="resident",
        consent=True,
        status=ContributionStatus.PUBLISHED,
        decided_at=timezone.now(),
        **fields,
    )


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_an_idea_is_text_in_its_paragraphs(client, make_challenge, suffix):
    """What a resident typed reaches feed readers as the challenge page shows it: escaped,
    with its paragraphs. It was sent as markup: a reader ran the <img onerror> in it, and
    "a<b" became a broken tag."""
    challenge = make_challenge()
    _published_idea(
        challenge,
        title="Idé med tecken",
        text="Rad ett <img src=x onerror=alert(1)> och a<b\n\nAndra stycket",
    )
    response = client.get(reverse(f"feeds:ideas_{suffix}", kwargs={"slug": challenge.slug}))
    # Escaped once, "&lt;img" is an element to a reader; escaped twice, text.
    assert "&lt;img" not in response.content.decode().replace("&amp;lt;img", "")
    entry = feedparser.parse(response.content).entries[0]
    assert entry.summary == (
        "<p>Rad ett &lt;img src=x onerror=alert(1)&gt; och a&lt;b</p>\n\n<p>Andra stycket</p>"
    )


def test_each_idea_in_atom_has_an_iri_for_id_and_a_time_it_was_updated(client, make_challenge):
    """RFC 4287 asks of every entry one atom:updated and an IRI as atom:id; the ideas' entries
    had no updated and their reference ("HBG-…") as id. The IRI is a tag: URI (RFC 4151), not
    the idea's address, which changed with its challenge's slug."""
    challenge = make_challenge()
    _published_idea(challenge, title="Första", text="Ett")
    _published_idea(challenge, title="Andra", text="Två")
    feed = _parse(client, reverse("feeds:ideas_atom", kwargs={"slug": challenge.slug}))
    assert len(feed.entries) == 2
    ids = [entry.id for entry in feed.entries]
    assert len(set(ids)) == 2
    assert all(i.startswith("tag:") for i in ids)
    assert all(entry.updated_parsed for entry in feed.entries)


def _date(entry, name: str):
    """The date a reader orders the entry by: Atom's <updated>, RSS's <pubDate>."""
    return entry.updated_parsed if name.endswith("_atom") else entry.published_parsed


@pytest.mark.parametrize(
    ("name", "phase"),
    [
        ("feeds:initiatives_rss", "pilot"),
        ("feeds:initiatives_atom", "pilot"),
        ("feeds:lessons_rss", "stopped"),
        ("feeds:lessons_atom", "stopped"),
    ],
)
def test_a_scheduled_initiative_is_new_when_it_goes_public(client, make_initiative, name, phase):
    """An editor saves an initiative on Monday to go public on Friday. On Friday the feeds of
    new and changed initiatives dated it Monday, under everything changed in between, and
    left it out when thirty initiatives had changed since."""
    now = timezone.now()
    for n in range(30):
        changed = make_initiative(title=f"Ändrat {n}", phase=phase)
        Initiative.objects.filter(pk=changed.pk).update(updated_at=now - timedelta(days=2))
    scheduled = make_initiative(title="Nytt i dag", phase=phase)
    Initiative.objects.filter(pk=scheduled.pk).update(
        updated_at=now - timedelta(days=4), publish_at=now - timedelta(hours=1)
    )
    feed = _parse(client, reverse(name))
    assert len(feed.entries) == 30
    first = feed.entries[0]
    assert "Nytt i dag" in first.title
    assert _date(first, name) == (now - timedelta(hours=1)).replace(microsecond=0).utctimetuple()


@pytest.mark.parametrize("name", ["feeds:challenges_rss", "feeds:challenges_atom"])
def test_a_scheduled_challenge_is_updated_no_earlier_than_it_went_public(
    client, make_challenge, name
):
    """Atom readers order entries by their <updated>: a challenge saved on Monday to go public
    on Friday was published on Friday but updated on Monday."""
    now = timezone.now()
    scheduled = make_challenge(title="Ny utmaning")
    Challenge.objects.filter(pk=scheduled.pk).update(
        updated_at=now - timedelta(days=4), publish_at=now - timedelta(hours=1)
    )
    (entry,) = _parse(client, reverse(name)).entries
    assert _date(entry, name) == (now - timedelta(hours=1)).replace(microsecond=0).utctimetuple()


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_a_control_character_pasted_into_an_idea_leaves_its_feed_readable(
    client, make_challenge, suffix
):
    """Word's line break (Shift+Enter) is a vertical tab, which XML 1.0 cannot hold: one such
    idea published, or a title pasted into the admin, made its feed a server error for
    everyone. The challenge's page showed it."""
    challenge = make_challenge(title="Tryggare\x0bparker", tags=["ljus\x08"])
    _published_idea(
        challenge,
        title="Idé\x0bfrån Word",
        text="Rad ett\x0bRad två\x0c\x1bslut",
        name="Anna\x07 Synlig",
        show_name=True,
    )
    ideas = _parse(client, reverse(f"feeds:ideas_{suffix}", kwargs={"slug": challenge.slug}))
    assert not ideas.bozo, ideas.bozo_exception
    (entry,) = ideas.entries
    assert entry.title == "Idé\nfrån Word"
    assert entry.summary == "<p>Rad ett\nRad två\nslut</p>"
    assert entry.author == "Anna Synlig"
    assert ideas.feed.title == "Idéer till: Tryggare\nparker"
    challenges = _parse(client, reverse(f"feeds:challenges_{suffix}"))
    assert not challenges.bozo, challenges.bozo_exception
    assert challenges.entries[0].title == "Tryggare\nparker"
    assert [tag.term for tag in challenges.entries[0].tags] == ["ljus"]


@pytest.mark.parametrize(
    "name", ["feeds:challenges_atom", "feeds:initiatives_atom", "feeds:lessons_atom"]
)
def test_an_atom_feed_names_the_city_as_its_author(client, content, name):
    """RFC 4287 asks for an author of the feed or of each of its entries: the feeds had none,
    and feed validators rejected them."""
    response = client.get(reverse(name))
    root = ElementTree.fromstring(response.content)
    assert [author.findtext(f"{ATOM}name") for author in root.findall(f"{ATOM}author")] == [
        "Helsingborgs stad"
    ]
    assert "<author><name>Helsingborgs stad</name></author>" in response.content.decode()


def test_an_ideas_atom_feed_is_the_citys_and_each_idea_keeps_its_own_author(client, make_challenge):
    """The feed is the city's; each idea's entry still names who sent it, as the challenge's
    page does, which a reader shows instead of the feed's author."""
    challenge = make_challenge()
    _published_idea(challenge, title="Med namn", text="Ett", name="Anna Synlig", show_name=True)
    _published_idea(challenge, title="Utan namn", text="Två", name="Bo Dold")
    response = client.get(reverse("feeds:ideas_atom", kwargs={"slug": challenge.slug}))
    root = ElementTree.fromstring(response.content)
    assert [author.findtext(f"{ATOM}name") for author in root.findall(f"{ATOM}author")] == [
        "Helsingborgs stad"
    ]
    authors = {
        entry.findtext(f"{ATOM}title"): entry.findtext(f"{ATOM}author/{ATOM}name")
        for entry in root.findall(f"{ATOM}entry")
    }
    assert authors == {"Med namn": "Anna Synlig", "Utan namn": "En invånare"}


def _idea_received_and_published(challenge, title: str, received, published) -> Contribution:
    idea = _published_idea(challenge, title=title, text="Text")
    Contribution.objects.filter(pk=idea.pk).update(created_at=received, decided_at=published)
    return idea


@pytest.mark.parametrize("suffix", ["rss", "atom"])
def test_an_old_idea_published_today_comes_first_in_its_challenges_feed(
    client, make_challenge, suffix
):
    """An idea sent two months ago and published today is news to the feed's readers: it came
    last, dated the day it was sent, and fell out of a feed of thirty newer ideas unseen."""
    now = timezone.now()
    challenge = make_challenge()
    _idea_received_and_published(
        challenge, "Publicerad i går", now - timedelta(days=2), now - timedelta(days=1)
    )
    # Published before decisions were timed: dated when it arrived.
    idea = _published_idea(challenge, title="Utan beslutstid", text="Text")
    Contribution.objects.filter(pk=idea.pk).update(
        created_at=now - timedelta(hours=5), decided_at=None
    )
    _idea_received_and_published(
        challenge, "Gammal, publicerad i dag", now - timedelta(days=60), now - timedelta(hours=1)
    )

    feed = _parse(client, reverse(f"feeds:ideas_{suffix}", kwargs={"slug": challenge.slug}))

    assert [entry.title for entry in feed.entries] == [
        "Gammal, publicerad i dag",
        "Utan beslutstid",
        "Publicerad i går",
    ]
    published = (now - timedelta(hours=1)).replace(microsecond=0).utctimetuple()
    assert feed.entries[0].published_parsed == published


def test_a_challenges_feed_holds_its_most_recently_published_ideas(client, make_challenge):
    """More ideas than a feed holds: it holds the most recently published, whenever they
    were sent."""
    now = timezone.now()
    challenge = make_challenge()
    for n in range(ITEMS):
        _idea_received_and_published(
            challenge, f"Idé {n}", now - timedelta(days=10, hours=n), now - timedelta(days=n + 1)
        )
    _idea_received_and_published(
        challenge, "Sent länge sedan", now - timedelta(days=400), now - timedelta(minutes=5)
    )

    feed = _parse(client, reverse("feeds:ideas_atom", kwargs={"slug": challenge.slug}))

    titles = [entry.title for entry in feed.entries]
    assert titles == ["Sent länge sedan"] + [f"Idé {n}" for n in range(ITEMS - 1)]


ALL_FEEDS = [name for name, _version in FEEDS]


def _ids(client, url: str) -> list[str]:
    feed = _parse(client, url)
    assert not feed.bozo, feed.bozo_exception
    return [entry.id for entry in feed.entries]


@pytest.fixture
def site_url(settings):
    """The site's address, whose domain the ids are minted in, whatever host was asked."""
    settings.SITE_URL = "https://innovation.helsingborg.se"


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_an_entry_keeps_its_id_when_its_slug_is_changed(
    client, make_challenge, make_initiative, site_url, name
):
    """An entry's id was its page's address: when an editor changed a slug, every feed reader
    showed the item again as a new one. The id is now a tag: URI (RFC 4151) of the site's
    domain, the day the item was created and its number, which no rename changes."""
    if name.startswith("feeds:challenges"):
        item = make_challenge(slug="gamla-namnet")
    else:
        item = make_initiative(slug="gamla-namnet", lessons_learned="Börja smått.")
    (before,) = _ids(client, reverse(name))

    item.slug = "nya-namnet"
    item.save()
    (after,) = _ids(client, reverse(name))

    assert after == before
    assert "namnet" not in after
    day, kind = f"{item.created_at:%Y-%m-%d}", item._meta.model_name
    lessons = "/lessons" if "lessons" in name else ""
    assert after == f"tag:innovation.helsingborg.se,{day}:{kind}/{item.pk}{lessons}"


@pytest.mark.parametrize("name", ["feeds:ideas_rss", "feeds:ideas_atom"])
def test_an_idea_keeps_its_id_when_its_challenges_slug_is_changed(
    client, make_challenge, site_url, name
):
    """An idea's id was its address on its challenge's page, slug and all."""
    challenge = make_challenge(slug="gamla-namnet")
    idea = _published_idea(challenge, title="Belysta stråk", text="Fler lampor.")
    (before,) = _ids(client, reverse(name, kwargs={"slug": "gamla-namnet"}))

    challenge.slug = "nya-namnet"
    challenge.save()
    (after,) = _ids(client, reverse(name, kwargs={"slug": "nya-namnet"}))

    assert after == before
    assert (
        after == f"tag:innovation.helsingborg.se,{idea.created_at:%Y-%m-%d}:contribution/{idea.pk}"
    )


@pytest.mark.parametrize("name", ALL_FEEDS)
def test_an_entry_still_links_its_page(client, make_challenge, make_initiative, name):
    """The id is no address; the link still is the item's page."""
    if name.startswith("feeds:challenges"):
        item = make_challenge(slug="sidan")
    else:
        item = make_initiative(slug="sidan", lessons_learned="Börja smått.")
    (entry,) = _parse(client, reverse(name)).entries
    assert entry.link == "http://testserver" + item.get_absolute_url()


def test_a_lesson_and_its_initiative_are_entries_of_their_own(client, make_initiative):
    """RFC 4287: an id names one entry. The lessons of an initiative and the initiative had
    the same id (its address), so a reader following both feeds saw one entry in two forms."""
    make_initiative(slug="sidan", lessons_learned="Börja smått.")
    (initiative,) = _ids(client, reverse("feeds:initiatives_atom"))
    (lesson,) = _ids(client, reverse("feeds:lessons_atom"))
    assert lesson != initiative
