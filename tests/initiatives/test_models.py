"""The portfolio's rules: a stopped initiative says why and what was learned."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative, Phase, PhaseChange, StopReason


def _stopped(make_initiative, **fields):
    initiative = make_initiative(phase=Phase.PILOT)
    initiative.phase = Phase.STOPPED
    initiative.stop_reason = "no_effect"
    initiative.stop_explanation = "Effekten uteblev."
    initiative.lessons_learned = "Testa i liten skala."
    initiative.end_date = date(2025, 6, 30)
    for name, value in fields.items():
        setattr(initiative, name, value)
    return initiative


@pytest.mark.parametrize(
    "missing", ["stop_reason", "stop_explanation", "lessons_learned", "end_date"]
)
def test_a_stopped_initiative_must_say_why_what_was_learned_and_when(make_initiative, missing):
    initiative = _stopped(make_initiative, **{missing: None if missing == "end_date" else ""})
    with pytest.raises(ValidationError) as error:
        initiative.full_clean()
    assert missing in error.value.message_dict


def test_a_complete_stopped_initiative_is_valid(make_initiative):
    _stopped(make_initiative).full_clean()


def test_a_stopped_initiative_cannot_end_in_the_future(make_initiative):
    """Its end date is the day it was stopped: one a month ahead made the page say "Ends"
    of an initiative already stopped, and the portfolio count it as active next year."""
    today = timezone.localdate()
    _stopped(make_initiative, end_date=today).full_clean()
    initiative = _stopped(make_initiative, end_date=today + timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        initiative.full_clean()
    with translation.override("en"):
        assert error.value.message_dict == {
            "end_date": [
                "A stopped initiative ends the day it was stopped: its end date cannot be in "
                "the future."
            ]
        }
    # Any other phase may plan its end.
    make_initiative(phase=Phase.PILOT, end_date=today + timedelta(days=90)).full_clean()


def test_an_image_in_the_lessons_is_refused(make_initiative):
    """Lessons are shown without images: one put in them vanished without a word."""
    initiative = _stopped(make_initiative, lessons_learned="Se bilden:\n\n![Diagram](/d.png)")
    with pytest.raises(ValidationError) as error:
        initiative.full_clean()
    assert list(error.value.message_dict) == ["lessons_learned"]


def test_only_a_stopped_initiative_has_a_stop_reason(make_initiative):
    initiative = make_initiative(phase=Phase.PILOT)
    initiative.stop_reason = "too_costly"
    with pytest.raises(ValidationError) as error:
        initiative.full_clean()
    assert "stop_reason" in error.value.message_dict


def test_the_end_cannot_come_before_the_start(make_initiative):
    initiative = make_initiative(start_date=date(2025, 5, 1))
    initiative.end_date = date(2025, 4, 1)
    with pytest.raises(ValidationError) as error:
        initiative.full_clean()
    assert "end_date" in error.value.message_dict


def test_the_database_refuses_a_stopped_initiative_without_reason(make_initiative):
    initiative = make_initiative(phase=Phase.PILOT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Initiative.objects.filter(pk=initiative.pk).update(phase=Phase.STOPPED, stop_reason="")


def test_an_image_needs_alt_text(make_initiative):
    initiative = make_initiative()
    initiative.image = SimpleUploadedFile("bild.png", b"x")
    initiative.image_alt = " "
    with pytest.raises(ValidationError) as error:
        initiative.clean()
    assert "image_alt" in error.value.message_dict


def test_published_means_published_and_due(make_initiative):
    visible = make_initiative()
    make_initiative(status=Status.DRAFT)
    make_initiative(status=Status.ARCHIVED)
    make_initiative(publish_at=timezone.now() + timedelta(days=1))
    assert list(Initiative.objects.published()) == [visible]


def test_staff_see_everything_visitors_only_what_is_published(make_initiative, editor):
    visible = make_initiative()
    hidden = {
        make_initiative(status=Status.DRAFT),
        make_initiative(status=Status.ARCHIVED),
        make_initiative(publish_at=timezone.now() + timedelta(hours=1)),
        make_initiative(status=Status.DRAFT, publish_at=timezone.now() - timedelta(days=1)),
    }
    assert set(Initiative.objects.visible_to(editor)) == hidden | {visible}
    assert list(Initiative.objects.visible_to(AnonymousUser())) == [visible]


def test_a_logged_in_user_who_is_not_staff_sees_only_what_is_published(
    make_initiative, django_user_model
):
    user = django_user_model.objects.create_user(username="invånare", password="x" * 20)
    visible = make_initiative()
    make_initiative(status=Status.DRAFT)
    assert list(Initiative.objects.visible_to(user)) == [visible]


def test_a_scheduled_initiative_goes_public_when_its_time_comes(make_initiative):
    initiative = make_initiative(publish_at=timezone.now() + timedelta(minutes=5))
    assert initiative.is_scheduled and not initiative.is_public
    Initiative.objects.filter(pk=initiative.pk).update(
        publish_at=timezone.now() - timedelta(seconds=1)
    )
    assert list(Initiative.objects.published()) == [initiative]


def test_publishing_without_a_date_publishes_now(make_initiative):
    initiative = make_initiative(status=Status.DRAFT, publish_at=None)
    initiative.status = Status.PUBLISHED
    initiative.full_clean()
    assert initiative.publish_at is not None and initiative.publish_at <= timezone.now()


def test_the_database_refuses_an_end_before_the_start(make_initiative):
    initiative = make_initiative(start_date=date(2025, 5, 1))
    initiative.end_date = date(2025, 4, 30)
    with pytest.raises(IntegrityError), transaction.atomic():
        initiative.save()


def test_the_database_refuses_saving_a_stopped_initiative_without_reason(make_initiative):
    initiative = _stopped(make_initiative, stop_reason="")
    with pytest.raises(IntegrityError), transaction.atomic():
        initiative.save()
    assert Initiative.objects.get(pk=initiative.pk).phase == Phase.PILOT


def test_lessons_are_allowed_in_any_phase(make_initiative):
    for phase in [Phase.IDEA, Phase.EXPLORATION, Phase.PILOT, Phase.IMPLEMENTATION,
                  Phase.OPERATION]:  # fmt: skip
        make_initiative(phase=phase, lessons_learned="Något vi lärde oss.").full_clean()


def test_active_in_a_year(make_initiative):
    make_initiative(title="Pågår", start_date=date(2021, 3, 1))
    make_initiative(title="Avslutat", start_date=date(2019, 1, 1), end_date=date(2021, 1, 1))
    make_initiative(title="Tidigt avslut", start_date=date(2018, 1, 1),
                    end_date=date(2020, 12, 31))  # fmt: skip
    make_initiative(title="Utan datum")
    make_initiative(title="Senare", start_date=date(2022, 1, 1))

    def titles(year):
        return set(Initiative.objects.active_in(year).values_list("title", flat=True))

    assert titles(2021) == {"Pågår", "Avslutat"}
    assert titles(2020) == {"Avslutat", "Tidigt avslut"}
    assert titles(2030) == {"Pågår", "Senare"}
    assert titles(2017) == set()


def test_stopped_with_lessons_and_stopped_first(make_initiative):
    older_stopped = make_initiative(
        phase=Phase.STOPPED, publish_at=timezone.now() - timedelta(days=9)
    )
    running = make_initiative(phase=Phase.PILOT, lessons_learned="Ja.")
    make_initiative(phase=Phase.PILOT)
    assert list(Initiative.objects.stopped()) == [older_stopped]
    assert older_stopped not in Initiative.objects.not_stopped()
    assert list(Initiative.objects.with_lessons().stopped_first()) == [older_stopped, running]


def _states(initiative) -> list[tuple[str, str]]:
    return [(step["phase"], step["state"]) for step in initiative.progress()]


def test_progress_marks_the_phases_done_current_and_ahead(make_initiative):
    initiative = make_initiative(phase=Phase.PILOT)
    assert _states(initiative) == [
        ("idea", "done"), ("exploration", "done"), ("pilot", "current"),
        ("implementation", "ahead"), ("operation", "ahead"),
    ]  # fmt: skip


def test_progress_of_a_stopped_initiative_shows_where_it_stopped(make_initiative):
    initiative = make_initiative(
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Ingen effekt.",
        lessons_learned="Testa tidigt.",
    )
    for day, phase in [(1, Phase.IDEA), (2, Phase.EXPLORATION), (3, Phase.STOPPED)]:
        PhaseChange.objects.create(initiative=initiative, date=date(2024, 1, day), phase=phase)
    assert _states(initiative)[:3] == [
        ("idea", "done"),
        ("exploration", "stopped"),
        ("pilot", "ahead"),
    ]


def test_the_initiative_page_shows_its_progress(client, make_initiative):
    html = client.get(make_initiative(phase=Phase.IMPLEMENTATION).get_absolute_url()).text
    assert 'class="progress__step progress__step--current" aria-current="step"' in html
    assert html.count("progress__step--done") == 3


def test_a_stopped_initiative_without_a_timeline_draws_no_road(client, make_initiative):
    """Created as stopped, with no phase before it: every phase "not reached" would say it never
    even was an idea. The page shows that it stopped, and why, without a made-up road."""
    initiative = make_initiative(phase=Phase.STOPPED)
    assert initiative.progress() == []
    html = client.get(initiative.get_absolute_url()).text
    assert "progress__step" not in html
    assert 'id="progress-heading"' not in html
    assert "Effekten uteblev." in html
