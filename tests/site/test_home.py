"""The home page: open challenges, latest initiatives and lessons, methods and key figures."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from helsingborg_innovation.publishing import Status
from initiatives.models import Phase, StopReason


def _home(client, language: str = "sv"):
    with override(language):
        url = reverse("home")
    response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_home_renders_in_both_languages(client):
    assert '<html lang="sv">' in client.get("/").text
    english = client.get("/en/")
    assert english.status_code == 200
    assert '<html lang="en">' in english.text
    assert "Let's solve the city's challenges together" in english.text


@pytest.mark.django_db
def test_open_challenges_closing_soonest_first_at_most_six(client, make_challenge):
    today = timezone.localdate()
    make_challenge(title="Utan slutdatum", open_until=None)
    for days in (30, 5, 12, 60, 90, 1):
        make_challenge(title=f"Stänger om {days}", open_until=today + timedelta(days=days))
    make_challenge(title="Redan stängd", open_until=today - timedelta(days=1))

    titles = [c.title for c in _home(client).context["open_challenges"]]

    assert titles == [
        "Stänger om 1",
        "Stänger om 5",
        "Stänger om 12",
        "Stänger om 30",
        "Stänger om 60",
        "Stänger om 90",
    ]


@pytest.mark.django_db
def test_hidden_content_never_on_home_even_for_staff(
    client, make_staff, make_challenge, make_initiative, make_method
):
    future = timezone.now() + timedelta(days=2)
    for status, publish_at, label in [
        (Status.DRAFT, None, "Utkast"),
        (Status.PUBLISHED, future, "Schemalagd"),
        (Status.ARCHIVED, None, "Arkiverad"),
    ]:
        extra = {"publish_at": publish_at} if publish_at else {}
        make_challenge(title=f"{label} utmaning", status=status, **extra)
        make_initiative(
            title=f"{label} initiativ", status=status, lessons_learned="Lärdom", **extra
        )
        make_method(title=f"{label} metod", status=status, **extra)
    make_challenge(title="Publicerad utmaning")

    for logged_in in (False, True):
        if logged_in:
            client.force_login(make_staff())
        response = _home(client)
        assert "Publicerad utmaning" in response.text
        for label in ("Utkast", "Schemalagd", "Arkiverad"):
            assert label not in response.text
        assert response.context["figures"] == {
            "open_challenges": 1,
            "initiatives": 0,
            "stopped_with_lessons": 0,
            "methods": 0,
        }


@pytest.mark.django_db
def test_key_figures_and_lessons(client, make_challenge, make_initiative, make_method):
    make_challenge()
    make_challenge(open_until=timezone.localdate() - timedelta(days=3))
    make_initiative(title="Stoppat med lärdom", phase=Phase.STOPPED)
    make_initiative(title="Pilot med lärdom", lessons_learned="Börja **litet**.")
    make_initiative(title="Pilot utan lärdom")
    make_method()
    make_method()
    make_method()

    response = _home(client, "en")

    assert response.context["figures"] == {
        "open_challenges": 1,
        "initiatives": 3,
        "stopped_with_lessons": 1,
        "methods": 3,
    }
    lessons = [i.title for i in response.context["lessons"]]
    assert lessons == ["Stoppat med lärdom", "Pilot med lärdom"]
    assert "Börja litet." in response.text
    assert "Pilot utan lärdom" in response.text  # among the latest initiatives
    assert len(response.context["methods"]) == 3


@pytest.mark.django_db
def test_home_query_count_does_not_grow(client, make_challenge, make_initiative, make_method):
    def add(count: int):
        for _ in range(count):
            make_challenge(tags=["a"])
            make_initiative(phase=Phase.STOPPED)
            make_initiative(lessons_learned="Något vi lärde oss.")
            make_method(tags=["b"])

    add(1)
    with CaptureQueriesContext(connection) as few:
        _home(client)
    add(10)
    with CaptureQueriesContext(connection) as many:
        _home(client)

    assert len(few) == len(many)
    assert len(many) <= 10


@pytest.mark.django_db
def test_key_figures_follow_every_change_at_once(
    client, make_challenge, make_initiative, make_method
):
    """The counts are kept between visits, but a change to what they count shows on the very
    next visit."""
    method = make_method()
    initiative = make_initiative(lessons_learned="Vi lärde oss att fråga först.")
    assert _home(client).context["figures"]["methods"] == 1
    assert _home(client).context["figures"]["stopped_with_lessons"] == 0
    with CaptureQueriesContext(connection) as kept:
        _home(client)

    make_challenge()
    initiative.phase = Phase.STOPPED
    initiative.stop_reason = StopReason.NO_EFFECT
    initiative.stop_explanation = "Ingen ville ha den."
    initiative.save()
    method.status = Status.DRAFT
    method.save()

    assert _home(client).context["figures"] == {
        "open_challenges": 1,
        "initiatives": 1,
        "stopped_with_lessons": 1,
        "methods": 0,
    }
    with CaptureQueriesContext(connection) as counted_again:
        _home(client)
    assert len(kept) == len(counted_again) == 4  # the four short lists, no count


def _key_figures(response) -> list[str]:
    figures = response.text.split('class="key-figures__list">')[1].split("</ul>")[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in figures.split("</li>")[:-1]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "sv",
            [
                "1 öppen utmaning",
                "1 initiativ i portföljen",
                "1 stoppat initiativ som delat sina lärdomar",
                "1 metod eller verktyg",
            ],
        ),
        (
            "en",
            [
                "1 open challenge",
                "1 initiative in the portfolio",
                "1 stopped initiative that shared its lessons",
                "1 method or aid",
            ],
        ),
    ],
)
def test_a_key_figure_of_one_is_said_in_the_singular(
    client, make_challenge, make_initiative, make_method, language, expected
):
    """A portal with one open challenge said "1 öppna utmaningar", "1 open challenges"."""
    make_challenge()
    make_initiative(phase=Phase.STOPPED)
    make_method()

    assert _key_figures(_home(client, language)) == expected


@pytest.mark.django_db
def test_key_figures_of_several_are_said_in_the_plural(client, make_challenge, make_method):
    make_challenge()
    make_challenge()

    assert _key_figures(_home(client)) == [
        "2 öppna utmaningar",
        "0 initiativ i portföljen",
        "0 stoppade initiativ som delat sina lärdomar",
        "0 metoder och verktyg",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["sv", "en"])
def test_each_key_figure_leads_to_a_list_of_as_many(
    client, language, make_challenge, make_initiative, make_method
):
    """A visitor who follows "2 stopped initiatives that shared their lessons" finds those
    two, not every lesson of the portfolio (the lessons of running initiatives too)."""
    make_challenge()
    make_challenge(open_until=timezone.localdate() - timedelta(days=1))
    make_initiative(phase=Phase.STOPPED)
    make_initiative(phase=Phase.STOPPED)
    make_initiative(phase=Phase.PILOT, lessons_learned="Börja smått.")
    make_initiative(phase=Phase.IDEA)
    make_method()

    html = _home(client, language).text
    figures = re.findall(
        r'<a class="key-figures__link" href="([^"]+)"><span class="key-figures__number">(\d+)',
        html,
    )

    assert len(figures) == 4
    for href, number in figures:
        listed = client.get(href.replace("&amp;", "&")).text
        count = re.search(r'<p class="result-count"[^>]*>(\d+)', listed).group(1)
        assert count == number, (href, number, count)


@pytest.mark.django_db
def test_a_large_key_figure_has_its_thousands_apart(client, make_initiative):
    """1234 initiatives read "1234", where Swedish writes "1 234" (a no-break space, so the
    number does not wrap) and English "1,234"."""
    from initiatives.models import Initiative

    first = make_initiative()
    Initiative.objects.bulk_create(
        Initiative(
            title=f"Initiativ {n}",
            slug=f"massor-{n}",
            summary="Sammanfattning.",
            phase=Phase.PILOT,
            status=Status.PUBLISHED,
            publish_at=first.publish_at,
            owner_department=first.owner_department,
        )
        for n in range(1233)
    )
    assert '<span class="key-figures__number">1\xa0234</span>' in _home(client).text
    assert '<span class="key-figures__number">1,234</span>' in _home(client, "en").text


def _lessons_section(html: str) -> str:
    return html.split('aria-labelledby="lessons-heading"')[1].split("</section>")[0]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "prefix"), [("sv", "Skäl:"), ("en", "Reason:")])
def test_a_stopped_initiatives_lesson_says_why_it_was_stopped_as_the_lessons_page_does(
    client, make_initiative, language, prefix
):
    """The lessons page says "Skäl: Juridiska hinder …" after the phase; the home page's card
    of the same lesson said the bare reason, a phrase without saying what it was. A lesson of
    an image alone left the card an empty paragraph."""
    make_initiative(
        title="Stoppad pilot",
        phase=Phase.STOPPED,
        stop_reason=StopReason.LEGAL,
        lessons_learned="![Tidslinje över piloten](https://example.org/tidslinje.png)",
    )
    make_initiative(title="Pågående pilot", phase=Phase.PILOT, lessons_learned="Fråga först.")

    home = _lessons_section(_home(client, language).text)
    with override(language):
        lessons_page = _text(client.get(reverse("lessons:list")).text)
        said = f"{prefix} {StopReason.LEGAL.label}"

    cards = re.findall(r'<li class="card card--lesson[^"]*">(.*?)</li>', home, re.S)
    stopped, running = sorted(cards, key=lambda card: "Stoppad pilot" not in card)
    assert said in _text(stopped)
    assert said in lessons_page  # the same words on both
    assert prefix not in _text(running)  # a running initiative was not stopped
    # Headings in order under the section's h2, and nothing empty for a screen reader to find.
    assert re.findall(r"<h(\d)", home) == ["2", "3", "3"]
    assert not re.search(r"<(p|span|li|h\d|a)\b[^>]*>\s*</\1>", home), home


@pytest.mark.django_db
def test_a_lesson_card_names_the_department_that_learned_it_as_the_lessons_page_does(
    client, make_initiative, make_department
):
    """The lessons page says whose lesson each is ("· Stadsbyggnadsförvaltningen"), as the
    home page's cards of the latest initiatives do; the home page's lesson cards did not, so a
    reader could not tell whom to ask."""
    department = make_department(name="Stadsbyggnadsförvaltningen")
    make_initiative(title="Stoppad pilot", phase=Phase.STOPPED, owner_department=department)

    cards = re.findall(
        r'<li class="card card--lesson[^"]*">(.*?)</li>', _lessons_section(_home(client).text), re.S
    )
    lessons_page = _text(client.get(reverse("lessons:list")).text)

    assert len(cards) == 1
    assert "Stadsbyggnadsförvaltningen" in _text(cards[0])
    assert "Stadsbyggnadsförvaltningen" in lessons_page
    # The dot between them stays on the line of the reason: a narrow card began a line with it.
    assert "&nbsp;· <span" in cards[0]
