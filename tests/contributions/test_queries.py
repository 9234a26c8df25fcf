"""Pages with ideas run a constant number of queries, whatever the number of ideas."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contributions.models import Contribution, ContributionStatus, DeclineReason
from contributions.paging import IDEAS_PER_PAGE
from tests.conftest import plan_with_more_rows


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_form_page_constant(client, make_challenge, make_contribution):
    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    few = count_queries(client, url)
    for _ in range(15):
        make_contribution(challenge=challenge)
    assert count_queries(client, url) == few <= 3


def test_receipt_and_status_pages_constant(client, make_contribution, make_initiative):
    idea = make_contribution(
        status=ContributionStatus.PUBLISHED, initiative=make_initiative(), public_answer="Svar"
    )
    for name in ("contributions:receipt", "contributions:status"):
        url = reverse(name, args=[idea.token])
        assert count_queries(client, url) <= 2


def test_challenge_ideas_constant(client, make_challenge, make_contribution, make_initiative):
    challenge = make_challenge()
    url = challenge.get_absolute_url()
    make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)
    few = count_queries(client, url)
    for n in range(12):
        make_contribution(
            challenge=challenge,
            status=ContributionStatus.PUBLISHED,
            initiative=make_initiative(),
            public_answer=f"Svar {n}",
        )
        make_contribution(
            challenge=challenge,
            status=ContributionStatus.DECLINED,
            decline_reason=list(DeclineReason)[n % len(DeclineReason)],
        )
    many = count_queries(client, url)
    assert many == few
    assert many <= 10


def test_a_challenge_shows_its_ideas_a_page_at_a_time(client, make_challenge, make_contribution):
    challenge = make_challenge()
    for n in range(IDEAS_PER_PAGE + 3):
        make_contribution(
            challenge=challenge, status=ContributionStatus.PUBLISHED, title=f"Idé nummer {n:02}"
        )
    url = challenge.get_absolute_url()
    first = client.get(url).content.decode()
    newest, oldest = f"Idé nummer {IDEAS_PER_PAGE + 2:02}", "Idé nummer 00"
    assert newest in first and oldest not in first
    assert first.count('class="idea"') == IDEAS_PER_PAGE
    assert "Sida 1 av 2" in first
    assert 'aria-label="Sidor med idéer"' in first
    assert 'href="?page=2#ideas-heading"' in first
    # The counts are of every idea, not of the page.
    assert f"<dd>{IDEAS_PER_PAGE + 3}</dd>" in first

    second = client.get(url, {"page": 2}).content.decode()
    assert oldest in second and newest not in second
    assert second.count('class="idea"') == 3
    assert 'href="?page=1#ideas-heading"' in second
    # A page past the end, or not a number, is a page that exists.
    assert client.get(url, {"page": 99}).content.decode().count('class="idea"') == 3
    assert client.get(url, {"page": "x"}).content.decode().count('class="idea"') == IDEAS_PER_PAGE
    # A page before the first is the first, as on the lists: it was the last.
    for before in ("0", "-3"):
        page = client.get(url, {"page": before}).content.decode()
        assert newest in page and "Sida 1 av 2" in page


def test_a_later_page_of_a_challenges_ideas_says_which_in_its_title(
    client, make_challenge, make_contribution
):
    """Every page of a challenge's ideas had the challenge's plain title, where the lists say
    which page they show: a screen reader user could not tell page 2 from page 1 by it."""

    def title(response) -> str:
        return re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)

    challenge = make_challenge(title="Tryggare parker", slug="tryggare-parker")
    ideas = [
        make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)
        for _ in range(IDEAS_PER_PAGE + 1)
    ]
    url = challenge.get_absolute_url()
    assert title(client.get(url)) == "Tryggare parker – Innovation Helsingborg"
    second = "Tryggare parker (idéer, sida 2 av 2) – Innovation Helsingborg"
    assert title(client.get(url, {"page": 2})) == second
    # A link to the oldest idea opens the page that holds it.
    assert title(client.get(url, {"idea": ideas[0].reference})) == second
    english = client.get("/en/challenges/tryggare-parker/", {"page": 2})
    assert title(english) == "Tryggare parker (ideas, page 2 of 2) – Innovation Helsingborg"
    # The page of ideas is found once for the title and the list: its counts and its ideas.
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"page": 2})
    ideas_read = [q["sql"] for q in queries if '"contributions_contribution"' in q["sql"]]
    assert len(ideas_read) == 2, ideas_read


def test_a_challenges_most_recently_published_ideas_are_read_off_an_index(
    make_challenge, make_contribution
):
    """A challenge's feed holds its most recently published ideas: read in order off an index
    of the published ones, not every published idea of the challenge read and sorted."""
    challenge = make_challenge()
    for status in (ContributionStatus.PUBLISHED, ContributionStatus.PENDING):
        make_contribution(challenge=challenge, status=status)
    newest = Contribution.objects.published_newest_first().filter(challenge=challenge)[:30]
    # SQLite's planner takes an index without being told; PostgreSQL's, with a test's few rows,
    # reads the table and sorts (with 200,000 ideas it reads the index by itself, 0.2 ms).
    explain = plan_with_more_rows if connection.vendor == "postgresql" else type(newest).explain
    plan = explain(newest)
    assert "contribution_published_idx" in plan, plan
    assert not re.search(r"\bSort\b|TEMP B-TREE", plan), plan
