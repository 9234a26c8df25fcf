"""A stored, weighted Swedish search vector with a GIN index, and a trigram index on the title,
on PostgreSQL only.

The vector is a generated column, so PostgreSQL keeps it current on every write (no save()
hook, no trigger). It is not a model field: SQLite has no tsvector, and the search code
(helsingborg_innovation/search.py) reads the column by name only when it runs on PostgreSQL.
"""

from django.db import migrations

TABLE = "initiatives_initiative"
WEIGHTED = [
    ("title", "A"),
    ("summary", "B"),
    ("lessons_learned", "B"),
    ("body", "C"),
    ("stop_explanation", "C"),
]


def _vector_sql() -> str:
    parts = [
        f"setweight(to_tsvector('swedish'::regconfig, coalesce({field}, '')), '{weight}')"
        for field, weight in WEIGHTED
    ]
    return " || ".join(parts)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({_vector_sql()}) STORED"
    )
    schema_editor.execute(
        f"CREATE INDEX {TABLE}_search_gin ON {TABLE} USING gin (search_vector)"
    )
    schema_editor.execute(
        f"CREATE INDEX {TABLE}_title_trgm ON {TABLE} USING gin (title gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_title_trgm")
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
