"""The address of a page of a challenge's ideas, for search engines: canonical and alternates."""

import pytest

from contributions.models import ContributionStatus
from contributions.templatetags.contributions import IDEAS_PER_PAGE
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
