"""The portfolio and one initiative, as a visitor and as staff see them."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from helsingborg_innovation.models import Partner
from helsingborg_innovation.publishing import Status
from initiatives.models import ImpactGoal, Phase, PhaseChange, StopReason

HIDDEN = {
    "draft": {"status": Status.DRAFT},
    "archived": {"status": Status.ARCHIVED},
    "scheduled": {"publish_at": "future"},
}


def in_english(url_name: str, *args) -> str:
    with translation.override("en"):
        return reverse(url_name, args=args)


def card_titles(response) -> list[str]:
    """The titles of the cards on a list page, in the order a visitor sees them."""
    return re.findall(r'class="card__title"><a href="[^"]*"[^>]*>([^<]*)</a>', response.text)


def _hidden(make_initiative, fields, **extra):
    fields = dict(fields)
    if fields.get("publish_at") == "future":
        fields["publish_at"] = timezone.now() + timedelta(days=3)
    return make_initiative(title="Dolt initiativ", **fields, **extra)


@pytest.mark.parametrize("fields", HIDDEN.values(), ids=HIDDEN.keys())
def test_unpublished_initiatives_are_invisible_to_visitors(client, make_initiative, fields):
    hidden = _hidden(make_initiative, fields, phase=Phase.STOPPED)
    make_initiative(title="Synligt initiativ", phase=Phase.STOPPED)
    response = client.get(reverse("initiatives:list"))
    assert card_titles(response) == ["Synligt initiativ"]
    assert "1 initiative<" in client.get(in_english("initiatives:list")).text
    for url in [reverse("lessons:list"), reverse("home")]:
        text = client.get(url).text
        assert "Synligt initiativ" in text
        assert "Dolt initiativ" not in text
    assert client.get(hidden.get_absolute_url()).status_code == 404


@pytest.mark.parametrize(
    ("name", "fields", "banner"),
    [
        ("draft", HIDDEN["draft"], "Preview: draft."),
        ("archived", HIDDEN["archived"], "Preview: archived."),
        ("scheduled", HIDDEN["scheduled"], "Preview: scheduled, published from"),
    ],
)
def test_staff_preview_what_the_public_cannot_see(
    client, editor, make_initiative, name, fields, banner
):
    initiative = _hidden(make_initiative, fields)
    client.force_login(editor)
    response = client.get(in_english("initiatives:detail", initiative.slug))
    assert response.status_code == 200
    assert banner in response.text
    # Previewing is for the detail page only: the public list never shows it, even to staff.
    assert "Dolt initiativ" not in card_titles(client.get(reverse("initiatives:list")))


@pytest.mark.parametrize(
    ("language", "shown"),
    [("sv", "publiceras 5 mars 2030, 09:30."), ("en", "published from 5 March 2030, 09:30.")],
)
def test_a_scheduled_preview_says_when_in_the_sites_date_format_and_local_time(
    client, editor, make_initiative, language, shown
):
    # 08:30 UTC is 09:30 in Stockholm. Django's English short format gave "03/05/2030 9:30
    # a.m.", which a European reader takes for the 3rd of May.
    publish_at = datetime(2030, 3, 5, 8, 30, tzinfo=UTC)
    initiative = make_initiative(publish_at=publish_at)
    client.force_login(editor)
    with translation.override(language):
        url = reverse("initiatives:detail", args=[initiative.slug])
    assert shown in " ".join(client.get(url).text.split())


def test_a_published_initiative_has_no_preview_banner(editor_client, make_initiative):
    initiative = make_initiative()
    assert "preview-banner" not in editor_client.get(initiative.get_absolute_url()).text


def test_detail_shows_the_whole_story(
    client, make_initiative, make_partner, make_challenge, make_method, make_department,
    make_contact, goal,
):  # fmt: skip
    challenge = make_challenge(title="Publicerad utmaning")
    hidden_challenges = [
        make_challenge(title="Utmaning i utkast", status=Status.DRAFT),
        make_challenge(title="Arkiverad utmaning", status=Status.ARCHIVED),
        make_challenge(title="Schemalagd utmaning", publish_at=timezone.now() + timedelta(days=2)),
    ]
    initiative = make_initiative(
        phase=Phase.STOPPED,
        stop_reason=StopReason.TOO_COSTLY,
        stop_explanation="Driften blev för dyr.",
        lessons_learned="Vi lärde oss **mycket**.",
        body="Bakgrund med *betoning*.",
        owner_department=make_department(name="Kulturförvaltningen"),
        departments=[make_department(name="Miljöförvaltningen")],
        partners=[make_partner(name="Campus Helsingborg", kind=Partner.Kind.ACADEMIA)],
        challenges=[challenge, *hidden_challenges],
        methods=[
            make_method(title="Publicerad metod"),
            make_method(title="Metod i utkast", status=Status.DRAFT),
        ],
        goals=[goal],
        tags=["energi"],
        contact=make_contact(name="Lisa Olsson"),
        start_date=date(2024, 1, 15),
        end_date=date(2024, 9, 30),
    )
    ImpactGoal.objects.create(
        initiative=initiative, description="Färre resor", target="-20 %", result="-12 %"
    )
    PhaseChange.objects.create(initiative=initiative, date=date(2024, 6, 1), phase=Phase.STOPPED,
                               note="Stoppades efter pilot")  # fmt: skip
    PhaseChange.objects.create(initiative=initiative, date=date(2024, 1, 15), phase=Phase.IDEA,
                               note="Idén föddes")  # fmt: skip
    response = client.get(in_english("initiatives:detail", initiative.slug))
    assert response.status_code == 200
    text = response.text
    assert "Vi lärde oss <strong>mycket</strong>." in text
    assert "Bakgrund med <em>betoning</em>." in text
    assert "Reason:</strong> Cost more than it gave" in text
    assert "Driften blev för dyr." in text
    assert "badge--stopped" in text
    assert "Kulturförvaltningen" in text and "Miljöförvaltningen" in text
    assert '<span lang="sv">Campus Helsingborg</span> (Academia)' in text
    assert "Publicerad utmaning" in text and "Publicerad metod" in text
    for hidden in ["Utmaning i utkast", "Arkiverad utmaning", "Schemalagd utmaning",
                   "Metod i utkast"]:  # fmt: skip
        assert hidden not in text
    assert str(goal) in text
    assert "Färre resor" in text and "-20 %" in text and "-12 %" in text
    assert "Lisa Olsson" in text
    assert reverse("tags:detail", kwargs={"slug": "energi"}) in text
    assert 'datetime="2024-01-15"' in text and 'datetime="2024-09-30"' in text
    # The timeline is told oldest first, whatever order it was written in.
    assert text.index("Idén föddes") < text.index("Stoppades efter pilot")


@pytest.mark.parametrize(
    ("language", "started", "ends"),
    [("sv", "Startade", "Avslutas"), ("en", "Started", "Ends")],
)
def test_dates_still_ahead_are_not_told_as_past(client, make_initiative, language, started, ends):
    # A pilot planned to run until next summer read "Ended 30 June" half a year before.
    today = timezone.localdate()
    going = make_initiative(start_date=today, end_date=today + timedelta(days=200))
    planned = make_initiative(phase=Phase.IDEA, start_date=today + timedelta(days=1))
    with translation.override(language):
        going_page = client.get(going.get_absolute_url()).text
        planned_page = client.get(planned.get_absolute_url()).text
    assert f"<dt>{started}</dt>" in going_page
    assert f"<dt>{ends}</dt>" in going_page
    assert f"<dt>{'Startar' if language == 'sv' else 'Starts'}</dt>" in planned_page
    assert f"<dt>{started}</dt>" not in planned_page


def test_an_end_date_passed_is_told_as_past(client, make_initiative):
    yesterday = timezone.localdate() - timedelta(days=1)
    ended = make_initiative(phase=Phase.STOPPED, end_date=yesterday)
    assert "<dt>Avslutades</dt>" in client.get(ended.get_absolute_url()).text


@pytest.mark.parametrize(("language", "ended"), [("sv", "Avslutades"), ("en", "Ended")])
def test_an_initiative_stopped_today_has_ended(client, make_initiative, language, ended):
    """Stopped today, its page said "Ends 3 December" as of something still to come."""
    today = timezone.localdate()
    stopped = make_initiative(
        phase=Phase.STOPPED, start_date=today - timedelta(days=90), end_date=today
    )
    going = make_initiative(start_date=today - timedelta(days=90), end_date=today)
    with translation.override(language):
        stopped_page = client.get(stopped.get_absolute_url()).text
        going_page = client.get(going.get_absolute_url()).text
    assert f"<dt>{ended}</dt>" in stopped_page
    # One that runs until the end of today is still running.
    assert f"<dt>{ended}</dt>" not in going_page


def test_a_partners_website_is_linked_from_its_name(client, make_initiative, make_partner):
    initiative = make_initiative(
        partners=[
            make_partner(name="Lunds universitet", website="https://www.lu.se/"),
            make_partner(name="Föreningen utan webbplats"),
        ]
    )
    text = client.get(in_english("initiatives:detail", initiative.slug)).text
    assert (
        '<a href="https://www.lu.se/" rel="noopener noreferrer" lang="sv">Lunds universitet</a>'
        in text
    )
    assert '<span lang="sv">Föreningen utan webbplats</span>' in text


def test_lessons_are_shown_for_an_initiative_that_was_not_stopped(client, make_initiative):
    initiative = make_initiative(phase=Phase.OPERATION, lessons_learned="Börja *smått*.")
    text = client.get(initiative.get_absolute_url()).text
    assert 'id="lessons"' in text and "Börja <em>smått</em>." in text
    assert 'id="outcome-heading"' not in text


def test_headings_in_lessons_sit_under_the_lessons_heading(client, make_initiative):
    initiative = make_initiative(lessons_learned="## Vad som fungerade\n\nSchemat.")
    text = client.get(initiative.get_absolute_url()).text
    lessons = text[text.index('id="lessons-heading"') :]
    assert "<h3>Vad som fungerade</h3>" in lessons
    assert "<h2>Vad som fungerade</h2>" not in text


def test_footnotes_of_the_body_and_the_lessons_each_lead_to_their_own_note(client, make_initiative):
    initiative = make_initiative(
        body="Bakgrund[^1].\n\n[^1]: Trafikutredningen 2023.",
        lessons_learned="Lärdom[^1].\n\n[^1]: Enkäten till föräldrarna.",
    )
    text = client.get(initiative.get_absolute_url()).text
    ids = re.findall(r'<(?:sup|li) id="([^"]+)"', text)
    assert len(ids) == len(set(ids)) == 4
    assert sorted(re.findall(r'href="#(fn[^"]+)"', text)) == sorted(ids)
    assert 'title="Tillbaka till fotnot 1 i texten"' in text


def test_markdown_in_lessons_is_sanitised(client, make_initiative):
    initiative = make_initiative(
        lessons_learned="Hej <script>alert(1)</script> [x](javascript:alert(1))"
    )
    text = client.get(initiative.get_absolute_url()).text
    assert "<script>alert(1)</script>" not in text
    assert 'href="javascript:' not in text


def test_list_cards_show_the_phase_and_mark_the_stopped_honestly(client, make_initiative):
    stopped = make_initiative(title="Stoppat", phase=Phase.STOPPED, stop_reason=StopReason.LEGAL)
    make_initiative(title="I drift", phase=Phase.OPERATION)
    response = client.get(in_english("initiatives:list"))
    cards = re.findall(r'<li class="(card[^"]*)">(.*?)</li>\s*(?=<li class="card|</ul>)',
                       response.text, re.S)  # fmt: skip
    by_title = {re.search(r'card__title"><a [^>]*>([^<]*)<', body).group(1): (classes, body)
                for classes, body in cards}  # fmt: skip
    classes, body = by_title["Stoppat"]
    assert "card--stopped" in classes
    assert "badge--stopped" in body and "Reason: Legal or procurement obstacles" in body
    assert f"{stopped.get_absolute_url()}#lessons" in body
    classes, body = by_title["I drift"]
    assert "card--stopped" not in classes
    assert "badge--operation" in body
    assert "#lessons" not in body


def test_the_list_is_newest_first_with_a_stable_tie_breaker(client, make_initiative):
    moment = timezone.now() - timedelta(days=2)
    first = make_initiative(title="Först", publish_at=moment)
    second = make_initiative(title="Sedan", publish_at=moment)
    make_initiative(title="Nyast")
    assert card_titles(client.get(reverse("initiatives:list"))) == ["Nyast", "Sedan", "Först"]
    assert second.pk > first.pk


def test_the_swedish_and_english_paths(client, make_initiative):
    initiative = make_initiative(slug="solceller")
    assert client.get("/initiativ/").status_code == 200
    assert client.get("/en/initiatives/").status_code == 200
    assert client.get("/initiativ/solceller/").status_code == 200
    assert client.get("/en/initiatives/solceller/").status_code == 200
    with translation.override("sv"):
        assert initiative.get_absolute_url() == "/initiativ/solceller/"
    assert in_english("initiatives:detail", "solceller") == "/en/initiatives/solceller/"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _initiatives(make_initiative, make_partner, make_department, make_challenge, count):
    department, challenge = make_department(), make_challenge()
    for n in range(count):
        make_initiative(
            phase=Phase.STOPPED if n % 2 else Phase.PILOT,
            lessons_learned="Lärdom.",
            tags=["a", "b"],
            partners=[make_partner(), make_partner()],
            departments=[department],
            challenges=[challenge],
        )


@pytest.mark.parametrize(
    "url",
    [
        reverse("initiatives:list"),
        reverse("initiatives:list") + "?stopped=yes&partner_kind=business",
    ],
)
def test_list_query_count_does_not_grow(
    client, make_initiative, make_partner, make_department, make_challenge, url
):
    _initiatives(make_initiative, make_partner, make_department, make_challenge, 3)
    few = _queries(client, url)
    _initiatives(make_initiative, make_partner, make_department, make_challenge, 27)
    assert _queries(client, url) == few <= 11


def test_detail_query_count_does_not_grow(
    client, make_initiative, make_partner, make_department, make_challenge, make_method, goal,
    make_contact,
):  # fmt: skip
    small = make_initiative(contact=make_contact())
    big = make_initiative(
        contact=make_contact(),
        partners=[make_partner() for _ in range(8)],
        departments=[make_department() for _ in range(5)],
        challenges=[make_challenge() for _ in range(4)],
        methods=[make_method() for _ in range(4)],
        goals=[goal],
        tags=["a", "b", "c"],
        lessons_learned="Mycket.",
    )
    for n in range(10):
        ImpactGoal.objects.create(initiative=big, description=f"Mål {n}", target="10")
        PhaseChange.objects.create(initiative=big, date=date(2024, 1, n + 1), phase=Phase.PILOT)
    small_count = _queries(client, small.get_absolute_url())
    # Eleven: the initiative, eight prefetched relations, the ideas that led to it and the
    # ranked related initiatives; none of them grows with the rows.
    assert _queries(client, big.get_absolute_url()) == small_count <= 11


def test_a_page_for_signed_in_staff_is_kept_by_no_shared_cache(client, editor, make_initiative):
    """A draft's preview, and any page as staff see it, went out without Cache-Control: a
    proxy or CDN that does not honour Vary: Cookie could keep it and show it to the public
    (found by review). Pages for the public stay shareable."""
    draft = _hidden(make_initiative, HIDDEN["draft"])
    public = make_initiative()
    assert "private" not in client.get(public.get_absolute_url()).get("Cache-Control", "")
    client.force_login(editor)
    for url in (in_english("initiatives:detail", draft.slug), public.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
