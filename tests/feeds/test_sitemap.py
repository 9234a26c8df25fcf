"""sitemap.xml follows the sitemap protocol, in both languages, with hreflang alternates."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge
from contributions.models import Contribution
from contributions.services import contribution_publish
from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative
from tests.statistics.conftest import make_idea  # noqa: F401 - a fixture

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
}


def _xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def _all_locations(client) -> tuple[list[str], list[ET.Element]]:
    index = _xml(client, reverse("sitemap"))
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    locations, urls = [], []
    for loc in index.findall("sm:sitemap/sm:loc", NS):
        assert loc.text.startswith("http://testserver/sitemap-")
        section = _xml(client, loc.text.removeprefix("http://testserver"))
        assert section.tag == f"{{{NS['sm']}}}urlset"
        for url in section.findall("sm:url", NS):
            urls.append(url)
            locations.append(url.find("sm:loc", NS).text)
    return locations, urls


def test_sitemap_lists_published_pages_in_both_languages(
    client, make_challenge, make_initiative, make_method
):
    challenge = make_challenge(slug="renare-luft")
    make_initiative(slug="solpaneler")
    make_method(slug="intervjuer")
    make_initiative(slug="utkastet", status=Status.DRAFT)
    make_initiative(slug="framtiden", publish_at=timezone.now() + timedelta(days=3))
    make_method(slug="arkivet", status=Status.ARCHIVED)
    locations, urls = _all_locations(client)
    assert "http://testserver/utmaningar/renare-luft/" in locations
    assert "http://testserver/en/challenges/renare-luft/" in locations
    assert "http://testserver/initiativ/solpaneler/" in locations
    assert "http://testserver/en/methods/intervjuer/" in locations
    assert "http://testserver/" in locations
    assert all(location.startswith("http://testserver/") for location in locations)
    assert not any(
        slug in location for location in locations for slug in ("utkastet", "framtiden", "arkivet")
    )
    url = next(u for u in urls if u.find("sm:loc", NS).text.endswith("/renare-luft/"))
    alternates = {link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", NS)}
    assert alternates == {
        "sv": "http://testserver" + challenge.get_absolute_url(),
        "en": "http://testserver/en/challenges/renare-luft/",
        "x-default": "http://testserver/utmaningar/renare-luft/",
    }
    assert url.find("sm:lastmod", NS) is not None


def test_sitemap_lists_the_statistics_and_the_open_data_in_both_languages(client, db):
    """Both are public pages, linked from every page's footer, and were missing from the
    sitemap that lists every published page."""
    locations, _urls = _all_locations(client)
    for path in ("/statistik/", "/en/statistics/", "/oppna-data/", "/en/open-data/"):
        assert "http://testserver" + path in locations


def test_a_scheduled_page_is_modified_when_it_goes_public(client, make_initiative):
    """Crawlers read a section again when the index's <lastmod> for it moves. An initiative
    saved on Monday to go public on Friday moved neither its own <lastmod> nor the index's, so
    a crawler that had read the section on Thursday did not come back for it."""
    now = timezone.now()
    earlier = make_initiative(slug="tidigare")
    Initiative.objects.filter(pk=earlier.pk).update(updated_at=now - timedelta(days=2))
    scheduled = make_initiative(slug="nytt-i-dag")
    went_public = now - timedelta(hours=1)
    Initiative.objects.filter(pk=scheduled.pk).update(
        updated_at=now - timedelta(days=4), publish_at=went_public
    )
    index = _xml(client, reverse("sitemap"))
    (section,) = [
        s for s in index.findall("sm:sitemap", NS) if "initiatives" in s.find("sm:loc", NS).text
    ]
    assert section.find("sm:lastmod", NS).text == timezone.localtime(went_public).isoformat()
    _locations, urls = _all_locations(client)
    url = next(u for u in urls if u.find("sm:loc", NS).text.endswith("/nytt-i-dag/"))
    assert url.find("sm:lastmod", NS).text == timezone.localdate(went_public).isoformat()


def test_a_page_of_the_sitemap_reads_only_its_own_items(client, make_challenge, monkeypatch):
    """Django's sitemaps made a pair of each item and language to page them: each page of the
    sitemap of a hundred thousand initiatives read all of them (2 s), and so did the index.
    A page reads its own items; the pages together list each item once in each language."""
    from helsingborg_innovation.sitemaps import PortalSitemap

    monkeypatch.setattr(PortalSitemap, "limit", 4)
    slugs = [make_challenge(slug=f"utmaning-nr-{n}").slug for n in range(5)]
    index = _xml(client, reverse("sitemap"))
    pages = [
        loc.text.removeprefix("http://testserver")
        for loc in index.findall("sm:sitemap/sm:loc", NS)
        if "challenges" in loc.text
    ]
    assert len(pages) == 3  # 5 challenges in 2 languages, 4 addresses a page
    locations = []
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            section = _xml(client, page)
        locations += [url.find("sm:loc", NS).text for url in section.findall("sm:url", NS)]
        read = [q["sql"] for q in queries if 'FROM "challenges_challenge"' in q["sql"]]
        assert read and all("LIMIT" in sql or "COUNT(" in sql for sql in read)
    expected = [
        f"http://testserver{path}{slug}/"
        for slug in sorted(slugs, key=lambda slug: int(slug.rsplit("-", 1)[1]))
        for path in ("/utmaningar/", "/en/challenges/")
    ]
    assert sorted(locations) == sorted(expected)
    assert len(locations) == len(set(locations)) == 10


def test_sitemap_lists_the_statistics_of_each_year_in_both_languages(client, make_initiative):
    """A year's statistics are a page of their own, canonical at ?year= (stats_views), and
    were missing from the sitemap; the years are those the dashboard offers."""
    this_year = timezone.localdate().year
    make_initiative(start_date=timezone.localdate().replace(year=this_year - 2, day=1))
    locations, _urls = _all_locations(client)
    for year in (this_year, this_year - 1, this_year - 2):
        assert f"http://testserver/statistik/?year={year}" in locations
        assert f"http://testserver/en/statistics/?year={year}" in locations
    assert f"http://testserver/statistik/?year={this_year - 3}" not in locations
    assert f"http://testserver/statistik/?year={this_year + 1}" not in locations


def test_sitemap_lists_the_page_of_each_tag_a_published_item_has(
    client, make_challenge, make_initiative, make_method
):
    """A tag's page is a page of its own (canonical, indexed) and was missing from the
    sitemap. A tag only drafts have has no page (404) and is not listed."""
    make_challenge(tags=["trafik"])
    make_initiative(tags=["energi"])
    make_method(tags=["workshop"])
    make_initiative(tags=["hemligt"], status=Status.DRAFT)
    locations, _urls = _all_locations(client)
    for slug in ("trafik", "energi", "workshop"):
        assert f"http://testserver/taggar/{slug}/" in locations
        assert f"http://testserver/en/tags/{slug}/" in locations
        assert client.get(f"/taggar/{slug}/").status_code == 200
    assert not any("hemligt" in location for location in locations)
    assert client.get("/taggar/hemligt/").status_code == 404


def test_a_tag_renamed_comes_into_the_cached_sitemap(client, settings, make_initiative):
    settings.PAGE_CACHE_ENABLED = True
    """A tag renamed (the vocabulary changes, no item) is listed at its new address at once."""
    from taggit.models import Tag

    make_initiative(tags=["energi"])
    section = reverse("sitemap_section", kwargs={"section": "tags"})
    assert b"/taggar/energi/" in client.get(section).content
    assert client.get(section)["X-Page-Cache"] == "hit"
    tag = Tag.objects.get(slug="energi")
    tag.name, tag.slug = "Förnybar energi", "fornybar-energi"
    tag.save()
    listed = client.get(section).content
    assert b"/taggar/fornybar-energi/" in listed
    assert b"/taggar/energi/" not in listed


def test_a_challenge_is_modified_when_an_idea_is_published_on_its_page(
    client,
    settings,
    make_challenge,
    make_idea,  # noqa: F811
    admin_user,
):
    """A challenge's page lists its published ideas: one published today is new content there,
    yet the challenge's <lastmod>, and the index's for the challenges, stayed at the day the
    challenge itself was last saved, and a crawler had no reason to read the page again."""
    settings.PAGE_CACHE_ENABLED = True
    now = timezone.now()
    challenge = make_challenge(slug="med-ideer")
    Challenge.objects.filter(pk=challenge.pk).update(
        updated_at=now - timedelta(days=10), publish_at=now - timedelta(days=20)
    )
    idea = make_idea(challenge=challenge, received=now - timedelta(days=3))
    section = reverse("sitemap_section", kwargs={"section": "challenges"})
    client.get(reverse("sitemap"))
    client.get(section)  # both kept in the page cache, then changed by the idea

    contribution_publish(contribution=idea, by=admin_user)
    published = Contribution.objects.get(pk=idea.pk).decided_at

    index = _xml(client, reverse("sitemap"))
    (entry,) = [
        s for s in index.findall("sm:sitemap", NS) if "challenges" in s.find("sm:loc", NS).text
    ]
    assert entry.find("sm:lastmod", NS).text == timezone.localtime(published).isoformat()
    urls = _xml(client, section).findall("sm:url", NS)
    url = next(u for u in urls if u.find("sm:loc", NS).text.endswith("/med-ideer/"))
    assert url.find("sm:lastmod", NS).text == timezone.localdate(published).isoformat()
