"""ChallengeFilter on its own: each filter narrows the published challenges."""

from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone
from taggit.models import Tag

from challenges.filters import ChallengeFilter
from challenges.models import Challenge


def _titles(params: str) -> set[str]:
    filterset = ChallengeFilter(QueryDict(params), queryset=Challenge.objects.published())
    assert filterset.is_valid(), filterset.errors
    return {challenge.title for challenge in filterset.qs}


@pytest.mark.django_db
def test_status_open_and_closed(make_challenge):
    today = timezone.localdate()
    make_challenge(title="Öppen utan slutdatum", open_until=None)
    make_challenge(title="Öppen till i dag", open_until=today)
    make_challenge(title="Stängd i går", open_until=today - timedelta(days=1))

    assert _titles("status=open") == {"Öppen utan slutdatum", "Öppen till i dag"}
    assert _titles("status=closed") == {"Stängd i går"}
    assert len(_titles("")) == 3


@pytest.mark.django_db
def test_department_by_slug(make_challenge, make_department):
    miljo = make_department(name="Miljöförvaltningen", slug="miljoforvaltningen")
    make_challenge(title="Miljöns", owner_department=miljo)
    make_challenge(title="Någon annans")

    assert _titles("department=miljoforvaltningen") == {"Miljöns"}


@pytest.mark.django_db
def test_global_goal(make_challenge, goal):
    make_challenge(title="Hållbar stad", goals=[goal])
    make_challenge(title="Utan mål")

    assert _titles(f"goal={goal.number}") == {"Hållbar stad"}


@pytest.mark.django_db
def test_tag(make_challenge):
    make_challenge(title="Om cykling", tags=["cykel", "trafik"])
    make_challenge(title="Om trafik", tags=["trafik"])

    assert _titles("tag=cykel") == {"Om cykling"}
    assert _titles("tag=trafik") == {"Om cykling", "Om trafik"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written", ["Social hållbarhet", "social hållbarhet", "social-hållbarhet", "SOCIAL-hållbarhet"]
)
def test_a_tag_is_found_as_it_is_shown_or_by_its_slug(make_challenge, written):
    make_challenge(title="Trygga parker", tags=["social hållbarhet"])
    make_challenge(title="Om trafik", tags=["trafik"])

    assert _titles(f"tag={written}") == {"Trygga parker"}


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["Återbruk", "ÅTERBRUK", "återbruk"])
def test_a_tag_is_found_in_any_case_of_its_swedish_letters(make_challenge, written):
    """On SQLite "Återbruk", as a phone writes a word's first letter, found nothing of the tag
    "återbruk" while "Kultur" found "kultur": its case was folded for a to z alone."""
    make_challenge(title="Cirkulär stad", tags=["återbruk"])
    make_challenge(title="Om trafik", tags=["trafik"])

    assert _titles(f"tag={written}") == {"Cirkulär stad"}


@pytest.mark.django_db
def test_text_matches_every_word_in_title_summary_or_body(make_challenge):
    make_challenge(title="Ensamhet bland äldre", summary="Hur når vi fler?")
    make_challenge(title="Parkering", body="Ensamhet är inte ämnet här, bilar är det.")
    make_challenge(title="Något helt annat")

    assert _titles("q=ensamhet") == {"Ensamhet bland äldre", "Parkering"}
    assert _titles("q=ensamhet+bilar") == {"Parkering"}


@pytest.mark.django_db
def test_filters_combine(make_challenge, make_department, goal):
    skola = make_department(slug="skola")
    make_challenge(title="Träff", owner_department=skola, goals=[goal], tags=["lek"])
    make_challenge(title="Fel mål", owner_department=skola, tags=["lek"])
    make_challenge(title="Fel förvaltning", goals=[goal], tags=["lek"])

    assert _titles(f"department=skola&goal={goal.number}&tag=lek") == {"Träff"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    ["status=maybe", "department=finns-inte", "goal=99", "goal=abc", "goal=99999999999999999999"],
)
def test_unknown_values_are_form_errors(params):
    filterset = ChallengeFilter(QueryDict(params), queryset=Challenge.objects.published())
    assert not filterset.is_valid()
    assert filterset.errors


def test_a_tag_link_lists_only_that_tag_when_another_is_named_like_its_slug(make_challenge):
    """ "e tjänster" came first and got the slug "e-tjänster"; the tag named "e-tjänster" then
    got another slug. The link of "e tjänster" lists only what has it; the other tag is found
    by its own slug."""
    make_challenge(title="Med mellanslag", tags=["e tjänster"])
    make_challenge(title="Med bindestreck", tags=["e-tjänster"])
    first, second = Tag.objects.get(name="e tjänster"), Tag.objects.get(name="e-tjänster")
    assert first.slug == "e-tjänster" != second.slug
    assert _titles(f"tag={first.slug}") == {"Med mellanslag"}
    assert _titles(f"tag={second.slug}") == {"Med bindestreck"}
    assert _titles("tag=e tjänster") == {"Med mellanslag"}
