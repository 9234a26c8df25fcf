"""{% once %}: the site's frame (navigation, footer) rendered once per worker and language."""

from datetime import date, timedelta

from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import translation


class Counted:
    """Text that counts how often it is rendered."""

    def __init__(self):
        self.renderings = 0

    def __str__(self):
        self.renderings += 1
        return f"rendering {self.renderings}"


def _template(body):
    return engines["django"].from_string("{% load i18n portal %}" + body)


def test_a_block_is_rendered_once_per_language_and_values(settings):
    settings.DEBUG = False
    template = _template(
        '{% once section %}{{ counted }} {% translate "Challenges" %} {{ section }}{% endonce %}'
    )
    counted = Counted()
    with translation.override("sv"):
        first = template.render({"counted": counted, "section": "a"})
        assert template.render({"counted": counted, "section": "a"}) == first
        other_section = template.render({"counted": counted, "section": "b"})
    with translation.override("en"):
        english = template.render({"counted": counted, "section": "a"})
        assert template.render({"counted": counted, "section": "a"}) == english
    assert first == "rendering 1 Utmaningar a"
    assert other_section == "rendering 2 Utmaningar b"
    assert english == "rendering 3 Challenges a"
    assert counted.renderings == 3


def test_with_debug_on_a_block_is_rendered_each_time(settings):
    """Under runserver, translations compiled anew show without a restart."""
    settings.DEBUG = True
    template = _template("{% once %}{{ counted }}{% endonce %}")
    counted = Counted()
    template.render({"counted": counted})
    assert template.render({"counted": counted}) == "rendering 2"


def test_a_block_with_endless_values_stops_keeping_them(settings):
    from helsingborg_innovation.templatetags import portal

    settings.DEBUG = False
    template = _template("{% once n %}{{ n }}{% endonce %}")
    for n in range(portal.ONCE_LIMIT + 10):
        assert template.render({"n": n}) == str(n)
    [node] = [node for node in template.template.nodelist if isinstance(node, portal.OnceNode)]
    assert len(node.rendered) == portal.ONCE_LIMIT


def test_the_navigation_marks_the_section_of_each_page_in_each_language(db):
    client = Client()
    for path, current in [
        ("/utmaningar/", "Utmaningar"),
        ("/initiativ/", "Initiativ"),
        ("/en/challenges/", "Challenges"),
        ("/utmaningar/", "Utmaningar"),
        ("/om/", None),
        ("/en/initiatives/", "Initiatives"),
    ]:
        html = client.get(path).text
        links = [line for line in html.splitlines() if "site-nav__link" in line]
        marked = [line for line in links if "aria-current" in line]
        if current is None:
            assert marked == []
        else:
            assert len(marked) == 1 and f">{current}</a>" in marked[0], (path, marked)


def test_a_block_is_rendered_each_time_its_condition_holds(settings):
    """The idea form's fields: the same for everyone while empty, not once sent back."""
    settings.DEBUG = False
    template = _template("{% once unless sent %}{{ counted }}{% endonce %}")
    counted = Counted()
    assert template.render({"counted": counted, "sent": False}) == "rendering 1"
    assert template.render({"counted": counted, "sent": False}) == "rendering 1"
    assert template.render({"counted": counted, "sent": True}) == "rendering 2"
    assert template.render({"counted": counted, "sent": True}) == "rendering 3"
    assert template.render({"counted": counted, "sent": False}) == "rendering 1"


def test_a_condition_must_follow_unless():
    import pytest
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError):
        _template("{% once unless %}x{% endonce %}")
    with pytest.raises(TemplateSyntaxError):
        _template("{% once unless a b %}x{% endonce %}")


def test_the_idea_form_under_a_challenge_marks_the_challenges_section(settings, make_challenge):
    """The form sits at /utmaningar/<slug>/bidra/, reached from the challenge: the menu said
    the visitor was in no section at all."""
    settings.DEBUG = False
    client = Client()
    open_challenge = make_challenge()
    closed_challenge = make_challenge(open_until=date.today() - timedelta(days=1))
    for challenge, language in [
        (open_challenge, "sv"),
        (open_challenge, "en"),
        (closed_challenge, "sv"),
    ]:
        with translation.override(language):
            path = reverse("contributions:create", args=[challenge.slug])
        html = client.get(path).text
        marked = [
            line
            for line in html.splitlines()
            if "site-nav__link" in line and "aria-current" in line
        ]
        assert len(marked) == 1 and reverse_in(language, "challenges:list") in marked[0], (
            path,
            marked,
        )


def reverse_in(language: str, name: str) -> str:
    with translation.override(language):
        return f'href="{reverse(name)}"'


def test_the_footer_marks_the_page_a_visitor_is_on(settings, db):
    """A screen reader user who followed "Om Innovation Helsingborg" in the footer heard
    nothing telling them the link led to the page they were on."""
    settings.DEBUG = False
    client = Client()
    for path, current in [
        ("/om/", "Om Innovation Helsingborg"),
        ("/", None),
        ("/en/accessibility/", "Accessibility statement"),
        ("/om/", "Om Innovation Helsingborg"),
        ("/en/", None),
        ("/statistik/", "Statistik och effekter"),
    ]:
        html = client.get(path).text
        links = [line for line in html.splitlines() if 'class="site-footer__link"' in line]
        marked = [line for line in links if "aria-current" in line]
        assert len(links) == 5, path
        if current is None:
            assert marked == [], path
        else:
            assert len(marked) == 1 and f'aria-current="page">{current}</a>' in marked[0], (
                path,
                marked,
            )
