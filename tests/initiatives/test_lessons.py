"""The lessons-learned page: what the portfolio learned, the stopped initiatives first."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from helsingborg_innovation.publishing import Status
from initiatives.models import Phase, StopReason


def lesson_titles(response) -> list[str]:
    return re.findall(r'class="lesson__title"><a href="[^"]*"[^>]*>([^<]*)</a>', response.text)


def _english() -> str:
    with translation.override("en"):
        return reverse("lessons:list")


def test_the_swedish_and_english_paths(client, db):
    with translation.override("sv"):
        assert reverse("lessons:list") == "/lardomar/"
    assert client.get("/lardomar/").status_code == 200
    assert _english() == "/en/lessons/"
    assert client.get("/en/lessons/").status_code == 200


def test_only_initiatives_with_lessons_stopped_first(client, make_initiative):
    make_initiative(title="Lärdom i drift", phase=Phase.OPERATION, lessons_learned="Lyssna.")
    make_initiative(title="Stoppat dyrt", phase=Phase.STOPPED, stop_reason=StopReason.TOO_COSTLY)
    make_initiative(title="Utan lärdom", phase=Phase.PILOT)
    response = client.get(_english())
    assert lesson_titles(response) == ["Stoppat dyrt", "Lärdom i drift"]
    assert "2 lessons<" in response.text


@pytest.mark.parametrize(
    "fields",
    [{"status": Status.DRAFT}, {"status": Status.ARCHIVED}, {"publish_at": "future"}],
    ids=["draft", "archived", "scheduled"],
)
def test_unpublished_lessons_are_never_shown(client, editor, make_initiative, fields):
    if fields.get("publish_at"):
        fields = {"publish_at": timezone.now() + timedelta(days=1)}
    make_initiative(title="Dold lärdom", phase=Phase.STOPPED, **fields)
    make_initiative(title="Synlig lärdom", phase=Phase.STOPPED)
    assert lesson_titles(client.get(reverse("lessons:list"))) == ["Synlig lärdom"]
    client.force_login(editor)
    assert lesson_titles(client.get(reverse("lessons:list"))) == ["Synlig lärdom"]


def test_an_entry_shows_title_phase_reason_and_rendered_lessons(client, make_initiative):
    stopped = make_initiative(
        title="Digital parkering",
        phase=Phase.STOPPED,
        stop_reason=StopReason.LEGAL,
        lessons_learned="Prata med **upphandling** tidigt.\n\n<script>alert(1)</script>",
    )
    make_initiative(title="Lånecyklar", phase=Phase.OPERATION, lessons_learned="Börja *smått*.")
    text = client.get(_english()).text
    assert f'<a href="{stopped.get_absolute_url()}" lang="sv">Digital parkering</a>' in text
    assert "Prata med <strong>upphandling</strong> tidigt." in text
    assert "<script>alert(1)</script>" not in text
    assert "Börja <em>smått</em>." in text
    assert "badge--stopped" in text and "badge--operation" in text
    assert text.count("Reason: Legal or procurement obstacles") == 1
    assert text.count("Reason:") == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stop_reason": "too_costly"}, ["Dyrt"]),
        ({"stop_reason": "legal"}, []),
        ({"department": "kultur"}, ["Dyrt", "Deltar"]),
        ({"challenge": "parker"}, ["Deltar"]),
        ({"q": "upphandling"}, ["Deltar"]),
        ({"q": "effekten"}, ["Dyrt"]),
    ],
)
def test_the_filters(client, make_initiative, make_department, make_challenge, params,
                     expected):  # fmt: skip
    culture = make_department(slug="kultur")
    parks = make_challenge(slug="parker")
    make_initiative(title="Dyrt", phase=Phase.STOPPED, stop_reason=StopReason.TOO_COSTLY,
                    stop_explanation="Effekten uteblev.", owner_department=culture)  # fmt: skip
    make_initiative(title="Deltar", phase=Phase.PILOT, departments=[culture], challenges=[parks],
                    lessons_learned="Ta in upphandling tidigt.",
                    publish_at=timezone.now() - timedelta(days=5))  # fmt: skip
    make_initiative(title="Annat", phase=Phase.OPERATION, lessons_learned="Något helt annat.",
                    publish_at=timezone.now() - timedelta(days=9))  # fmt: skip
    response = client.get(reverse("lessons:list"), params)
    assert lesson_titles(response) == expected
    assert response.context["paginator"].count == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"stop_reason": "nope"},
        {"department": "\x00"},
        {"challenge": "x" * 300},
        {"q": "\x00"},
        {"page": "abc"},
    ],
)
def test_bad_input_gets_an_answer_not_an_error(client, make_initiative, params):
    make_initiative(phase=Phase.STOPPED)
    assert client.get(reverse("lessons:list"), params).status_code == 200


def test_paginated_with_filters_kept(client, make_initiative, settings):
    for _ in range(settings.PAGE_SIZE + 1):
        make_initiative(phase=Phase.STOPPED, stop_reason=StopReason.NO_NEED)
    make_initiative(phase=Phase.STOPPED, stop_reason=StopReason.OTHER)
    response = client.get(reverse("lessons:list"), {"stop_reason": "no_need"})
    assert len(lesson_titles(response)) == settings.PAGE_SIZE
    assert 'href="?stop_reason=no_need&amp;page=2"' in response.text
    second = client.get(reverse("lessons:list"), {"stop_reason": "no_need", "page": "2"})
    assert len(lesson_titles(second)) == 1


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?department=kultur&stop_reason=no_effect"])
def test_query_count_does_not_grow(client, make_initiative, make_department, make_challenge,
                                   query):  # fmt: skip
    culture, challenge = make_department(slug="kultur"), make_challenge()

    def add(count):
        for n in range(count):
            make_initiative(
                phase=Phase.STOPPED if n % 2 else Phase.OPERATION,
                lessons_learned="Lärdom **viktig**.",
                departments=[culture, make_department()],
                challenges=[challenge],
                tags=["a"],
            )

    add(3)
    few = _queries(client, reverse("lessons:list") + query)
    add(27)
    assert _queries(client, reverse("lessons:list") + query) == few <= 10


def test_headings_in_a_lesson_sit_under_its_title(client, make_initiative):
    make_initiative(lessons_learned="# Lärdom\n\n## Nästa gång\n\nFråga först.")
    text = client.get(_english()).text
    assert '<h2 class="lesson__title">' in text
    assert "<h3>Lärdom</h3>" in text and "<h3>Nästa gång</h3>" in text
    assert "<h2>Lärdom</h2>" not in text and "<h2>Nästa gång</h2>" not in text
