"""The address of a page of a challenge's ideas, for search engines: canonical and alternates."""

import pytest

from contributions.models import ContributionStatus
from contributions.paging import IDEAS_PER_PAGE
from tests.site.test_language import addresses


@pytest.mark.parametrize(
    ("query", "page"),
    [("", ""), ("?page=1", ""), ("?page=2", "?page=2"), ("?page=2&utm_source=x", "?page=2")],
)
def test_a_page_of_a_challenges_ideas_is_its_own_canonical_in_both_languages(
    client, make_challenge, make_contribution, query, page
):
    """Page 2 of a challenge's ideas named page 1 its canonical while its hreflang alternates
    named page 2: now both name page 2, in each language, and page 1 names itself."""
    challenge = make_challenge(slug="trygga-parker")
    for _ in range(IDEAS_PER_PAGE + 1):
        make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)

    for path, own in (
        ("/utmaningar/trygga-parker/", "sv"),
        ("/en/challenges/trygga-parker/", "en"),
    ):
        canonical, alternates = addresses(client.get(f"{path}{query}").text)

        assert alternates == {
            "sv": f"http://testserver/utmaningar/trygga-parker/{page}",
            "en": f"http://testserver/en/challenges/trygga-parker/{page}",
        }
        assert canonical == [alternates[own]]


def test_a_page_of_ideas_past_the_end_or_holding_an_idea_names_the_page_shown(
    client, make_challenge, make_contribution
):
    """?page=99 shows the last page of a challenge's ideas, and ?idea= the page that holds the
    idea, but the canonical and the alternates named the number asked for (?page=99) or page 1
    (for ?idea=): now they name the page shown, in each language, as the lists do."""
    challenge = make_challenge(slug="trygga-parker")
    ideas = [
        make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)
        for _ in range(IDEAS_PER_PAGE + 1)
    ]
    oldest = ideas[0].reference  # newest first: the oldest is on page 2

    for query in ("?page=99", f"?idea={oldest}", "?page=99&utm_source=x"):
        for path, own in (
            ("/utmaningar/trygga-parker/", "sv"),
            ("/en/challenges/trygga-parker/", "en"),
        ):
            canonical, alternates = addresses(client.get(f"{path}{query}").text)

            assert alternates == {
                "sv": "http://testserver/utmaningar/trygga-parker/?page=2",
                "en": "http://testserver/en/challenges/trygga-parker/?page=2",
            }, query
            assert canonical == [alternates[own]]
    # An idea on the first page, or one not among them, opens the first page.
    for query in (f"?idea={ideas[-1].reference}", "?idea=NOPE"):
        canonical, _ = addresses(client.get(f"/utmaningar/trygga-parker/{query}").text)
        assert canonical == ["http://testserver/utmaningar/trygga-parker/"]


@pytest.mark.parametrize(("query", "page"), [("?page=99", "?page=2"), ("?page=2", "?page=2")])
def test_a_page_of_an_initiatives_ideas_past_the_end_names_the_last_page(
    client, make_challenge, make_initiative, make_contribution, query, page
):
    """The ideas an initiative grew from past the end (?page=99) showed the last page and
    named ?page=99 its canonical and alternates: now the last page, in each language."""
    challenge = make_challenge()
    initiative = make_initiative(slug="mobil-lekplats")
    for _ in range(IDEAS_PER_PAGE + 1):
        make_contribution(
            challenge=challenge, initiative=initiative, status=ContributionStatus.PUBLISHED
        )

    for path, own in (
        ("/initiativ/mobil-lekplats/", "sv"),
        ("/en/initiatives/mobil-lekplats/", "en"),
    ):
        canonical, alternates = addresses(client.get(f"{path}{query}").text)

        assert alternates == {
            "sv": f"http://testserver/initiativ/mobil-lekplats/{page}",
            "en": f"http://testserver/en/initiatives/mobil-lekplats/{page}",
        }
        assert canonical == [alternates[own]]
