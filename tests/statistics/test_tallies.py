"""The tallies PostgreSQL keeps of the ideas (contributions/tallies.py) give the statistics
exactly what counting the ideas themselves gives, whatever writes them."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contributions import tallies
from contributions.models import (
    ChallengeTally,
    ChallengeTotal,
    Contribution,
    IdeaTally,
    SubmitterKind,
)
from contributions.models import ContributionStatus as S
from helsingborg_innovation import statistics
from helsingborg_innovation.publishing import Status
from tests.statistics.conftest import at, plan_off_indexes

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only")]

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YEARS = (None, 2024, 2025)


def figures(year, *, tallied):
    return statistics.participation(year, tallied=tallied)


def decided(year, *, tallied):
    return statistics.decisions(year, tallied=tallied)


def test_the_tallies_give_what_counting_the_ideas_gives(make_challenge, make_idea):
    assert tallies.usable()
    open_one, other, later_hidden = make_challenge(), make_challenge(), make_challenge()
    draft = make_challenge(status=Status.DRAFT)
    # Around New Year and the end of January in Swedish time, which is not UTC's.
    make_idea(challenge=open_one, received=datetime(2024, 12, 31, 23, 30, tzinfo=STOCKHOLM))
    make_idea(challenge=open_one, received=datetime(2025, 1, 1, 0, 30, tzinfo=STOCKHOLM))
    make_idea(
        challenge=other,
        received=datetime(2025, 2, 1, 0, 15, tzinfo=STOCKHOLM),
        status=S.PUBLISHED,
        decided_after=timedelta(hours=5),
        kind=SubmitterKind.BUSINESS,
    )
    make_idea(challenge=other, received=at(2025, 3), status=S.DECLINED, decided_after=timedelta(1))
    make_idea(challenge=other, received=at(2024, 6), status=S.SPAM, decided_after=timedelta(2))
    make_idea(challenge=draft, received=at(2025, 3), status=S.PUBLISHED, decided_after=timedelta(3))
    doomed = make_idea(challenge=later_hidden, received=at(2025, 4))
    make_idea(challenge=later_hidden, received=at(2024, 4), status=S.DECLINED)
    # A bulk load (one INSERT of many rows), a bulk decision, a deletion, a challenge taken
    # out of the public's sight.
    Contribution.objects.bulk_create(
        Contribution(
            challenge=other,
            title=f"Idé {n}",
            text="Text.",
            kind=SubmitterKind.ACADEMIA,
            consent=True,
            reference=f"BULK{n}",
            token=f"bulk-token-{n}",
        )
        for n in range(5)
    )
    Contribution.objects.filter(reference__in=["BULK0", "BULK1"]).update(
        status=S.PUBLISHED, decided_at=at(2026, 12)
    )
    Contribution.objects.filter(reference="BULK2").update(created_at=at(2024, 2))
    doomed.delete()
    assert IdeaTally.objects.exists()
    # Each challenge's total is its yearly tallies summed: spam and deleted ideas left out.
    totals = dict(ChallengeTotal.objects.values_list("challenge", "ideas"))
    assert totals == {open_one.pk: 2, other.pk: 7, draft.pk: 1, later_hidden.pk: 1}
    for challenge, ideas in totals.items():
        by_year = ChallengeTally.objects.filter(challenge=challenge).values_list("ideas", flat=True)
        assert sum(by_year) == ideas

    for year in YEARS:
        assert figures(year, tallied=True) == figures(year, tallied=False), year
        assert decided(year, tallied=True) == decided(year, tallied=False), year

    later_hidden.status = Status.DRAFT
    later_hidden.save()
    for year in YEARS:
        assert figures(year, tallied=True) == figures(year, tallied=False), year
        assert decided(year, tallied=True) == decided(year, tallied=False), year
    everything = figures(None, tallied=True)
    assert everything.received == 9  # 13 ideas: one deleted, one spam, two hidden
    assert everything.spam == 1
    assert everything.months[0]["month"].isoformat() == "2024-02-01"
    january = [m for m in everything.months if m["month"].isoformat() == "2025-01-01"]
    assert january[0]["total"] == 1  # 00:30 on New Year's Day in Stockholm, 23:30 in UTC


def test_the_dashboard_reads_the_tallies_not_the_ideas(make_idea):
    make_idea(status=S.PUBLISHED, decided_after=timedelta(hours=2))
    with CaptureQueriesContext(connection) as captured:
        result = statistics.participation()
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "contributions_ideatally" in sql
    assert "contributions_challengetotal" in sql
    assert result.received == 1
    with CaptureQueriesContext(connection) as captured:
        decisions = statistics.decisions()
    assert "contributions_decisiontally" in " ".join(query["sql"] for query in captured)
    assert (decisions.decided, decisions.median) == (1, timedelta(hours=2))


@pytest.mark.parametrize("year", YEARS)
def test_the_median_is_read_from_the_hour_that_holds_it(make_challenge, make_idea, year):
    """The hours the decided ideas took, from the tallies, tell where the middle one is: the
    ideas are read from the start of that hour, not counted from the quickest (35-45 ms for
    250,000). Whatever the hours and however the middle falls, the median is the one counting
    the ideas gives; ideas of unpublished challenges are left out of both."""
    shown, hidden = make_challenge(), make_challenge(status=Status.DRAFT)
    taken = [0.5, 1, 1.25, 1.5, 2, 2, 3.75, 5, 8, 30, 30.5, 200]
    for n, hours in enumerate(taken):
        make_idea(
            challenge=shown,
            received=at(2024 + n % 2, 3 + n % 5),
            status=(S.PUBLISHED, S.DECLINED, S.SPAM)[n % 3],
            decided_after=timedelta(hours=hours),
        )
    for hours in (1.1, 1.2, 1.3, 2.5):
        make_idea(challenge=hidden, received=at(2024, 5), status=S.PUBLISHED,
                  decided_after=timedelta(hours=hours))  # fmt: skip
    make_idea(challenge=shown, received=at(2024, 5))  # pending: not decided
    for extra in range(4):  # odd and even numbers of decided ideas, the middle moving on
        tallied = statistics.decisions(year, tallied=True)
        assert tallied == statistics.decisions(year, tallied=False), (year, extra)
        assert tallied.median is not None
        make_idea(challenge=shown, received=at(2024 + extra % 2, 7), status=S.PUBLISHED,
                  decided_after=timedelta(hours=1.75 + extra))  # fmt: skip


def test_another_time_zone_counts_the_ideas_until_the_tallies_follow(settings, make_idea):
    # 23:30 in UTC on the last of January is February in Stockholm.
    make_idea(received=datetime(2025, 1, 31, 23, 30, tzinfo=ZoneInfo("UTC")))
    assert figures(2025, tallied=True).months[0]["month"].isoformat() == "2025-02-01"

    settings.TIME_ZONE = "UTC"
    assert not tallies.usable()
    assert statistics.participation(2025).months[0]["month"].isoformat() == "2025-01-01"

    out = io.StringIO()
    call_command("tally_ideas", stdout=out)
    assert "in UTC" in out.getvalue()
    assert tallies.usable()
    assert figures(2025, tallied=True).months[0]["month"].isoformat() == "2025-01-01"


@pytest.mark.parametrize("year", [None, 2025])
def test_the_median_is_read_off_its_index_in_order(make_idea, year):
    """The middle decided ideas, read at an offset off `contribution_decision_time_idx`, which
    holds them in order with the columns the statistics filter on: 35 ms for 250,000 decided
    ideas, where sorting them (percentile_cont) took 330 ms."""
    make_idea(status=S.PUBLISHED, received=at(2025, 5), decided_after=timedelta(hours=3))
    ideas = statistics.TalliedIdeas(year).ideas
    with CaptureQueriesContext(connection) as captured:
        statistics.median_decision_time(ideas, 1)
    (query,) = captured.captured_queries
    plan = plan_off_indexes(query["sql"])
    assert "Index Only Scan using contribution_decision_time_idx" in plan, plan
    assert "Sort" not in plan, plan


def test_the_top_challenges_are_read_off_the_totals_index_in_order(make_challenge, make_idea):
    """The challenges with the most ideas are the first entries of `challenge_total_ideas_idx`:
    0.2 ms with 10,000 challenges, where summing their yearly tallies and sorting every one
    took 20-30 ms."""
    busy, quiet = make_challenge(title="Busy"), make_challenge(title="Quiet")
    for _ in range(3):
        make_idea(challenge=busy)
    make_idea(challenge=quiet)
    make_idea(challenge=quiet, status=S.SPAM)
    with CaptureQueriesContext(connection) as captured:
        top = statistics.participation().top_challenges
    assert [(row["title"], row["ideas"]) for row in top] == [("Busy", 3), ("Quiet", 1)]
    (query,) = [q["sql"] for q in captured.captured_queries if "counted.n DESC" in q["sql"]]
    plan = plan_off_indexes(query)
    assert "Index Scan using challenge_total_ideas_idx" in plan, plan
    assert "Presorted Key: contributions_challengetotal.ideas" in plan, plan
