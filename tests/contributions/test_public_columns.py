"""The public pages and feeds that show ideas never read what is private about them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contributions.models import Contribution, ContributionStatus, SubmitterKind

PRIVATE = ("email", "organisation", "internal_note", "token", "submission_key", "consent")


@pytest.fixture
def published_idea(make_challenge, make_initiative):
    challenge = make_challenge(title="Tryggare stråk")
    initiative = make_initiative(title="Belysning längs stråket", challenges=[challenge])
    return Contribution.objects.create(
        challenge=challenge,
        initiative=initiative,
        title="Lampor som tänds",
        text="Sensorer som tänder lamporna när någon går förbi.",
        name="Anna Synlig",
        show_name=True,
        email="anna@example.org",
        organisation="Hemlig förening",
        kind=SubmitterKind.RESIDENT,
        consent=True,
        status=ContributionStatus.PUBLISHED,
        public_answer="Vi provar det i Slottsparken.",
    )


@pytest.mark.parametrize("page", ["challenge", "initiative", "feed"])
def test_ideas_are_shown_without_reading_their_private_columns(client, published_idea, page):
    url = {
        "challenge": published_idea.challenge.get_absolute_url(),
        "initiative": published_idea.initiative.get_absolute_url(),
        "feed": reverse("feeds:ideas_rss", kwargs={"slug": published_idea.challenge.slug}),
    }[page]
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Lampor som tänds" in text and "Anna Synlig" in text
    if page != "feed":
        assert "Vi provar det i Slottsparken." in text
    read = [
        q["sql"]
        for q in captured
        if q["sql"].startswith("SELECT") and '"contributions_contribution"."title"' in q["sql"]
    ]
    assert read
    for sql in read:
        for column in PRIVATE:
            assert f'"contributions_contribution"."{column}"' not in sql, (column, sql)
    assert "anna@example.org" not in text and "Hemlig förening" not in text
