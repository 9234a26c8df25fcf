"""Whether other departments and external partners take part in each initiative, kept on the
initiative's own row by PostgreSQL, for the statistics.

The dashboard counts the initiatives that more than one department works on and those with
external partners. Asked of the tables of departments and partners taking part, that joined
100,000 initiatives to 100,000 rows of each (or probed them once per initiative) every time the
portfolio changed: 70-95 ms of the 140-160 its figures took. With these two flags on the row,
an index of the published initiatives (`initiative_portfolio_idx`) holds everything that count
reads.

The flags are kept by triggers, in the writing transaction itself, whatever writes: the admin,
`.add()`, `.set()` and `.clear()` of the relations, a bulk insert, a deletion of a department
or a partner, a change of owner, or raw SQL:

- a row trigger on the initiatives works both out afresh whenever a row is inserted, its owner
  changes or anything writes the flags themselves (so a save() of an instance read before a
  change of its departments cannot write a stale value);
- statement triggers on the two relations' tables have that done for the initiatives a
  statement's rows belong to, where a flag changes, in the order of their keys (concurrent
  writers wait for each other and never deadlock).

Elsewhere (SQLite) the flags stay False and the statistics ask the relations' tables (`kept`).
"""

from django.db import connection, connections, transaction

from initiatives.models import Initiative

INITIATIVES = Initiative._meta.db_table
DEPARTMENTS = Initiative.departments.through._meta.db_table
PARTNERS = Initiative.partners.through._meta.db_table
RELATIONS = (DEPARTMENTS, PARTNERS)

# Each flag as SQL, for the initiative `row` (NEW in the row trigger, the table itself in an
# UPDATE).
OTHER_DEPARTMENTS = (
    "EXISTS (SELECT 1 FROM {departments} taking_part WHERE taking_part.initiative_id = {row}.id "
    "AND taking_part.department_id <> {row}.owner_department_id)"
)
PARTNERED = (
    "EXISTS (SELECT 1 FROM {partners} taking_part WHERE taking_part.initiative_id = {row}.id)"
)
FLAGS = {"has_other_departments": OTHER_DEPARTMENTS, "has_partners": PARTNERED}


def _flag(sql: str, row: str) -> str:
    return sql.format(departments=DEPARTMENTS, partners=PARTNERS, row=row)


def _worked_out() -> str:
    """The flags as they should be, as SQL of the initiatives' table itself."""
    return ", ".join(_flag(sql, INITIATIVES) for sql in FLAGS.values())


def _row_function() -> str:
    assignments = "\n".join(f"NEW.{name} := {_flag(sql, 'NEW')};" for name, sql in FLAGS.items())
    return f"""
    CREATE OR REPLACE FUNCTION initiatives_reach() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
    {assignments}
    RETURN NEW;
    END $$;
    """


def _relation_function() -> str:
    """Rewrites the flags (the row trigger works them out) of the initiatives whose rows in a
    relation's table a statement wrote or deleted (its transition table `changed_rows`), where
    one of them changes."""
    return f"""
    CREATE OR REPLACE FUNCTION initiatives_reach_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
    UPDATE {INITIATIVES} SET has_partners = {INITIATIVES}.has_partners
    FROM (
        SELECT id FROM {INITIATIVES}
        WHERE id IN (SELECT initiative_id FROM changed_rows)
        ORDER BY id FOR UPDATE
    ) AS locked
    WHERE {INITIATIVES}.id = locked.id AND ({", ".join(FLAGS)}) IS DISTINCT FROM ({_worked_out()});
    RETURN NULL;
    END $$;
    """


# The relations' triggers: one per operation and transition table (an update of a relation's
# row may move it from one initiative to another: both are worked out).
_RELATION_TRIGGERS = (
    ("insert", "INSERT", "NEW"),
    ("delete", "DELETE", "OLD"),
    ("update_old", "UPDATE", "OLD"),
    ("update_new", "UPDATE", "NEW"),
)


def install(schema_editor=None) -> None:
    """Installs the triggers and works out every initiative's flags afresh (a few seconds for
    100,000: each rewritten row's search vector is made again)."""
    conn = schema_editor.connection if schema_editor is not None else connection
    if conn.vendor != "postgresql":
        return
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        # Nothing is written to them between the triggers and the count.
        cursor.execute(
            f"LOCK TABLE {INITIATIVES}, {DEPARTMENTS}, {PARTNERS} IN SHARE ROW EXCLUSIVE MODE"
        )
        cursor.execute(_row_function())
        cursor.execute(f"DROP TRIGGER IF EXISTS initiatives_reach ON {INITIATIVES}")
        cursor.execute(
            f"CREATE TRIGGER initiatives_reach BEFORE INSERT OR UPDATE OF owner_department_id, "
            f"{', '.join(FLAGS)} ON {INITIATIVES} "
            "FOR EACH ROW EXECUTE FUNCTION initiatives_reach()"
        )
        cursor.execute(_relation_function())
        for table in RELATIONS:
            for name, operation, transition in _RELATION_TRIGGERS:
                trigger = f"initiatives_reach_{name}"
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
                cursor.execute(
                    f"CREATE TRIGGER {trigger} AFTER {operation} ON {table} "
                    f"REFERENCING {transition} TABLE AS changed_rows "
                    "FOR EACH STATEMENT EXECUTE FUNCTION initiatives_reach_changed()"
                )
        cursor.execute(
            f"UPDATE {INITIATIVES} SET has_partners = has_partners "
            f"WHERE ({', '.join(FLAGS)}) IS DISTINCT FROM ({_worked_out()})"
        )


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in RELATIONS:
        for name, _operation, _transition in _RELATION_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS initiatives_reach_{name} ON {table}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS initiatives_reach ON {INITIATIVES}")
    schema_editor.execute("DROP FUNCTION IF EXISTS initiatives_reach_changed()")
    schema_editor.execute("DROP FUNCTION IF EXISTS initiatives_reach()")


def kept(alias: str = "default") -> bool:
    """Whether the flags are kept (on PostgreSQL, where the migrations install the triggers)."""
    return connections[alias].vendor == "postgresql"
