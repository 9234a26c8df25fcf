"""What the search area adds to the pages of others: feed links, canonical, Open Graph,
JSON-LD under the CSP nonce, related initiatives, lessons that mention a method, tag pages."""

import json
import re

from django.urls import reverse


def _nonce(response) -> str:
    header = response.headers["Content-Security-Policy"]
    return re.search(r"'nonce-([^']+)'", header).group(1)


def _json_ld(html: str, nonce: str) -> dict:
    match = re.search(
        rf'<script type="application/ld\+json" nonce="{re.escape(nonce)}">(.*?)</script>',
        html,
        re.S,
    )
    assert match, "no JSON-LD with the response's nonce"
    return json.loads(match.group(1))


def test_initiative_detail_has_seo_meta_and_related(client, make_initiative):
    initiative = make_initiative(title="Solceller på taken", slug="solceller", tags=["energi"])
    related = make_initiative(title="Vindkraft i hamnen", tags=["energi"])
    response = client.get(initiative.get_absolute_url())
    html = response.content.decode()
    assert '<link rel="canonical" href="http://testserver/initiativ/solceller/">' in html
    assert '<meta property="og:title" content="Solceller på taken">' in html
    data = _json_ld(html, _nonce(response))
    assert data["@type"] == "Project"
    assert data["name"] == "Solceller på taken"
    assert 'type="application/rss+xml"' in html
    assert f'<a href="{related.get_absolute_url()}">Vindkraft i hamnen</a>' in html
    assert reverse("tags:detail", kwargs={"slug": "energi"}) in html


def test_challenge_detail_links_its_ideas_feed(client, make_challenge):
    challenge = make_challenge(slug="renare-luft")
    response = client.get(challenge.get_absolute_url())
    html = response.content.decode()
    assert reverse("feeds:ideas_rss", kwargs={"slug": "renare-luft"}) in html
    assert reverse("feeds:ideas_atom", kwargs={"slug": "renare-luft"}) in html
    assert _json_ld(html, _nonce(response))["@type"] == "CreativeWork"


def test_method_detail_shows_lessons_that_mention_it(client, make_method, make_initiative):
    method = make_method(title="Tjänstedesign")
    make_initiative(title="Lärorikt försök", lessons_learned="Tjänstedesign hjälpte oss.")
    response = client.get(method.get_absolute_url())
    html = response.content.decode()
    assert "Lärorikt försök" in html
    assert _json_ld(html, _nonce(response))["@type"] == "LearningResource"


def test_lists_link_their_feeds(client, db):
    for name, feed in (
        ("challenges:list", "feeds:challenges_atom"),
        ("initiatives:list", "feeds:initiatives_atom"),
        ("lessons:list", "feeds:lessons_atom"),
        ("home", "feeds:challenges_rss"),
    ):
        html = client.get(reverse(name)).content.decode()
        assert f'href="{reverse(feed)}"' in html, name


def test_header_links_to_search(client, db):
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("search:results")}"' in html
