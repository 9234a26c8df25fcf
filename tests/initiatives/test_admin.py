"""Editors keep the portfolio in the admin: impact goals, the rules of stopping, the timeline."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from helsingborg_innovation.models import GlobalGoal, Partner
from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative, Phase, PhaseChange, StopReason

ADD = "admin:initiatives_initiative_add"
CHANGELIST = "admin:initiatives_initiative_changelist"


@pytest.fixture
def en_editor(editor_client, settings):
    """The admin in English (it follows the default language), so that messages can be
    compared with their source text whatever the state of the Swedish translation."""
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()  # reversed paths depend on the default language
    yield editor_client
    clear_url_caches()


def _inline(prefix: str, rows: list[dict] | None = None, initial: int = 0) -> dict:
    """The management form and rows of an inline formset, as the admin's page posts them."""
    rows = rows or []
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def _initiative_data(department, *, impact_goals=None, **overrides) -> dict:
    data = {
        "title": "Digitala trygghetslarm",
        "slug": "digitala-trygghetslarm",
        "summary": "Trygghetslarm som fungerar i hela staden.",
        "body": "",
        "image_alt": "",
        "phase": Phase.PILOT,
        "phase_note": "Pilot i två områden.",
        "stop_reason": "",
        "stop_explanation": "",
        "lessons_learned": "",
        "owner_department": department.pk,
        "start_date": "",
        "end_date": "",
        "status": Status.PUBLISHED,
        "publish_at_0": "",
        "publish_at_1": "",
        "tags": "",
    }
    data.update(_inline("impact_goals", impact_goals or []))
    data.update(_inline("timeline"))
    data.update(overrides)
    return data


def _change_data(initiative, **overrides) -> dict:
    fields = {
        "title": initiative.title,
        "slug": initiative.slug,
        "phase": initiative.phase,
        "phase_note": "",
    }
    return _initiative_data(initiative.owner_department, **{**fields, **overrides})


def test_editor_adds_an_initiative_with_impact_goals_and_a_first_timeline_entry(
    en_editor, make_department, make_partner, make_challenge, make_method, goal
):
    department = make_department()
    partner, challenge, method = make_partner(), make_challenge(), make_method()
    goals = [
        {"description": "Färre falsklarm", "target": "-30 %", "result": "", "order": "0"},
        {"description": "Nöjdare brukare", "target": "90 %", "result": "92 %", "order": "1"},
    ]
    data = _initiative_data(
        department,
        impact_goals=goals,
        departments=[department.pk],
        partners=[partner.pk],
        challenges=[challenge.pk],
        methods=[method.pk],
        goals=[goal.pk],
    )
    response = en_editor.post(reverse(ADD), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    initiative = Initiative.objects.get(slug="digitala-trygghetslarm")
    assert list(initiative.impact_goals.values_list("description", "result")) == [
        ("Färre falsklarm", ""),
        ("Nöjdare brukare", "92 %"),
    ]
    assert list(initiative.partners.all()) == [partner]
    assert list(initiative.challenges.all()) == [challenge]
    assert list(initiative.methods.all()) == [method]
    entry = initiative.timeline.get()
    assert (entry.date, entry.phase, entry.note) == (
        timezone.localdate(),
        Phase.PILOT,
        "Pilot i två områden.",
    )
    # Published through the form: it is on the public page at once.
    en_editor.logout()
    assert en_editor.get(initiative.get_absolute_url()).status_code == 200


def test_stopping_without_reasons_or_lessons_shows_the_errors(en_editor, make_department):
    data = _initiative_data(make_department(), phase=Phase.STOPPED, stop_reason="no_effect")
    response = en_editor.post(reverse(ADD), data)
    assert response.status_code == 200
    assert "A stopped initiative must share what was learned." in response.text
    assert "Explain why the initiative was stopped." in response.text
    assert not Initiative.objects.exists()
    assert not PhaseChange.objects.exists()


def test_a_phase_change_is_recorded_once_with_its_note(en_editor, make_initiative):
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = _change_data(
        initiative,
        phase=Phase.STOPPED,
        phase_note="Avslutad efter utvärdering.",
        stop_reason=StopReason.TOO_COSTLY,
        stop_explanation="Kostnaden per brukare blev för hög.",
        lessons_learned="Räkna på driften från början.",
        end_date=timezone.localdate(),
    )
    response = en_editor.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = PhaseChange.objects.get(initiative=initiative)
    assert (entry.phase, entry.note) == (Phase.STOPPED, "Avslutad efter utvärdering.")

    # Saving again with other changes but the same phase adds nothing to the timeline.
    data.update(phase_note="", summary="Ny sammanfattning.")
    row = {"id": entry.pk, "initiative": initiative.pk, "date": entry.date, "phase": entry.phase}
    data.update(_inline("timeline", [{**row, "note": entry.note}], initial=1))
    response = en_editor.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert PhaseChange.objects.filter(initiative=initiative).count() == 1
    initiative.refresh_from_db()
    assert initiative.summary == "Ny sammanfattning."


def test_a_timeline_note_without_a_phase_change_is_refused(en_editor, make_initiative):
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    response = en_editor.post(url, _change_data(initiative, phase_note="Bara en anteckning."))
    assert response.status_code == 200
    assert "The note goes into the timeline only when the phase changes." in response.text
    assert response.context["adminform"].form.errors["phase_note"]
    assert not PhaseChange.objects.exists()


def test_the_publish_action_refuses_an_invalid_initiative(en_editor, make_initiative):
    fine = make_initiative(status=Status.DRAFT, phase=Phase.PILOT, title="Klar att visa")
    broken = make_initiative(status=Status.DRAFT, phase=Phase.PILOT, title="Saknar lärdomar")
    # Stopped behind the admin's back, without explanation or lessons.
    Initiative.objects.filter(pk=broken.pk).update(phase=Phase.STOPPED, stop_reason="other")
    response = en_editor.post(
        reverse(CHANGELIST),
        {"action": "publish", ACTION_CHECKBOX_NAME: [fine.pk, broken.pk]},
        follow=True,
    )
    assert "1 item published." in response.text
    assert "Not changed: Saknar lärdomar: " in response.text
    assert "A stopped initiative must share what was learned." in response.text
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.status == Status.PUBLISHED
    assert broken.status == Status.DRAFT


def test_taking_an_invalid_initiative_offline_is_always_possible(en_editor, make_initiative):
    broken = make_initiative(phase=Phase.PILOT)
    Initiative.objects.filter(pk=broken.pk).update(phase=Phase.STOPPED, stop_reason="other")
    en_editor.post(reverse(CHANGELIST), {"action": "unpublish", ACTION_CHECKBOX_NAME: [broken.pk]})
    broken.refresh_from_db()
    assert broken.status == Status.DRAFT


def test_filters_by_partner_kind_list_each_initiative_once(
    en_editor, make_initiative, make_partner
):
    academia = [make_partner(kind=Partner.Kind.ACADEMIA) for _ in range(3)]
    make_initiative(title="Med tre lärosäten", partners=academia)
    make_initiative(title="Med ett företag", partners=[make_partner()])
    response = en_editor.get(reverse(CHANGELIST), {"partner_kind": "academia"})
    assert response.text.count(">Med tre lärosäten<") == 1
    assert "Med ett företag" not in response.text

    stopped = en_editor.get(reverse(CHANGELIST), {"lessons": "no"})
    assert "Med tre lärosäten" in stopped.text


def test_moderators_read_initiatives_but_cannot_change_them(client, moderator, make_initiative):
    initiative = make_initiative(title="Orört")
    client.force_login(moderator)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    assert client.post(url, _change_data(initiative, title="Ändrat")).status_code == 403
    initiative.refresh_from_db()
    assert initiative.title == "Orört"


def test_changelist_query_count_does_not_grow_with_rows(
    editor_client, make_initiative, make_partner, make_challenge
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(reverse(CHANGELIST), {"partner_kind": "business"})
            assert response.status_code == 200
        return len(queries)

    make_initiative(tags=["a"], partners=[make_partner()], challenges=[make_challenge()])
    few = count()
    for _ in range(20):
        make_initiative(
            tags=["b", "c"],
            partners=[make_partner(), make_partner()],
            challenges=[make_challenge()],
            phase=Phase.STOPPED,
        )
    assert count() == few


def test_moderators_read_an_initiative_without_the_editors_timeline_note(
    client, moderator, make_initiative
):
    initiative = make_initiative()
    client.force_login(moderator)
    page = client.get(reverse("admin:initiatives_initiative_change", args=[initiative.pk])).text
    assert "Phase note" not in page
    assert "Anteckning till tidslinjen" not in page
    assert "Fas och utfall" in page


def test_the_portfolio_offers_no_counts_beside_its_filters(editor_client, make_initiative):
    """Django's "Show counts" counted the initiatives of every choice of every filter, on every
    page after it was clicked (its links keep it on): 1 s a page with 100,000 initiatives."""
    make_initiative()
    assert "_facets=True" not in editor_client.get(reverse(CHANGELIST)).text
    counted = editor_client.get(reverse(CHANGELIST), {"_facets": "True"})
    assert counted.status_code == 200
    assert not counted.context["cl"].add_facets


def test_the_goal_filter_lists_each_initiative_once_without_distinct_rows(
    editor_client, make_initiative, goal
):
    """Filtered through the goals, Django made every row DISTINCT (its whole text included) for
    the count, the page and the dates: 0.5-0.9 s with 100,000 initiatives. An initiative
    serves a goal once, so there is nothing to make distinct."""
    other = GlobalGoal.objects.exclude(pk=goal.pk).first()
    make_initiative(title="Målet och ett till", goals=[goal, other])
    make_initiative(title="Bara ett annat mål", goals=[other])
    make_initiative(title="Inga mål alls")
    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get(reverse(CHANGELIST), {"goal": goal.pk}).text
    assert page.count('class="action-select" aria-label=') == 1  # one row
    assert "Målet och ett till" in page
    assert "Bara ett annat mål" not in page and "Inga mål alls" not in page
    rows = 'DISTINCT "initiatives_initiative"."id"'
    assert not [q for q in queries.captured_queries if rows in q["sql"]]
    without = editor_client.get(reverse(CHANGELIST), {"goal": "none"}).text
    assert "Inga mål alls" in without and "Målet och ett till" not in without
    assert "Inget globalt mål" in without


def test_the_partner_kind_filter_reads_no_distinct_rows(
    editor_client, make_initiative, make_partner
):
    """The filter joined the partners and made every row DISTINCT (its whole text included)
    to list each initiative once: 0.55-0.85 s for a kind with 100,000 initiatives."""
    academia = [make_partner(kind=Partner.Kind.ACADEMIA) for _ in range(2)]
    make_initiative(title="Med två lärosäten", partners=academia)
    make_initiative(title="Med ett företag", partners=[make_partner()])
    with CaptureQueriesContext(connection) as queries:
        page = editor_client.get(reverse(CHANGELIST), {"partner_kind": "academia"}).text
    assert page.count('class="action-select" aria-label=') == 1
    assert "Med två lärosäten" in page and "Med ett företag" not in page
    rows = 'DISTINCT "initiatives_initiative"."id"'
    assert not [q for q in queries.captured_queries if rows in q["sql"]]


def test_deleting_an_initiative_lists_the_initiative_not_its_link_rows(
    editor_client, make_initiative, make_partner, make_method, make_challenge, make_department
):
    partner, method, challenge = make_partner(), make_method(), make_challenge()
    initiative = make_initiative(
        title="Laddstolpar i hamnen",
        partners=[partner],
        methods=[method],
        challenges=[challenge],
        departments=[make_department()],
        tags=["energi"],
    )
    url = reverse("admin:initiatives_initiative_delete", args=[initiative.pk])
    page = editor_client.get(url).text
    for link_row in ("relation", "Initiative_", "agged"):
        assert link_row not in page
    assert "Laddstolpar i hamnen" in page
    assert "kopplingar" in page  # what it is linked to stays
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Initiative.objects.filter(pk=initiative.pk).exists()
    assert Partner.objects.filter(pk=partner.pk).exists()


def test_stopping_an_initiative_asks_for_the_day_it_stopped(en_editor, client, make_initiative):
    """Without an end date a stopped initiative was "active" in every year after its start:
    the portfolio's year filter and the statistics counted one stopped in 2022 as active in
    this year too."""
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    stopping = {
        "phase": Phase.STOPPED,
        "stop_reason": StopReason.NO_EFFECT,
        "stop_explanation": "Effekten uteblev.",
        "lessons_learned": "Mät före och efter.",
        "start_date": "2022-03-01",
    }
    response = en_editor.post(url, _change_data(initiative, **stopping))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end_date"] == [
        "A stopped initiative needs an end date: the day it was stopped."
    ]
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT

    response = en_editor.post(url, _change_data(initiative, **stopping, end_date="2022-11-30"))
    assert response.status_code == 302
    this_year = {"year": str(timezone.localdate().year)}
    assert initiative.title not in client.get(reverse("initiatives:list"), this_year).text
    assert initiative.title in client.get(reverse("initiatives:list"), {"year": "2022"}).text


def test_a_phase_entered_with_its_own_day_in_the_timeline_is_not_added_again_as_today(
    en_editor, make_department, make_initiative
):
    """An editor entering a finished initiative with its history got one more entry, dated
    the day of entry: its page said it was stopped in 2022, and again today."""
    data = _initiative_data(
        make_department(),
        phase=Phase.STOPPED,
        phase_note="",
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Effekten uteblev.",
        lessons_learned="Mät före och efter.",
        start_date="2021-01-11",
        end_date="2022-09-30",
    )
    data.update(
        _inline(
            "timeline",
            [
                {"date": "2021-01-11", "phase": Phase.PILOT, "note": "Pilot på två boenden."},
                {"date": "2022-09-30", "phase": Phase.STOPPED, "note": "Utvärderat."},
            ],
        )
    )
    response = en_editor.post(reverse(ADD), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    initiative = Initiative.objects.get()
    assert list(initiative.timeline.values_list("date", "phase", "note")) == [
        (timezone.datetime(2021, 1, 11).date(), Phase.PILOT, "Pilot på två boenden."),
        (timezone.datetime(2022, 9, 30).date(), Phase.STOPPED, "Utvärderat."),
    ]

    # A change of phase with its day set in the timeline, the note written beside the phase.
    ongoing = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[ongoing.pk])
    data = _change_data(ongoing, phase=Phase.IMPLEMENTATION, phase_note="Beslut i nämnden.")
    data.update(_inline("timeline", [{"date": "2026-11-02", "phase": Phase.IMPLEMENTATION}]))
    assert en_editor.post(url, data).status_code == 302
    assert list(ongoing.timeline.values_list("date", "phase", "note")) == [
        (timezone.datetime(2026, 11, 2).date(), Phase.IMPLEMENTATION, "Beslut i nämnden.")
    ]


def test_a_note_beside_the_phase_is_kept_beside_the_timelines_own_note(en_editor, make_initiative):
    """An editor who entered the change in the timeline with a note, and wrote another beside
    the phase, lost the second without a word. It now follows the first; when both do not
    fit, the editor is told, with its text."""
    ongoing = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[ongoing.pk])
    data = _change_data(ongoing, phase=Phase.IMPLEMENTATION, phase_note="Beslut i nämnden.")
    data.update(
        _inline(
            "timeline",
            [{"date": "2026-11-02", "phase": Phase.IMPLEMENTATION, "note": "Budget klar."}],
        )
    )
    assert en_editor.post(url, data).status_code == 302
    assert list(ongoing.timeline.values_list("note", flat=True)) == [
        "Budget klar. Beslut i nämnden."
    ]

    other = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[other.pk])
    data = _change_data(other, phase=Phase.IMPLEMENTATION, phase_note="Beslut i nämnden.")
    data.update(
        _inline(
            "timeline", [{"date": "2026-11-02", "phase": Phase.IMPLEMENTATION, "note": "x" * 490}]
        )
    )
    response = en_editor.post(url, data, follow=True)
    assert list(other.timeline.values_list("note", flat=True)) == ["x" * 490]
    assert "was not saved: “Beslut i nämnden.”" in response.text


def test_stopping_an_initiative_dates_its_timeline_entry_by_the_day_it_stopped(
    en_editor, client, make_department, make_initiative
):
    """The end date of a stopped initiative is the day it was stopped, and the admin asks for
    it; the timeline's entry, added by itself, was dated the day of entry instead: the page
    said "Ended 30 November 2022" and, in the timeline, "3 December 2026 Stopped"."""
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    stopping = _change_data(
        initiative,
        phase=Phase.STOPPED,
        phase_note="Beslut i nämnden.",
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Effekten uteblev.",
        lessons_learned="Mät före och efter.",
        start_date="2022-03-01",
        end_date="2022-11-30",
    )
    assert en_editor.post(url, stopping).status_code == 302
    stopped = initiative.timeline.get(phase=Phase.STOPPED)
    assert (stopped.date.isoformat(), stopped.note) == ("2022-11-30", "Beslut i nämnden.")
    html = client.get(initiative.get_absolute_url()).text
    timeline = html.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert 'datetime="2022-11-30"' in timeline
    assert f'datetime="{timezone.localdate().isoformat()}"' not in timeline

    # Entered as stopped from the start, with its history outside the portal.
    data = _initiative_data(
        make_department(),
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Effekten uteblev.",
        lessons_learned="Mät före och efter.",
        start_date="2021-01-11",
        end_date="2021-09-30",
    )
    assert en_editor.post(reverse(ADD), data).status_code == 302
    entered = Initiative.objects.get(slug="digitala-trygghetslarm")
    assert list(entered.timeline.values_list("date", "phase")) == [
        (timezone.datetime(2021, 9, 30).date(), Phase.STOPPED)
    ]

    # Stopped, to end at the end of the month: refused, the end date is the day it stopped.
    planned = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[planned.pk])
    later = (timezone.localdate() + timezone.timedelta(days=20)).isoformat()
    response = en_editor.post(
        url, {**stopping, "slug": planned.slug, "title": planned.title, "end_date": later}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end_date"] == [
        "A stopped initiative ends the day it was stopped: its end date cannot be in the future."
    ]
    planned.refresh_from_db()
    assert planned.phase == Phase.PILOT
    assert not planned.timeline.filter(phase=Phase.STOPPED).exists()


def test_correcting_the_day_an_initiative_stopped_moves_its_timeline_entry(
    en_editor, client, make_initiative
):
    """Stopped with today's date and corrected to the real day a week later: the page said
    "Ended 26 November" and, in the timeline, "3 December Stopped"."""
    today = timezone.localdate()
    initiative = make_initiative(phase=Phase.STOPPED, end_date=today)
    PhaseChange.objects.create(initiative=initiative, date=today, phase=Phase.STOPPED)
    by_hand = PhaseChange.objects.create(
        initiative=initiative, date=today - timezone.timedelta(days=100), phase=Phase.PILOT
    )
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    corrected = today - timezone.timedelta(days=7)
    data = _change_data(
        initiative,
        stop_reason=initiative.stop_reason,
        stop_explanation=initiative.stop_explanation,
        lessons_learned=initiative.lessons_learned,
        end_date=corrected.isoformat(),
    )
    assert en_editor.post(url, data).status_code == 302
    assert list(initiative.timeline.values_list("date", "phase")) == [
        (by_hand.date, Phase.PILOT),
        (corrected, Phase.STOPPED),
    ]
    timeline = client.get(initiative.get_absolute_url()).text.split('class="timeline"', 1)[1]
    assert f'datetime="{today.isoformat()}"' not in timeline.split("</ol>", 1)[0]


def test_stopping_with_an_end_date_ahead_is_refused_in_swedish(editor_client, make_initiative):
    """The end date of a stopped initiative is the day it was stopped; one ahead is refused
    with why, in the editor's language."""
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    ahead = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    data = _change_data(
        initiative,
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Effekten uteblev.",
        lessons_learned="Mät före och efter.",
        start_date="2022-03-01",
        end_date=ahead,
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end_date"] == [
        "Ett stoppat initiativ slutar den dag det stoppades: slutdatumet kan inte ligga i "
        "framtiden."
    ]


def _restarting(initiative, **overrides) -> dict:
    """The change form of a stopped initiative as an editor sends it to restart it: the phase
    set back to a running one, the reason for stopping cleared, the rest as stored."""
    fields = {
        "phase": Phase.PILOT,
        "phase_note": "Startar om med ny finansiering.",
        "stop_explanation": initiative.stop_explanation,
        "lessons_learned": initiative.lessons_learned,
        "end_date": initiative.end_date.isoformat(),
    }
    return _change_data(initiative, **{**fields, **overrides})


def test_restarting_a_stopped_initiative_asks_to_clear_or_move_its_end_date(
    en_editor, make_initiative
):
    """Restarted with the day it stopped kept as its end date, an initiative running again
    said on its page that it had ended."""
    today = timezone.localdate()
    for kept in (today - timezone.timedelta(days=30), today):
        initiative = make_initiative(phase=Phase.STOPPED, end_date=kept)
        url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
        response = en_editor.post(url, _restarting(initiative))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["end_date"] == [
            "The initiative is running again, so its end date must be in the future: with this "
            "one, its page says it has ended. Clear the end date, or move it to the day the "
            "initiative is now planned to end."
        ]
        assert "Clear the end date, or move it" in response.text
        initiative.refresh_from_db()
        assert (initiative.phase, initiative.end_date) == (Phase.STOPPED, kept)
        assert not initiative.timeline.exists()

    # An end date ahead is a plan, and a restart without an end date is open-ended.
    ahead = (today + timezone.timedelta(days=90)).isoformat()
    response = en_editor.post(url, _restarting(initiative, end_date=ahead))
    assert response.status_code == 302, response.context["adminform"].form.errors
    initiative.refresh_from_db()
    assert (initiative.phase, initiative.end_date.isoformat()) == (Phase.PILOT, ahead)
    other = make_initiative(phase=Phase.STOPPED)
    url = reverse("admin:initiatives_initiative_change", args=[other.pk])
    assert en_editor.post(url, _restarting(other, end_date="")).status_code == 302
    other.refresh_from_db()
    assert (other.phase, other.end_date) == (Phase.PILOT, None)


def test_restarting_with_the_day_it_stopped_is_refused_in_swedish(editor_client, make_initiative):
    initiative = make_initiative(phase=Phase.STOPPED)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    response = editor_client.post(url, _restarting(initiative))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end_date"] == [
        "Initiativet pågår igen, så slutdatumet måste ligga i framtiden: med det här säger "
        "sidan att det har avslutats. Töm slutdatumet eller flytta det till den dag "
        "initiativet nu planeras sluta."
    ]
    initiative.refresh_from_db()
    assert initiative.phase == Phase.STOPPED


def _timeline_errors(response) -> list[dict]:
    (timeline,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == "timeline"
    ]
    return timeline.errors


def test_a_stopped_initiatives_timeline_refuses_entries_after_its_end_date(
    en_editor, client, make_initiative
):
    """A timeline entry dated after the day an initiative stopped showed work going on, on
    its public page, after it had ended."""
    stopped_on = timezone.datetime(2022, 11, 30).date()
    initiative = make_initiative(phase=Phase.STOPPED, end_date=stopped_on)
    stop = PhaseChange.objects.create(
        initiative=initiative, date=initiative.end_date, phase=Phase.STOPPED, note="Utvärderat."
    )
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = _change_data(
        initiative,
        stop_reason=initiative.stop_reason,
        stop_explanation=initiative.stop_explanation,
        lessons_learned=initiative.lessons_learned,
        end_date="2022-11-30",
    )
    stored = {"id": stop.pk, "initiative": initiative.pk, "date": "2022-11-30"}
    rows = [
        {**stored, "phase": Phase.STOPPED, "note": "Utvärderat."},
        {"date": "2023-02-01", "phase": Phase.IMPLEMENTATION, "note": "Breddinförande."},
    ]
    data.update(_inline("timeline", rows, initial=1))
    response = en_editor.post(url, data)
    assert response.status_code == 200
    message = (
        "This entry is after the initiative's end date, 30 November 2022, the day it was "
        "stopped: the timeline would show work after it ended. Date it that day or earlier, "
        "or delete it."
    )
    assert _timeline_errors(response) == [{}, {"date": [message]}]
    assert "the timeline would show work after it ended" in response.text
    assert list(initiative.timeline.values_list("phase", flat=True)) == [Phase.STOPPED]
    assert "Breddinförande" not in client.get(initiative.get_absolute_url()).text

    # Dated on the day it stopped, or before, the entry is part of its story.
    rows[1]["date"] = "2022-11-30"
    data.update(_inline("timeline", rows, initial=1))
    assert en_editor.post(url, data).status_code == 302
    assert initiative.timeline.filter(phase=Phase.IMPLEMENTATION).exists()


def test_stopping_an_initiative_refuses_timeline_entries_after_the_day_it_stopped(
    editor_client, make_initiative
):
    """Checked against the phase and end date sent with the entries, in the editor's
    language."""
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = _change_data(
        initiative,
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Effekten uteblev.",
        lessons_learned="Mät före och efter.",
        start_date="2022-03-01",
        end_date="2022-11-30",
    )
    data.update(_inline("timeline", [{"date": "2022-12-15", "phase": Phase.PILOT}]))
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert _timeline_errors(response) == [
        {
            "date": [
                "Fasbytet ligger efter initiativets slutdatum, 30 november 2022, dagen då det "
                "stoppades: tidslinjen skulle visa arbete efter att det avslutats. Datera det "
                "till den dagen eller tidigare, eller ta bort det."
            ]
        }
    ]
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT
    assert not initiative.timeline.exists()


@pytest.mark.parametrize(
    ("field", "day"),
    [
        ("start_date", "0001-01-01"),
        ("start_date", "1899-12-31"),
        ("end_date", "9999-12-31"),
        ("end_date", "0001-01-01"),
    ],
)
def test_a_start_or_end_date_before_1900_or_over_ten_years_ahead_is_refused_with_a_message(
    editor_client, make_department, field, day
):
    """An initiative started on 0001-01-01 was saved, and the statistics offered the year 1 to
    choose, which failed (500) when counting that year's ideas."""
    from helsingborg_innovation.date_limits import last_day

    response = editor_client.post(reverse(ADD), _initiative_data(make_department(), **{field: day}))
    assert response.status_code == 200
    last = date_format(last_day())
    assert response.context["adminform"].form.errors[field] == [
        f"Skriv ett datum mellan 1 januari 1900 och {last}."
    ]
    assert not Initiative.objects.exists()

    response = editor_client.post(
        reverse(ADD), _initiative_data(make_department(), start_date="1900-01-01")
    )
    assert response.status_code == 302
    assert editor_client.get(reverse("statistics:dashboard") + "?year=1900").status_code == 200


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_timeline_entry_before_1900_or_over_ten_years_ahead_is_refused_with_a_message(
    editor_client, client, make_initiative, day
):
    """As the start and end dates are: an entry dated 0001-01-01 was saved and opened the
    initiative's story on its page with "1 januari 1"."""
    from helsingborg_innovation.date_limits import last_day

    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = _change_data(initiative)
    data.update(_inline("timeline", [{"date": day, "phase": Phase.PILOT, "note": "Pilot."}]))
    response = editor_client.post(url, data)
    assert response.status_code == 200
    message = f"Skriv ett datum mellan 1 januari 1900 och {date_format(last_day())}."
    assert _timeline_errors(response) == [{"date": [message]}]
    assert message in response.text
    assert not initiative.timeline.exists()

    data.update(
        _inline("timeline", [{"date": "1900-01-01", "phase": Phase.PILOT, "note": "Pilot."}])
    )
    assert editor_client.post(url, data).status_code == 302
    assert initiative.timeline.get().date.year == 1900
    assert client.get(initiative.get_absolute_url()).status_code == 200


def test_a_stopped_initiatives_stop_is_not_dated_after_its_end_date(
    en_editor, client, make_initiative
):
    """The end date of a stopped initiative is the day it stopped; a stop entry dated after it
    was saved, and the page said "Ended 30 November 2022" and, in the timeline, "15 December
    2022 Stopped"."""
    initiative = make_initiative(phase=Phase.STOPPED, end_date=timezone.datetime(2022, 11, 30))
    stop = PhaseChange.objects.create(
        initiative=initiative, date=initiative.end_date, phase=Phase.STOPPED, note="Utvärderat."
    )
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = _change_data(
        initiative,
        stop_reason=initiative.stop_reason,
        stop_explanation=initiative.stop_explanation,
        lessons_learned=initiative.lessons_learned,
        end_date="2022-11-30",
    )
    row = {
        "id": stop.pk,
        "initiative": initiative.pk,
        "phase": Phase.STOPPED,
        "note": "Utvärderat.",
    }
    data.update(_inline("timeline", [{**row, "date": "2022-12-15"}], initial=1))
    response = en_editor.post(url, data)
    assert response.status_code == 200
    message = (
        "The stop is dated after the initiative's end date, 30 November 2022, the day it was "
        "stopped: its page would say it ended before it stopped. Date the stop that day, or "
        "correct the end date."
    )
    assert _timeline_errors(response) == [{"date": [message]}]
    assert escape(message) in response.text
    stop.refresh_from_db()
    assert stop.date.isoformat() == "2022-11-30"
    assert "15 december 2022" not in client.get(initiative.get_absolute_url()).text

    # Correcting the end date, with the stop as stored beside it: the stop follows the date.
    data.update(_inline("timeline", [{**row, "date": "2022-11-30"}], initial=1))
    assert en_editor.post(url, {**data, "end_date": "2022-11-20"}).status_code == 302
    stop.refresh_from_db()
    assert stop.date.isoformat() == "2022-11-20"

    # Dated that day, or before, the stop is saved.
    data.update(_inline("timeline", [{**row, "date": "2022-11-10"}], initial=1))
    assert en_editor.post(url, {**data, "end_date": "2022-11-20"}).status_code == 302
    stop.refresh_from_db()
    assert stop.date.isoformat() == "2022-11-10"


def test_stopping_an_initiative_refuses_a_stop_dated_after_the_day_it_stopped(
    editor_client, make_initiative
):
    """Stopped in one save, with the stop entered in the timeline, in the editor's language."""
    initiative = make_initiative(phase=Phase.PILOT)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = _change_data(
        initiative,
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Effekten uteblev.",
        lessons_learned="Mät före och efter.",
        start_date="2022-03-01",
        end_date="2022-11-30",
    )
    data.update(_inline("timeline", [{"date": "2022-12-15", "phase": Phase.STOPPED}]))
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert _timeline_errors(response) == [
        {
            "date": [
                "Stoppet är daterat efter initiativets slutdatum, 30 november 2022, dagen då det "
                "stoppades: sidan skulle säga att det avslutades innan det stoppades. Datera "
                "stoppet till den dagen, eller rätta slutdatumet."
            ]
        }
    ]
    initiative.refresh_from_db()
    assert initiative.phase == Phase.PILOT
    assert not initiative.timeline.exists()
