"""Canonical links, Open Graph, JSON-LD, feed links and related content (template tags)."""

import json
import re
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone, translation

from challenges.models import Challenge
from helsingborg_innovation.publishing import Status
from helsingborg_innovation.templatetags.seo import lessons_mentioning, related_initiatives_of
from initiatives.models import Initiative
from methods.models import Method


def _render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    with translation.override("sv"):
        template = Template("{% load seo %}" + source)
        return template.render(Context({"request": request, **context}))


def test_seo_meta_has_og_and_escaped_json_ld(make_initiative):
    initiative = make_initiative(
        title="Solceller </script><script>alert(1)</script>",
        slug="solceller",
        summary='Tak & "sol"',
        tags=["energi"],
    )
    html = _render("{% seo_meta object %}", object=initiative, csp_nonce="abc123")
    # The canonical link is the page's own (page_addresses), which names a page of its ideas.
    assert 'rel="canonical"' not in html
    assert '<meta property="og:url" content="http://testserver/initiativ/solceller/">' in html
    assert '<meta property="og:title" content="Solceller &lt;/script&gt;' in html
    assert '<meta property="og:description" content="Tak &amp; &quot;sol&quot;">' in html
    match = re.search(
        r'<script type="application/ld\+json" nonce="abc123">(.*?)</script>', html, re.S
    )
    assert match, html
    assert "<" not in match.group(1)
    data = json.loads(match.group(1))
    assert data["@type"] == "Project"
    assert data["name"] == "Solceller </script><script>alert(1)</script>"
    assert data["url"] == "http://testserver/initiativ/solceller/"
    assert data["keywords"] == ["energi"]
    assert html.count("<script") == 1


def test_feed_links():
    html = _render('{% feed_links "initiatives" "lessons" %}')
    assert 'type="application/rss+xml"' in html
    assert 'type="application/atom+xml"' in html
    assert html.count('<link rel="alternate"') == 4


def test_related_initiatives_share_tags_goals_or_department(make_initiative, make_department, goal):
    department = make_department()
    other = make_department()
    base = make_initiative(owner_department=department, tags=["energi", "sol"], goals=[goal])
    two_tags = make_initiative(owner_department=other, tags=["energi", "sol"])
    same_goal = make_initiative(owner_department=other, goals=[goal])
    same_department = make_initiative(owner_department=department)
    make_initiative(owner_department=other, tags=["vatten"])
    make_initiative(owner_department=department, status="draft")
    related = list(related_initiatives_of(base))
    assert related[0] == two_tags
    assert set(related) == {two_tags, same_goal, same_department}


def test_related_initiatives_tag_renders(make_initiative):
    base = make_initiative(tags=["energi"])
    other = make_initiative(title="Vindkraft", tags=["energi"])
    html = _render("{% related_initiatives object %}", object=base)
    assert f'href="/initiativ/{other.slug}/">Vindkraft</a>' in html
    assert "<h2" in html


def test_related_initiatives_follow_every_change_at_once(make_initiative):
    """The list is kept between visits, but a new initiative, a new tag on one, or one taken
    down shows on the very next visit."""
    base = make_initiative(tags=["energi"])
    assert "Vindkraft" not in _render("{% related_initiatives object %}", object=base)
    other = make_initiative(title="Vindkraft", tags=["energi"])
    assert "Vindkraft" in _render("{% related_initiatives object %}", object=base)
    tagged = make_initiative(title="Solceller")
    tagged.tags.add("energi")
    assert "Solceller" in _render("{% related_initiatives object %}", object=base)
    other.status = Status.DRAFT
    other.save()
    html = _render("{% related_initiatives object %}", object=base)
    assert "Vindkraft" not in html
    assert "Solceller" in html


def test_lessons_that_mention_a_method(make_method, make_initiative):
    method = make_method(title="Tjänstedesign")
    used = make_initiative(phase="stopped", methods=[method])
    named = make_initiative(lessons_learned="Vi borde ha använt tjänstedesign tidigare.")
    make_initiative(lessons_learned="Inget om metoden.")
    make_initiative(methods=[method], lessons_learned="")
    assert set(lessons_mentioning(method)) == {used, named}


@pytest.mark.parametrize(
    ("maker", "model"),
    [("make_challenge", Challenge), ("make_initiative", Initiative), ("make_method", Method)],
)
def test_json_ld_of_an_item_published_after_its_last_edit_is_modified_when_it_went_public(
    client, request, maker, model
):
    """An editor saves on Monday what goes public on Friday. Its page told search engines it
    was modified on Monday, before it was published, where the sitemap says Friday."""
    now = timezone.now()
    item = request.getfixturevalue(maker)(slug="schemalagd")
    model.objects.filter(pk=item.pk).update(
        updated_at=now - timedelta(days=4), publish_at=now - timedelta(hours=1)
    )
    item.refresh_from_db()

    response = client.get(item.get_absolute_url())

    match = re.search(rb'<script type="application/ld\+json"[^>]*>(.*?)</script>', response.content)
    data = json.loads(match.group(1))
    went_public = DjangoJSONEncoder().default(item.public_change_at)
    assert went_public == DjangoJSONEncoder().default(now - timedelta(hours=1))
    assert data["datePublished"] == went_public
    assert data["dateModified"] == went_public
