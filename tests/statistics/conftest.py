"""A known portfolio and known ideas, whose every figure the tests check."""

import itertools
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contributions.models import Contribution, ContributionStatus, DeclineReason, SubmitterKind

_ideas = itertools.count(1)


@pytest.fixture
def make_idea(db, make_challenge):
    """An idea with a sender's e-mail and name; `received` and `decided_after` set its times."""

    def make(*, received: datetime | None = None, decided_after: timedelta | None = None, **kw):
        n = next(_ideas)
        fields = {
            "title": f"Idé {n}",
            "text": f"Beskrivning av idé {n}.",
            "name": f"Hemlig Avsändare{n}",
            "email": f"avsandare{n}@example.net",
            "kind": SubmitterKind.RESIDENT,
            "consent": True,
            "status": ContributionStatus.PENDING,
        }
        fields.update(kw)
        if "challenge" not in fields:
            fields["challenge"] = make_challenge()
        if fields["status"] == ContributionStatus.DECLINED and not fields.get("decline_reason"):
            fields["decline_reason"] = DeclineReason.OTHER
        idea = Contribution.objects.create(**fields)
        received = received or timezone.now() - timedelta(days=30)
        decided_at = received + decided_after if decided_after is not None else None
        Contribution.objects.filter(pk=idea.pk).update(created_at=received, decided_at=decided_at)
        idea.refresh_from_db()
        return idea

    return make


def at(year: int, month: int, day: int = 10) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 12, 0))


def d(year: int, month: int = 1, day: int = 1) -> date:
    return date(year, month, day)


class _Tables(HTMLParser):
    """Collects each table with an id as a list of rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id"):
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table_dict(html: str, table_id: str) -> dict[str, list[str]]:
    """A data table as {row heading: [cells]}, without its header row."""
    rows = tables(html)[table_id]
    return {row[0]: row[1:] for row in rows[1:]}


def plan_off_indexes(sql: str) -> str:
    """The plan PostgreSQL makes for `sql` when it has an index to read (in order). A test's
    handful of rows would be as cheap to read whole and sort; with the benchmark's the planner
    takes the index by itself."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())
