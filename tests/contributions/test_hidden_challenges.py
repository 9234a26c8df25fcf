"""What the public may see: `published()` and its complement `unpublished()`."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge
from contributions.models import Contribution, ContributionStatus
from helsingborg_innovation.publishing import Status


def test_unpublished_is_exactly_what_published_leaves_out(make_challenge):
    now = timezone.now()
    states = {
        "published": {},
        "draft": {"status": Status.DRAFT},
        "archived": {"status": Status.ARCHIVED},
        "scheduled": {"publish_at": now + timedelta(days=2)},
        "published without a date": {"publish_at": None},
        "draft from a past date": {"status": Status.DRAFT, "publish_at": now - timedelta(days=9)},
    }
    made = {name: make_challenge(title=name, **fields) for name, fields in states.items()}
    # The model's clean() dates a published item; saved without it, the date stays unset.
    Challenge.objects.filter(pk=made["published without a date"].pk).update(publish_at=None)

    published = set(Challenge.objects.published().values_list("title", flat=True))
    unpublished = set(Challenge.objects.unpublished().values_list("title", flat=True))
    assert published == {"published"}
    assert unpublished == set(states) - {"published"}


def test_ideas_of_unpublished_challenges_are_left_out(make_challenge, make_contribution):
    shown = make_challenge(title="Publicerad")
    for name, fields in {
        "utkast": {"status": Status.DRAFT},
        "schemalagd": {"publish_at": timezone.now() + timedelta(days=1)},
        "arkiverad": {"status": Status.ARCHIVED},
    }.items():
        hidden = make_challenge(title=name, **fields)
        make_contribution(challenge=hidden, status=ContributionStatus.PUBLISHED, title=name)
    make_contribution(challenge=shown, status=ContributionStatus.PUBLISHED, title="Synlig idé")

    ideas = Contribution.objects.published().of_published_challenges()
    assert list(ideas.values_list("title", flat=True)) == ["Synlig idé"]


def test_search_and_open_data_show_no_idea_of_a_hidden_challenge(
    client, make_challenge, make_contribution
):
    hidden = make_challenge(status=Status.DRAFT)
    make_contribution(
        challenge=hidden, status=ContributionStatus.PUBLISHED, title="Hemlig solcellsidé"
    )
    shown = make_challenge()
    make_contribution(
        challenge=shown, status=ContributionStatus.PUBLISHED, title="Öppen solcellsidé"
    )
    page = client.get(reverse("search:results"), {"q": "solcellsidé"}).text
    assert "Öppen solcellsidé" in page and "Hemlig" not in page
    response = client.get(reverse("opendata:export", kwargs={"dataset": "ideas", "fmt": "csv"}))
    export = b"".join(response.streaming_content).decode()
    assert "Öppen solcellsidé" in export and "Hemlig" not in export
