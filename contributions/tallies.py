"""Running tallies of the ideas, kept by PostgreSQL on every write, for the statistics.

Counting half a million ideas for the dashboard took 1.5 to 2.5 seconds, and during a burst of
ideas (a campaign) every arrival asked for it again. With these tallies the figures are read
from a few thousand rows instead (see statistics.participation):

- `IdeaTally`: the ideas received in each month (in settings.TIME_ZONE), by sender kind,
  status and reason for declining, and how many of them have a decision time;
- `ChallengeTally`: each challenge's ideas other than spam, by year received;
- `ChallengeTotal`: the same for all years together, for the challenges with the most ideas;
- `DecisionTally`: the decided ideas by year received and whole hours taken to decide, for
  the median time to a decision.

They are kept by statement triggers on the ideas' table, in the writing transaction itself, so
they count exactly what is committed, whatever writes: a form, the admin, a bulk update, a
deletion or a bulk load. Each statement's changes are summed first and the tallies updated in
key order, so concurrent writers wait for each other briefly and never deadlock.

Months and years are those of settings.TIME_ZONE when the triggers were installed. The
statistics use the tallies only while that is still the time zone (`usable`); after a change of
TIME_ZONE, `manage.py tally_ideas` installs them for the new one and counts afresh. Elsewhere
(SQLite) the tallies stay empty and the statistics count the ideas themselves.
"""

from django.conf import settings
from django.db import connection, transaction

from contributions.models import (
    DECIDED,
    ChallengeTally,
    ChallengeTotal,
    Contribution,
    ContributionStatus,
    DecisionTally,
    IdeaTally,
)

IDEAS = Contribution._meta.db_table
IDEA_TALLY = IdeaTally._meta.db_table
CHALLENGE_TALLY = ChallengeTally._meta.db_table
CHALLENGE_TOTAL = ChallengeTotal._meta.db_table
DECISION_TALLY = DecisionTally._meta.db_table
ZONE_FUNCTION = "contributions_tally_zone"

# What one statement changed, as rows with a sign: +1 for a row written, -1 for one replaced or
# deleted. The transition tables each trigger sees (PostgreSQL 10 and later).
_CHANGED = {
    "insert": (("new_rows", 1),),
    "update": (("new_rows", 1), ("old_rows", -1)),
    "delete": (("old_rows", -1),),
}
_COLUMNS = "created_at, kind, status, decline_reason, decided_at, challenge_id"
_MONTH = f"date_trunc('month', created_at AT TIME ZONE {ZONE_FUNCTION}())::date"
_YEAR = f"EXTRACT(year FROM created_at AT TIME ZONE {ZONE_FUNCTION}())::integer"
# The whole hours an idea took to decide (DECISION_TIME): an idea of `hours` took at least that.
HOURS = "floor(EXTRACT(epoch FROM decided_at - created_at) / 3600)::integer"
_DECIDED = ", ".join(f"'{status}'" for status in DECIDED)


def _tally(changed: str, *, totals: bool = True, decisions: bool = True) -> str:
    """Statements adding the rows `changed` selects to the tallies, each counted by its sign.
    Groups whose changes cancel out (an idea's title edited) write nothing. Without `totals`
    or `decisions`, the tallies as they were before ChallengeTotal or DecisionTally (for the
    migrations before them)."""
    not_spam = f"status <> '{ContributionStatus.SPAM}'"
    statements = [
        f"""
    INSERT INTO {IDEA_TALLY} AS tally (month, kind, status, decline_reason, ideas, timed)
    SELECT {_MONTH}, kind, status, decline_reason,
           SUM(sign), COALESCE(SUM(sign) FILTER (WHERE decided_at IS NOT NULL), 0)
    FROM ({changed}) AS changed
    GROUP BY 1, 2, 3, 4
    HAVING SUM(sign) <> 0 OR SUM(sign) FILTER (WHERE decided_at IS NOT NULL) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, kind, status, decline_reason) DO UPDATE
    SET ideas = tally.ideas + EXCLUDED.ideas, timed = tally.timed + EXCLUDED.timed;
    """,
        _count(CHALLENGE_TALLY, {"challenge_id": "challenge_id", "year": _YEAR}, not_spam, changed),
    ]
    if totals:
        statements.append(
            _count(CHALLENGE_TOTAL, {"challenge_id": "challenge_id"}, not_spam, changed)
        )
    if decisions:
        decided = f"status IN ({_DECIDED}) AND decided_at IS NOT NULL"
        statements.append(_count(DECISION_TALLY, {"year": _YEAR, "hours": HOURS}, decided, changed))
    return "".join(statements)


def _count(table: str, keys: dict[str, str], where: str, changed: str) -> str:
    """A statement adding the rows `changed` selects that match `where` to the tally `table`,
    counted by their sign in its `ideas` and grouped by its `keys` (column: SQL of the value),
    in key order (concurrent writers wait for each other and never deadlock)."""
    columns = ", ".join(keys)
    positions = ", ".join(str(n) for n in range(1, len(keys) + 1))
    return f"""
    INSERT INTO {table} AS tally ({columns}, ideas)
    SELECT {", ".join(keys.values())}, SUM(sign)
    FROM ({changed}) AS changed
    WHERE {where}
    GROUP BY {positions}
    HAVING SUM(sign) <> 0
    ORDER BY {positions}
    ON CONFLICT ({columns}) DO UPDATE SET ideas = tally.ideas + EXCLUDED.ideas;
    """


def _trigger_function(operation: str, *, totals: bool, decisions: bool) -> str:
    changed = " UNION ALL ".join(
        f"SELECT {_COLUMNS}, {sign} AS sign FROM {table}" for table, sign in _CHANGED[operation]
    )
    return f"""
    CREATE OR REPLACE FUNCTION contributions_tally_{operation}() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
    {_tally(changed, totals=totals, decisions=decisions)}
    RETURN NULL;
    END $$;
    """


def _zone_source(zone: str) -> str:
    return " SELECT '{}'::text ".format(zone.replace("'", "''"))


def install(schema_editor=None, *, totals: bool = True, decisions: bool = True) -> None:
    """Installs the triggers for the time zone in settings.TIME_ZONE and counts every idea
    afresh. Writers of ideas wait while it counts (a second or two for half a million).
    `totals=False` and `decisions=False` are for the migrations from before ChallengeTotal's
    and DecisionTally's tables."""
    conn = schema_editor.connection if schema_editor is not None else connection
    if conn.vendor != "postgresql":
        return
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # No idea is written between the count and the triggers.
        cursor.execute(f"LOCK TABLE {IDEAS} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {ZONE_FUNCTION}() RETURNS text "
            f"LANGUAGE sql IMMUTABLE AS $${_zone_source(settings.TIME_ZONE)}$$"
        )
        for operation, changed in _CHANGED.items():
            # The transition tables the statement's changes are read from.
            referencing = " ".join(f"{table[:3].upper()} TABLE AS {table}" for table, _ in changed)
            cursor.execute(_trigger_function(operation, totals=totals, decisions=decisions))
            cursor.execute(f"DROP TRIGGER IF EXISTS contributions_tally_{operation} ON {IDEAS}")
            cursor.execute(
                f"CREATE TRIGGER contributions_tally_{operation} AFTER {operation.upper()} "
                f"ON {IDEAS} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION contributions_tally_{operation}()"
            )
        cursor.execute(f"DELETE FROM {IDEA_TALLY}")
        cursor.execute(f"DELETE FROM {CHALLENGE_TALLY}")
        if totals:
            cursor.execute(f"DELETE FROM {CHALLENGE_TOTAL}")
        if decisions:
            cursor.execute(f"DELETE FROM {DECISION_TALLY}")
        every_idea = f"SELECT {_COLUMNS}, 1 AS sign FROM {IDEAS}"
        cursor.execute(_tally(every_idea, totals=totals, decisions=decisions))
        # The tallies' foreign keys are checked now, not at the commit: a migration that then
        # changes the tables' indexes in the same transaction may not leave checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for operation in _CHANGED:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS contributions_tally_{operation} ON {IDEAS}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS contributions_tally_{operation}()")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {ZONE_FUNCTION}()")


def usable() -> bool:
    """Whether the tallies count the ideas in this time zone: on PostgreSQL, with the triggers
    installed for settings.TIME_ZONE, and enabled. One query to the catalogue."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_proc JOIN pg_trigger ON tgfoid = pg_proc.oid "
            "WHERE tgrelid = %s::regclass AND tgenabled <> 'D' AND proname LIKE %s "
            "AND EXISTS (SELECT 1 FROM pg_proc zone WHERE zone.proname = %s AND zone.prosrc = %s)",
            [IDEAS, "contributions_tally_%", ZONE_FUNCTION, _zone_source(settings.TIME_ZONE)],
        )
        return cursor.fetchone()[0] == len(_CHANGED)
