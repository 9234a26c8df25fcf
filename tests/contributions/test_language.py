"""The language an idea was sent in: recorded from the form's page, shown to moderators, and
marked on every page in the other language (WCAG 3.1.2), as what staff write is."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from contributions.models import Contribution, ContributionStatus


def _send(client, url, data, capture) -> Contribution:
    with capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    return Contribution.objects.latest("pk")


def test_an_idea_records_the_language_of_the_form_it_was_sent_from(
    client, make_challenge, form_data, moderator, django_capture_on_commit_callbacks
):
    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    swedish = _send(client, url, form_data(), django_capture_on_commit_callbacks)
    with translation.override("en"):
        url = reverse("contributions:create", args=[challenge.slug])
    assert url.startswith("/en/")
    english = _send(
        client,
        url,
        form_data(title="More benches", text="Older people need a rest."),
        django_capture_on_commit_callbacks,
    )
    assert (swedish.language, english.language) == ("sv", "en")

    # The moderator sees it, to answer in the sender's language.
    client.force_login(moderator)
    change = client.get(reverse("admin:contributions_contribution_change", args=[english.pk]))
    assert re.search(r"Formulärets språk.*?Engelska", change.text, re.S)


@pytest.fixture
def ideas(make_challenge, make_initiative, make_contribution):
    challenge = make_challenge(slug="battre-hamn")
    initiative = make_initiative(slug="bankar", challenges=[challenge])
    common = {"challenge": challenge, "initiative": initiative}
    published = ContributionStatus.PUBLISHED
    swedish = make_contribution(title="Fler bänkar", language="sv", status=published, **common)
    english = make_contribution(title="More benches", language="en", status=published, **common)
    unknown = make_contribution(title="Äldre idé", language="", status=published, **common)
    return challenge, initiative, {"sv": swedish, "en": english, "": unknown}


def _marks(html: str, title: str) -> set[str]:
    """The lang attributes of an idea's title and text on a page ("" for none)."""
    heading = re.search(rf"<h[23]([^>]*)>{re.escape(title)}</h[23]>", html)
    after = html[heading.end() :]
    text = re.search(r'<div class="(?:idea__text|contribution-status__text)"([^>]*)>', after)
    return {
        (m.group(1) if (m := re.search(r'lang="(\w+)"', attrs)) else "")
        for attrs in (heading.group(1), text.group(1))
    }


@pytest.mark.parametrize("language", ["sv", "en"])
def test_an_idea_in_the_other_language_than_the_page_is_marked_with_its_own(
    client, ideas, language
):
    """A screen reader read an English idea on a Swedish page with a Swedish voice, and a
    Swedish idea on an English page as English words. An idea sent before the language was
    recorded counts as written in Swedish, as the site's own content."""
    challenge, initiative, sent = ideas
    with translation.override(language):
        urls = [
            challenge.get_absolute_url(),
            initiative.get_absolute_url(),
            sent["en"].get_absolute_url(),
        ]
    other = "en" if language == "sv" else "sv"
    for url in urls[:2]:
        html = client.get(url).text
        assert _marks(html, sent[language].title) == {""}
        assert _marks(html, sent[other].title) == {other}
        assert _marks(html, sent[""].title) == {"" if language == "sv" else "sv"}
    # The sender's own page of the idea.
    status = client.get(urls[2]).text
    assert _marks(status, "More benches") == {"" if language == "en" else "en"}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_search_marks_an_idea_with_its_own_language(client, ideas, language):
    with translation.override(language):
        url = reverse("search:results")
    html = client.get(url, {"q": "benches", "kind": "idea"}).text
    title = re.search(r'<h3 class="card__title"><a href="[^"]+"([^>]*)>More benches</a>', html)
    assert title.group(1) == ("" if language == "en" else ' lang="en"')


def _answer_marks(html: str) -> dict[str, str]:
    """Each answer on a page, by its text, with its lang attribute ("" for none)."""
    found = re.findall(r'<div(?: class="answer")?((?: lang="\w+")?)><p>([^<]+)</p></div>', html)
    return {text: attrs.removeprefix(' lang="').removesuffix('"') for attrs, text in found}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_citys_answer_is_marked_with_the_language_of_the_idea_it_answers(
    client, ideas, language
):
    """Moderators see the language of the form and answer in it: an answer to an idea from the
    English form, in English, was marked as Swedish on every page, and read by a screen reader
    with a Swedish voice on the sender's own page in English."""
    challenge, initiative, sent = ideas
    for idea, answer in [
        (sent["en"], "Thank you, we are testing benches this spring."),
        (sent["sv"], "Tack, vi testar bänkar i vår."),
        (sent[""], "Tack för idén."),
    ]:
        idea.public_answer = answer
        idea.save(update_fields=["public_answer"])
    other = "en" if language == "sv" else "sv"
    expected = {
        "Thank you, we are testing benches this spring.": "" if language == "en" else "en",
        "Tack, vi testar bänkar i vår.": "" if language == "sv" else "sv",
        "Tack för idén.": "" if language == "sv" else "sv",
    }
    with translation.override(language):
        urls = [challenge.get_absolute_url(), initiative.get_absolute_url()]
        status_urls = {code: sent[code].get_absolute_url() for code in ("sv", "en")}

    for url in urls:
        assert _answer_marks(client.get(url).text) == expected
    assert _answer_marks(client.get(status_urls[language]).text) == {
        sent[language].public_answer: ""
    }
    assert _answer_marks(client.get(status_urls[other]).text) == {sent[other].public_answer: other}
