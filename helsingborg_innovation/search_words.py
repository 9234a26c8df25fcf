"""The words of every title, kept by PostgreSQL, for finding misspelt words (see search.py).

Where the full-text query finds nothing, search tries the title words similar to each word of
the query (pg_trgm word similarity). Compared with every title itself, that meant reading
every title the trigram index proposed: a common word proposed ten thousand idea titles, a
tenth of a second and more, for searches that then found nothing. The distinct words of the
titles are far fewer (a few thousand in the benchmark's 600,000 titles), so the similar words
are found among them, as PostgreSQL's documentation suggests for spelling suggestions, and the
items holding one of them in their title through an index of the titles' words (why that index,
and not the stored search vector's: ``search._pg_condition``).

Statement triggers on the four searched tables add the words of every title written, in the
writing transaction; a word no title holds any more stays, and finds nothing. A write looks
up only its own words, through the key (ON CONFLICT DO NOTHING), however long the list grows:
an anti-join against the list read the whole of it for every idea. Words are added in order:
writers of the same new word wait briefly for each other, and only transactions that write
titles in several statements could ever deadlock (PostgreSQL then cancels one). Elsewhere
(SQLite) search matches substrings and the table stays empty.
"""

from django.db import transaction

from helsingborg_innovation.models import SearchWord
from helsingborg_innovation.search import title_words

WORDS = SearchWord._meta.db_table
FUNCTION = "search_words_add"
# The tables whose titles are searched (their models are in apps this one may not import), and
# what their title indexes hold after the title: ideas are searched among the published ones.
# Each gets an index of its title's words; the trigram index of the title itself, which
# trigram matching read before and nothing else asks, is dropped (put back on the way back).
TITLED = {
    "challenges_challenge": "",
    "initiatives_initiative": "",
    "methods_method": "",
    "contributions_contribution": ", status",
}


def _add(rows: str) -> str:
    """A statement adding the title words of `rows` (a table with a title column) that the
    list lacks. Only words without punctuation are kept (to_tsquery reads it as syntax);
    the parts of a hyphenated word are words of their own."""
    return f"""
    INSERT INTO {WORDS} (word)
    SELECT DISTINCT written.word
    FROM (SELECT unnest(tsvector_to_array(to_tsvector('simple', title))) AS word
          FROM {rows}) AS written
    WHERE written.word !~ '[[:punct:][:space:]]'
    ORDER BY written.word
    ON CONFLICT (word) DO NOTHING
    """


def install(schema_editor) -> None:
    """Creates the trigram index and the triggers, adds the words of every title there is,
    indexes the words of each title, and drops the titles' own trigram indexes."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with transaction.atomic(using=schema_editor.connection.alias):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {WORDS}_trgm ON {WORDS} USING gin (word gin_trgm_ops)"
        )
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_add('written_rows')}; RETURN NULL; END $$"
        )
        for table, more in TITLED.items():
            for operation in ("insert", "update"):
                trigger = f"{table}_words_{operation}"
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
                schema_editor.execute(
                    f"CREATE TRIGGER {trigger} AFTER {operation.upper()} ON {table} "
                    "REFERENCING NEW TABLE AS written_rows "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
                )
            schema_editor.execute(_add(table))
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_title_words ON {table} "
                f"USING gin (({title_words('title')}){more})"
            )
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_title_trgm")
        schema_editor.execute(f"ANALYZE {WORDS}")


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, more in TITLED.items():
        for operation in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_words_{operation} ON {table}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_title_words")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_title_trgm ON {table} "
            f"USING gin (title gin_trgm_ops{more})"
        )
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
