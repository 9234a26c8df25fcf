"""The seed_demo command: idempotent demo content that passes validation, and the benchmark set."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone
from taggit.models import TaggedItem

from challenges.models import Challenge
from contributions.models import Contribution
from helsingborg_innovation.models import ContactPerson, Department, Partner
from helsingborg_innovation.publishing import Status
from initiatives.models import ImpactGoal, Initiative, Phase, PhaseChange
from methods.models import Attachment, Method

DEPARTMENTS = [
    "Stadsledningsförvaltningen", "Stadsbyggnadsförvaltningen", "Skol- och fritidsförvaltningen",
    "Vård- och omsorgsförvaltningen", "Socialförvaltningen", "Arbetsmarknadsförvaltningen",
    "Kulturförvaltningen", "Miljöförvaltningen", "Fastighetsförvaltningen", "Helsingborgshem",
    "Öresundskraft", "NSVA", "Helsingborgs Hamn",
]  # fmt: skip

pytestmark = pytest.mark.django_db


def seed(*args, **options) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    """Rows of every model the command writes, M2M tables included."""
    models = [Department, Partner, ContactPerson, Challenge, Initiative, Method, PhaseChange,
              ImpactGoal, Attachment, Contribution, TaggedItem, get_user_model()]  # fmt: skip
    result = {model._meta.label: model.objects.count() for model in models}
    for field in ["departments", "partners", "challenges", "methods", "goals"]:
        through = getattr(Initiative, field).through
        result[through._meta.label] = through.objects.count()
    for field in ["goals", "suggested_methods"]:
        through = getattr(Challenge, field).through
        result[through._meta.label] = through.objects.count()
    return result


def test_running_twice_gives_the_same_rows_and_changes_nothing():
    seed()
    first = counts()
    stamps = {
        model: dict(model.objects.values_list("slug", "updated_at"))
        for model in (Challenge, Initiative, Method)
    }
    timeline_ids = set(PhaseChange.objects.values_list("pk", flat=True))
    seed()
    assert counts() == first
    assert first["initiatives.Initiative"] >= 40
    for model, before in stamps.items():
        assert dict(model.objects.values_list("slug", "updated_at")) == before, model
    assert set(PhaseChange.objects.values_list("pk", flat=True)) == timeline_ids


def test_demo_content_meets_the_minimums():
    seed()
    today = timezone.localdate()
    challenges = Challenge.objects.published()
    assert challenges.count() >= 12
    assert challenges.filter(open_until__gte=today).exists()
    assert challenges.filter(open_until__lt=today).exists()
    assert challenges.filter(open_until__isnull=True).exists()

    initiatives = Initiative.objects.published()
    assert initiatives.count() >= 40
    assert set(initiatives.values_list("phase", flat=True)) == set(Phase.values)
    stopped = initiatives.stopped()
    assert stopped.count() >= 8
    for initiative in stopped:
        assert initiative.stop_reason
        assert initiative.stop_explanation.strip()
        assert len(initiative.lessons_learned) > 40, initiative.slug
    assert initiatives.exclude(phase=Phase.STOPPED).with_lessons().count() >= 5

    methods = Method.objects.published()
    assert methods.count() >= 20
    assert set(methods.values_list("kind", flat=True)) == set(Method.Kind.values)
    assert set(methods.values_list("stage", flat=True)) == set(Method.Stage.values)
    assert methods.exclude(external_url="").count() >= 3
    assert not methods.filter(duration="").exists()

    assert set(Partner.objects.values_list("kind", flat=True)) == set(Partner.Kind.values)
    assert set(DEPARTMENTS) <= set(Department.objects.values_list("name", flat=True))
    assert ContactPerson.objects.filter(name="Lisa Olsson").exists()
    assert not ContactPerson.objects.exclude(email__endswith="@example.org").exists()
    assert not Contribution.objects.exclude(email="").exclude(email__endswith="@example.org")


def test_initiatives_tell_their_story():
    seed()
    initiatives = Initiative.objects.published()
    for initiative in initiatives:
        timeline = list(initiative.timeline.all())
        assert timeline, initiative.slug
        assert timeline[-1].phase == initiative.phase, initiative.slug
        assert all(step.note for step in timeline)
        assert [s.date for s in timeline] == sorted(s.date for s in timeline)
        assert initiative.owner_department_id
        assert initiative.start_date
    bus = Initiative.objects.get(slug="sjalvkorande-buss")
    pilot = bus.timeline.get(phase=Phase.PILOT)
    assert "H22" in pilot.note
    assert pilot.date.year == 2022  # H22 City Expo was held in 2022
    assert bus.end_date.year == 2022
    assert ImpactGoal.objects.exclude(result="").count() >= 15
    assert ImpactGoal.objects.filter(result="").exists()
    assert initiatives.filter(departments__isnull=False).distinct().count() >= 15
    assert initiatives.filter(partners__isnull=False).distinct().count() >= 20
    assert initiatives.filter(goals__isnull=False).distinct().count() == initiatives.count()
    assert TaggedItem.objects.filter(tag__name="välfärdsteknik").count() >= 3


def test_publishing_dates_previews_and_age_notice():
    seed()
    now = timezone.now()
    public = [*Challenge.objects.published(), *Initiative.objects.published()]
    oldest = min(item.publish_at for item in public)
    assert (now - oldest).days <= 731
    assert (now - oldest).days >= 365
    assert Initiative.objects.filter(status=Status.DRAFT).exists()
    assert Challenge.objects.filter(status=Status.DRAFT).exists()
    scheduled = [m for m in Method.objects.all() if m.is_scheduled]
    assert len(scheduled) == 1
    assert Initiative.objects.published().filter(phase=Phase.STOPPED).count() >= 8
    assert any(item.is_old for item in Initiative.objects.all())
    assert any(item.is_old for item in Challenge.objects.all())
    assert not all(item.is_old for item in Initiative.objects.all())


def test_every_object_passes_validation():
    seed()
    labels = ["site", "challenges", "initiatives", "methods", "contributions"]
    checked = 0
    for label in labels:
        for model in apps.get_app_config(label).get_models():
            for obj in model.objects.all():
                obj.full_clean()
                checked += 1
    assert checked > 200


def test_the_attachment_is_a_pdf():
    seed()
    attachment = Attachment.objects.get()
    with attachment.file.open("rb") as f:
        content = f.read()
    assert content.startswith(b"%PDF-1.4")
    assert content.rstrip().endswith(b"%%EOF")
    assert b"startxref" in content


def test_no_superuser_without_debug(settings):
    settings.DEBUG = False
    output = seed()
    assert not get_user_model().objects.filter(username="admin").exists()
    assert "admin" not in output


def test_local_superuser_with_debug(settings):
    settings.DEBUG = True
    output = seed()
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert user.check_password("admin")
    assert "'admin'" in output
    seed()
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_output_is_short():
    output = seed()
    assert len(output.splitlines()) <= 3
    assert "initiatives" in output
    assert seed(verbosity=0) == ""


def test_large_creates_the_expected_counts_and_is_idempotent():
    seed()
    demo = counts()
    demo_slugs = set(Initiative.objects.values_list("slug", flat=True))
    output = seed("--large", "500", verbosity=0)
    assert output == ""

    bench = Initiative.objects.filter(slug__startswith="bench-initiative-")
    assert bench.count() == 500
    assert Challenge.objects.filter(slug__startswith="bench-challenge-").count() == 50
    assert Method.objects.filter(slug__startswith="bench-method-").count() == 10
    assert Contribution.objects.filter(challenge__slug__startswith="bench-").count() == 100
    assert set(bench.values_list("phase", flat=True)) == set(Phase.values)
    assert bench.published().count() == 500
    for initiative in bench.stopped():
        initiative.full_clean()
        assert initiative.lessons_learned
    assert PhaseChange.objects.filter(initiative__in=bench).count() == 500
    assert Initiative.departments.through.objects.filter(initiative__in=bench).exists()
    assert Initiative.goals.through.objects.filter(initiative__in=bench).exists()
    assert Initiative.challenges.through.objects.filter(initiative__in=bench).exists()
    for idea in Contribution.objects.filter(challenge__slug__startswith="bench-")[:50]:
        idea.full_clean()
    # Every idea was received before it was decided, in the synthetic set too.
    assert not Contribution.objects.filter(decided_at__lt=F("created_at")).exists()
    # The demo content is untouched.
    demo_rows = Initiative.objects.exclude(slug__startswith="bench-")
    assert set(demo_rows.values_list("slug", flat=True)) == demo_slugs

    after = counts()
    seed("--large", "500", verbosity=0)
    assert counts() == after

    # Topping up fills gaps and adds to the end.
    Initiative.objects.get(slug="bench-initiative-7").delete()
    seed("--large", "600", verbosity=0)
    assert bench.count() == 600
    assert bench.filter(slug="bench-initiative-7").exists()
    assert Challenge.objects.filter(slug__startswith="bench-challenge-").count() == 60
    assert (
        Initiative.objects.exclude(slug__startswith="bench-").count()
        == (demo["initiatives.Initiative"])
    )


def test_large_progress_is_reported():
    output = seed("--large", "20", "--ideas", "0")
    assert "Benchmark data: 20 initiatives" in output
    assert Contribution.objects.filter(challenge__slug__startswith="bench-").count() == 0


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError):
        seed("--large", "-1")
    with pytest.raises(CommandError):
        seed("--ideas", "5")


def test_demo_ideas_were_received_over_time_before_their_decision():
    seed()
    ideas = Contribution.objects.all()
    assert ideas.exists()
    assert not ideas.filter(decided_at__lt=F("created_at")).exists()
    assert len({idea.created_at.date() for idea in ideas}) == ideas.count()
    seed()
    assert {i.pk: i.created_at for i in Contribution.objects.all()} == {
        i.pk: i.created_at for i in ideas
    }


def test_an_initiative_names_the_challenges_it_answers_in_a_sentence_that_reads_well():
    """A challenge's title is a question ("Hur …?"), and the sentence that names it ended
    "…?*." ("…?." on the page), and named several challenges as "utmaningen A, B"."""
    seed()
    bodies = Initiative.objects.values_list("body", flat=True)
    answering = [body for body in bodies if "svarar på utmaning" in body]
    assert answering
    for body in answering:
        assert "?*." not in body and "?." not in body
    several = Initiative.objects.filter(challenges__isnull=False).values("pk")
    several = [
        initiative
        for initiative in Initiative.objects.filter(pk__in=several)
        if initiative.challenges.count() > 1
    ]
    for initiative in several:
        assert "svarar på utmaningarna " in initiative.body, initiative.slug
