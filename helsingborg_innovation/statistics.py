"""The figures of the public dashboard: aggregations done in the database, returned as plain data.

Every function runs a fixed number of queries, however large the portfolio: counts are grouped
with values().annotate() or computed with filtered aggregates, never by looping over rows.
Counting a large portfolio takes most of a second, so the dashboard keeps its figures in the
cache until the content they count changes (see `remembered`). The ideas, which arrive in
bursts, are read from tallies PostgreSQL keeps on every write (contributions/tallies.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connections
from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone

from challenges.models import Challenge
from contributions import tallies
from contributions.models import (
    DECIDED,
    DECISION_TIME,
    ChallengeTally,
    ChallengeTotal,
    Contribution,
    ContributionStatus,
    DecisionTally,
    DeclineReason,
    IdeaTally,
    SubmitterKind,
)
from helsingborg_innovation import pagecache
from helsingborg_innovation.models import Department, Partner
from initiatives import reach
from initiatives.models import Initiative, Phase, StopReason

FUNNEL = [Phase.IDEA, Phase.EXPLORATION, Phase.PILOT, Phase.IMPLEMENTATION, Phase.OPERATION]
IN_PROGRESS = [Phase.IDEA, Phase.EXPLORATION, Phase.PILOT, Phase.IMPLEMENTATION]
TOP_CHALLENGES = 10
UNANSWERED_CHALLENGES = 20
# What each part of the figures counts: a change to one of these kinds gives that part anew at
# once, while the others stay kept (an idea arriving leaves the portfolio's figures alone).
PORTFOLIO_COUNTS = (pagecache.INITIATIVES, pagecache.VOCABULARY)
PARTICIPATION_COUNTS = (pagecache.CONTRIBUTIONS, pagecache.CHALLENGES)
# The median time to a decision changes with the decisions only: during a burst of ideas
# arriving, reading it afresh for each (40 ms of the 100 the ideas' figures took) was wasted.
DECISION_COUNTS = (pagecache.DECISIONS, pagecache.CHALLENGES)
YEARS_COUNT = (pagecache.INITIATIVES,)
# An idea arrives in this year: only a challenge published with older ideas moves the first
# idea's year back, and one hidden or ideas deleted move it on.
FIRST_IDEA_COUNT = (pagecache.CHALLENGES, pagecache.IDEAS_REMOVED)


def remembered[T](name: str, compute: Callable[[], T], *parts, kinds: tuple[str, ...]) -> T:
    """The figures `compute()` counts from these kinds of content, kept until one of them
    changes (see `pagecache.remembered`). Counting the portfolio afresh reads every initiative
    (most of a second with 100,000), and the ideas without tallies every idea. While one worker
    counts, the others show the figures as last counted (a burst of ideas, one a second, had
    every visitor wait for a count), on pages kept a second at most (pagecache.BEHIND_SECONDS)."""
    return pagecache.remembered(
        f"statistics:{name}", compute, *parts, kinds=kinds, last_while_counting=True
    )


# Scoping ------------------------------------------------------------------------------------


def year_choices(*first_years: int | None) -> list[int]:
    """The years a visitor may choose: from the first of these years (`first_portfolio_year`,
    `first_idea_year`) to this one."""
    this_year = timezone.localdate().year
    first_year = min([*(year for year in first_years if year is not None), this_year])
    return list(range(this_year, first_year - 1, -1))


def dashboard_years() -> list[int]:
    """The years the dashboard offers, newest first (`year_choices`), from the cache while
    what decides the first of them is unchanged."""
    return year_choices(
        remembered("first-year", first_portfolio_year, kinds=YEARS_COUNT),
        remembered("first-idea-year", first_idea_year, kinds=FIRST_IDEA_COUNT),
    )


def _local_year(value: date | datetime | None) -> int | None:
    # A time in the site's time zone: published half an hour into a year is that year.
    if value is None:
        return None
    return (timezone.localtime(value) if isinstance(value, datetime) else value).year


def first_portfolio_year() -> int | None:
    """The first year the portfolio has data: its first start or publishing date. One query."""
    first = Initiative.objects.published().aggregate(
        started=Min("start_date"), published=Min("publish_at")
    )
    return min((year for year in map(_local_year, first.values()) if year), default=None)


def first_idea_year() -> int | None:
    """The year of the first idea the statistics count. Ideas sent before the portfolio's
    first year were counted among all years' figures, but their year could not be chosen.
    One query, read off the index of ideas by time received."""
    return _local_year(contributions_in(None).aggregate(first=Min("created_at"))["first"])


def initiatives_in(year: int | None) -> QuerySet:
    """Published initiatives, or those active in a year: started in or before it and not
    ended before it (the same rule as the portfolio's year filter)."""
    initiatives = Initiative.objects.published()
    if year is None:
        return initiatives
    return initiatives.filter(start_date__year__lte=year).filter(
        Q(end_date__isnull=True) | Q(end_date__year__gte=year)
    )


def contributions_in(year: int | None) -> QuerySet:
    """Ideas sent against published challenges, or those received in a year."""
    ideas = Contribution.objects.of_published_challenges()
    if year is None:
        return ideas
    return ideas.filter(created_at__year=year)


# Portfolio ----------------------------------------------------------------------------------


@dataclass
class Portfolio:
    total: int = 0
    phases: dict[str, int] = field(default_factory=dict)
    stop_reasons: dict[str, int] = field(default_factory=dict)
    stopped: int = 0
    stopped_with_lessons: int = 0
    multi_department: int = 0
    with_partners: int = 0
    departments: list[dict] = field(default_factory=list)
    partner_kinds: dict[str, int] = field(default_factory=dict)

    @property
    def in_progress(self) -> int:
        return sum(self.phases.get(phase, 0) for phase in IN_PROGRESS)

    @property
    def in_operation(self) -> int:
        return self.phases.get(Phase.OPERATION, 0)


# The counts of other departments and partners in the parts that do not give them.
_NONE_SPREAD = {"multi": Value(0), "partnered": Value(0)}


def share(part: int, whole: int) -> int | None:
    """A whole percentage, or None when there is nothing to take a share of. Halves round up,
    as people round (Python's round() takes them to the even number: 1 of 8 read "12 %"), and
    a share that is neither none nor all is never shown as 0 or 100 %: 199 of 200 stopped
    initiatives sharing their lessons read "100 %", one of 200 read "0 %"."""
    if not whole:
        return None
    percent = (200 * part + whole) // (2 * whole)
    if 0 < part < whole:
        return min(max(percent, 1), 99)
    return percent


def portfolio(year: int | None = None) -> Portfolio:
    """Phases, outcomes, stop reasons, lessons, departments and partners. Three queries.

    On PostgreSQL every part is read off indexes, never the initiatives' text:
    `initiative_portfolio_idx` holds what is counted of each published initiative, the
    departments and partners taking part in it included (reach.py). 100,000 initiatives are
    counted in about 100 ms, where reading the table and probing each initiative's
    departments and partners in turn took 310-550, and joining them to those 140-160.
    """
    initiatives = initiatives_in(year).order_by()
    result = Portfolio(
        phases=dict.fromkeys(Phase.values, 0),
        stop_reasons=dict.fromkeys(StopReason.values, 0),
        partner_kinds=dict.fromkeys(Partner.Kind.values, 0),
    )
    # One query of the counts by phase, reason and owner, one part under the other: every
    # initiative, the stopped ones that share their lessons (a partial index), and those that
    # other departments and external partners take part in. PostgreSQL keeps the latter two
    # on each initiative's row; elsewhere each is a part of its own, narrowed in its WHERE
    # clause (a semi-join), not in a FILTER, which probed the relations once per initiative.
    if reach.kept(initiatives.db):
        spread = {
            "multi": Count("pk", filter=Q(has_other_departments=True)),
            "partnered": Count("pk", filter=Q(has_partners=True)),
        }
        parts = {"all": initiatives}
    else:
        spread = _NONE_SPREAD
        through_departments = Initiative.departments.through.objects
        other_department = through_departments.filter(initiative=OuterRef("pk")).exclude(
            department=OuterRef("owner_department")
        )
        has_partner = Initiative.partners.through.objects.filter(initiative=OuterRef("pk"))
        parts = {
            "all": initiatives,
            "multi": initiatives.filter(Exists(other_department)),
            "partnered": initiatives.filter(Exists(has_partner)),
        }
    parts["with lessons"] = initiatives.stopped().with_lessons()
    counted = [
        part.values_list("phase", "stop_reason", "owner_department").annotate(
            part=Value(name), n=Count("*"), **(spread if name == "all" else _NONE_SPREAD)
        )
        for name, part in parts.items()
    ]
    owned: dict[int, int] = {}
    rows = counted[0].union(*counted[1:], all=True).order_by()
    for phase, reason, owner, part, n, multi, partnered in rows:
        if part == "with lessons":
            result.stopped_with_lessons += n
        elif part == "multi":
            result.multi_department += n
        elif part == "partnered":
            result.with_partners += n
        else:
            result.total += n
            result.multi_department += multi
            result.with_partners += partnered
            result.phases[phase] = result.phases.get(phase, 0) + n
            owned[owner] = owned.get(owner, 0) + n
            if phase == Phase.STOPPED:
                result.stopped += n
                result.stop_reasons[reason or StopReason.OTHER] += n

    # Each department: the initiatives it owns (counted above), and those it takes part in
    # owned by another. One query: every department (a few dozen), and under them those
    # taken part in, joined to the initiatives in the query itself (`initiative__in` joined
    # them twice; counting the owned ones here too read the initiatives once more).
    every_department = Department.objects.order_by().values_list("pk", "name", "slug")
    taking_part = (
        initiatives.annotate(department=F("departments"))
        .filter(department__isnull=False)
        .exclude(department=F("owner_department"))
        .values_list("department", "departments__name", "departments__slug")
        .annotate(taking_part=Count("*"))
    )
    departments: dict[int, dict] = {}
    rows = every_department.annotate(taking_part=Value(0)).union(taking_part, all=True)
    for pk, name, slug, n_taking_part in rows.order_by():
        row = departments.setdefault(
            pk,
            {"pk": pk, "name": name, "slug": slug, "owned": owned.get(pk, 0), "taking_part": 0},
        )
        row["taking_part"] += n_taking_part
    for row in departments.values():
        row["total"] = row["owned"] + row["taking_part"]
    result.departments = [
        {key: row[key] for key in ("name", "slug", "owned", "taking_part", "total")}
        for row in sorted(departments.values(), key=lambda r: (-r["total"], r["name"], r["pk"]))
        if row["total"]
    ]

    # Partners count once each, however many of the initiatives they take part in.
    partners = (
        Partner.objects.filter(Exists(initiatives.filter(partners=OuterRef("pk"))))
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
    )
    for row in partners:
        result.partner_kinds[row["kind"]] = row["n"]
    return result


# Participation ------------------------------------------------------------------------------


def median_decision_time(
    ideas: QuerySet, decided: int, hours: list[tuple[int, int]] | None = None
) -> timedelta | None:
    """The median time from an idea's arrival to the moderator's decision. One query.

    The decided ideas are ordered by the time taken and the middle one or two are read at an
    offset, so no more than two rows leave the database; on PostgreSQL an index holds them in
    that order with what the statistics filter on (`contribution_decision_time_idx`): 35 ms
    for 250,000 decided ideas, where percentile_cont sorted them all in 330 ms. `decided` is
    the number of these ideas that have a decision time.

    With `hours`, how many of them took each whole number of hours ((hours, ideas), fewest
    hours first; see TalliedIdeas.decision_hours), they are read from the start of the hour
    that holds the middle, at an offset within it: 1-2 ms instead of 35-45.
    """
    if not decided:
        return None
    middle = (decided - 1) // 2
    count = 1 if decided % 2 else 2
    timed = ideas.filter(status__in=DECIDED, decided_at__isnull=False).annotate(
        duration=DECISION_TIME
    )
    before = 0
    for hour, n in hours or ():
        if before + n > middle:
            timed = timed.filter(duration__gte=timedelta(hours=hour))
            middle -= before
            break
        before += n
    durations = list(
        timed.order_by("duration", "pk").values_list("duration", flat=True)[middle : middle + count]
    )
    if not durations:
        return None
    return sum(durations, timedelta()) / len(durations)


@dataclass
class Participation:
    received: int = 0
    spam: int = 0
    pending: int = 0
    published: int = 0
    declined: int = 0
    decline_reasons: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    months: list[dict] = field(default_factory=list)
    top_challenges: list[dict] = field(default_factory=list)
    without_ideas: list[dict] = field(default_factory=list)
    without_ideas_count: int = 0


@dataclass
class Decisions:
    """The decided ideas that have a decision time, and the median of that time."""

    decided: int = 0
    median: timedelta | None = None

    @property
    def median_unit(self) -> str | None:
        """The unit the median reads in: "minutes" under an hour, "hours" under a day, else
        "days". In days alone, moderators who decide within the hour read "0.0 days"."""
        if self.median is None:
            return None
        if self.median < timedelta(hours=1):
            return "minutes"
        if self.median < timedelta(days=1):
            return "hours"
        return "days"

    @property
    def median_amount(self) -> int | float | None:
        """The median in its unit: whole minutes (at least one), or hours or days to 0.1."""
        if self.median is None:
            return None
        seconds = self.median.total_seconds()
        if self.median_unit == "minutes":
            return max(1, round(seconds / 60))
        if self.median_unit == "hours":
            return round(seconds / 3600, 1)
        return round(seconds / 86400, 1)


class CountedIdeas:
    """The ideas of a year (or of all time) as the statistics count them, counted row by row:
    a second or more for half a million ideas."""

    def __init__(self, year: int | None):
        self.ideas = contributions_in(year)

    def rows(self) -> list[tuple]:
        """(month, kind, status, decline reason, ideas, ideas with a decision time) for every
        combination there are ideas of. One query."""
        return grouped_by_month(self.ideas)

    def per_challenge(self) -> QuerySet:
        """(challenge, n): the ideas other than spam of each challenge that has any."""
        return (
            self.ideas.exclude(status=ContributionStatus.SPAM)
            .order_by()
            .values_list("challenge")
            .annotate(n=Count("*"))
        )

    def received(self) -> Exists:
        """Whether a challenge (the outer query's) has ever received an idea other than spam."""
        return Exists(
            Contribution.objects.filter(challenge=OuterRef("pk")).exclude(
                status=ContributionStatus.SPAM
            )
        )


class TalliedIdeas(CountedIdeas):
    """The same figures read from the tallies PostgreSQL keeps on every write
    (contributions/tallies.py): a few thousand rows instead of every idea. The tallies count
    every idea; those sent against challenges the public does not see (few) are counted
    one by one and taken off."""

    def __init__(self, year: int | None):
        super().__init__(year)
        self.year = year
        self.unpublished = Challenge.objects.unpublished().values("pk")

    def rows(self) -> list[tuple]:
        """One query: the tallies, and under them the ideas of unpublished challenges counted
        as they are, to be taken off."""
        kept = IdeaTally.objects.filter(ideas__gt=0)
        hidden = Contribution.objects.filter(challenge__in=self.unpublished)
        if self.year is not None:
            kept = kept.filter(month__year=self.year)
            hidden = hidden.filter(created_at__year=self.year)
        rows = kept.values_list(
            "month", "kind", "status", "decline_reason", "ideas", "timed", Value(1)
        ).union(_grouped_by_month(hidden).annotate(sign=Value(-1)), all=True)
        counts: dict[tuple, list[int]] = {}
        for *key, n, timed, sign in rows:
            count = counts.setdefault((_date(key[0]), *key[1:]), [0, 0])
            count[0] += sign * n
            count[1] += sign * timed
        return [(*key, n, timed) for key, (n, timed) in counts.items() if n]

    def per_challenge(self) -> QuerySet:
        if self.year is None:
            # All years: the totals, in the order of their index (see top_challenges).
            kept = ChallengeTotal.objects.filter(ideas__gt=0)
            kept = kept.exclude(challenge__in=self.unpublished).order_by()
            return kept.annotate(n=F("ideas")).values_list("challenge", "n")
        kept = ChallengeTally.objects.filter(year=self.year)
        kept = kept.exclude(challenge__in=self.unpublished)
        return kept.order_by().values_list("challenge").annotate(n=Sum("ideas")).filter(n__gt=0)

    def received(self) -> Exists:
        return Exists(ChallengeTotal.objects.filter(challenge=OuterRef("pk"), ideas__gt=0))

    def decision_hours(self) -> list[tuple[int, int]]:
        """(hours, ideas): how many decided ideas with a decision time took each whole number
        of hours, fewest hours first, those of unpublished challenges taken off. One query."""
        kept = DecisionTally.objects.filter(ideas__gt=0)
        hidden = Contribution.objects.filter(
            challenge__in=self.unpublished, status__in=DECIDED, decided_at__isnull=False
        )
        if self.year is not None:
            kept = kept.filter(year=self.year)
            hidden = hidden.filter(created_at__year=self.year)
        hidden = hidden.annotate(hours=RawSQL(tallies.HOURS, [], output_field=IntegerField()))
        rows = kept.values_list("hours", "ideas").union(
            hidden.order_by().values_list("hours").annotate(n=-Count("*")), all=True
        )
        counts: dict[int, int] = {}
        for hours, n in rows.order_by():
            counts[hours] = counts.get(hours, 0) + n
        return sorted((hours, n) for hours, n in counts.items() if n)


def grouped_by_month(ideas: QuerySet) -> list[tuple]:
    """(month, kind, status, decline reason, ideas, ideas with a decision time), the month as a
    date in the site's time zone. One query."""
    return [(_date(month), *rest) for month, *rest in _grouped_by_month(ideas)]


def _grouped_by_month(ideas: QuerySet) -> QuerySet:
    return (
        ideas.annotate(month=TruncMonth("created_at", output_field=DateField()))
        .order_by()
        .values_list("month", "kind", "status", "decline_reason")
        # Count("*"), not Count("pk"): the ideas are counted from an index that holds no pk.
        .annotate(n=Count("*"), timed=Count("decided_at"))
    )


def _month_range(months, year: int | None) -> list[date]:
    """Every month from the first of `months` (dates of the first day) to this month, or to the
    end of `year` when it has ended: a month without ideas is a month of none, not one left
    out of the chart (January then April read as if they followed each other). None without
    any months."""
    if not months:
        return []
    month = min(months)
    last = timezone.localdate().replace(day=1)
    if year is not None:
        last = min(last, date(year, 12, 1))
    last = max(last, *months)
    every = []
    while month <= last:
        every.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return every


def _date(month: date | datetime) -> date:
    return month.date() if isinstance(month, datetime) else month


def _counts(year: int | None, tallied: bool | None) -> CountedIdeas:
    """The tallies unless they cannot be used or `tallied` is False (one query to know)."""
    if tallied is None:
        tallied = tallies.usable()
    return TalliedIdeas(year) if tallied else CountedIdeas(year)


def participation(year: int | None = None, *, tallied: bool | None = None) -> Participation:
    """Ideas received, moderation outcomes and challenges by ideas. Four queries from the
    tallies (PostgreSQL, see TalliedIdeas), three counting the ideas.

    Spam is counted as a moderation outcome but not as an idea received.
    """
    counts = _counts(year, tallied)
    result = Participation(
        decline_reasons=dict.fromkeys(DeclineReason.values, 0),
        kinds=dict.fromkeys(SubmitterKind.values, 0),
    )
    kinds = SubmitterKind.values
    months: dict[date, dict[str, int]] = {}
    for month, kind, status, decline_reason, n, _timed in counts.rows():
        if status == ContributionStatus.SPAM:
            result.spam += n
        else:
            result.received += n
            if month not in months:
                months[month] = dict.fromkeys(kinds, 0)
            per_kind = months[month]
            per_kind[kind] = per_kind.get(kind, 0) + n
            result.kinds[kind] = result.kinds.get(kind, 0) + n
        if status == ContributionStatus.PENDING:
            result.pending += n
        elif status == ContributionStatus.PUBLISHED:
            result.published += n
        elif status == ContributionStatus.DECLINED:
            result.declined += n
            reason = decline_reason or DeclineReason.OTHER
            result.decline_reasons[reason] += n
    result.months = [
        {"month": month, "counts": per_kind, "total": sum(per_kind.values())}
        for month in _month_range(months, year)
        for per_kind in [months.get(month) or dict.fromkeys(kinds, 0)]
    ]
    result.top_challenges = top_challenges(counts.per_challenge())

    # "None yet" is about all time: open challenges still waiting for their first idea.
    waiting = Challenge.objects.published().open().exclude(counts.received())
    rows = list(
        waiting.annotate(waiting_count=Window(Count("pk")))
        .order_by("title", "pk")
        .values("title", "slug", "waiting_count")[:UNANSWERED_CHALLENGES]
    )
    result.without_ideas = [{"title": r["title"], "slug": r["slug"]} for r in rows]
    result.without_ideas_count = rows[0]["waiting_count"] if rows else 0
    return result


def decisions(year: int | None = None, *, tallied: bool | None = None) -> Decisions:
    """How many decided ideas have a decision time, and its median. Three queries from the
    tallies, two counting the ideas."""
    counts = _counts(year, tallied)
    if isinstance(counts, TalliedIdeas):
        hours = counts.decision_hours()
        decided = sum(n for _hours, n in hours)
        return Decisions(decided, median_decision_time(counts.ideas, decided, hours))
    decided = sum(
        timed
        for _month, _kind, status, _reason, _n, timed in counts.rows()
        if status != ContributionStatus.PENDING
    )
    return Decisions(decided, median_decision_time(counts.ideas, decided))


def top_challenges(per_challenge: QuerySet) -> list[dict]:
    """The TOP_CHALLENGES challenges with the most ideas (spam not counted), the most first,
    then by title. One query; `per_challenge` gives (challenge, n).

    The ideas are counted per challenge on their own (from the tallies, or from the index on
    (challenge, status) without reading the ideas): counting them through a join to the
    challenges read every idea. The counts are joined to the challenges in the database, and
    only the places on the list leave it. (Every challenge's count brought into Python took 25
    ms with 10,000 challenges; the counts read twice, once for the last place's and once for
    the challenges with at least as many, 40-45 ms, where this takes 26-30.)
    """
    counts, params = per_challenge.query.get_compiler(using=per_challenge.db).as_sql()
    with connections[per_challenge.db].cursor() as cursor:
        cursor.execute(
            f"SELECT challenge.title, challenge.slug, counted.n FROM ({counts}) AS counted "
            f"JOIN {Challenge._meta.db_table} AS challenge ON challenge.id = counted.challenge "
            "ORDER BY counted.n DESC, challenge.title, challenge.id LIMIT %s",
            [*params, TOP_CHALLENGES],
        )
        return [
            {"title": title, "slug": slug, "ideas": ideas}
            for title, slug, ideas in cursor.fetchall()
        ]
