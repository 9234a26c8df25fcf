"""Trigram indexes on the sender's name and organisation (PostgreSQL only).

A moderator looks up the idea of someone who telephones by that person's name. The admin's
search matches them as substrings (`UPPER(name) LIKE UPPER('%term%')`), which without an index
reads every idea; a GIN trigram index on the same expression answers it.
"""

from django.db import migrations

TABLE = "contributions_contribution"
COLUMNS = ("name", "organisation")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_{column}_trgm "
            f"ON {TABLE} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {TABLE}_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0008_queued_mail")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
