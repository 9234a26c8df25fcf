"""The search machinery: one interface, full-text search on PostgreSQL, simple matching on SQLite.

On PostgreSQL, challenges, initiatives and methods carry a stored, weighted search vector
(``search_vector``, a generated column added by their migrations, so PostgreSQL keeps it
current on every write). A query matches when the Swedish full-text query (websearch syntax)
or, for compounds, when every word begins a lexeme ("cykel" finds "cykelbanor"); hits are
ranked by the weighted ``ts_rank`` (title A, summary and lessons B, body C, so a title match
comes first). Where that finds nothing in a kind of content, trigram matching takes over: each
word of the query may instead be similar to a word of the title (pg_trgm word similarity),
which finds misspellings ("cyckel") and word forms the Swedish stemmer does not join ("cyklar"
and "cykel"), ranked by that similarity. The similar words are looked up among the words of
every title (``SearchWord``, kept by PostgreSQL, see search_words.py), and the items whose
title holds one of them are found through an index of the titles' words. A model without a
stored vector would be searched with the same expression computed on the fly.

All content is written in Swedish (there are no English fields), so English pages search with
the ``swedish`` configuration too: the query must be stemmed the way the stored vector was.

This module imports no other app: callers hand it querysets and the text fields to search.
"""

import functools
import html
import re
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Contains
from django.utils.safestring import SafeString, mark_safe

from helsingborg_innovation.models import SearchWord
from helsingborg_innovation.textsearch import clean_query

CONFIG = "swedish"
# pg_trgm word similarity at or above which a title word counts as a match. The
# default (0.6) misses "cyklar" for "cykel" (0.43) and "cyckel" for "Cykel" (0.44).
TRIGRAM_THRESHOLD = 0.4
MAX_WORDS = 10
FUZZY_WEIGHT = 0.1
# Words this long are also matched as the beginning of a longer word (compounds).
MIN_PREFIX = 4

# Tables that hold the stored ``search_vector`` column on PostgreSQL (see the migrations).
VECTOR_TABLES = {
    "challenges_challenge",
    "initiatives_initiative",
    "methods_method",
    "contributions_contribution",
}

# ts_headline marks matches with control characters, so the passage can be escaped whole and
# only then get its <mark> elements: nothing from the content is ever trusted as HTML.
_START, _STOP = "\x02", "\x03"
_FRAGMENT_DELIMITER = " … "
_HEADLINE_OPTIONS = (
    f'StartSel="{_START}", StopSel="{_STOP}", MaxWords=35, MinWords=15, '
    f'MaxFragments=2, FragmentDelimiter="{_FRAGMENT_DELIMITER}"'
)
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.S)
_WORD = re.compile(r"\w", re.U)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_TRAILING = re.compile(r"\W+$")
# What stands around a word of a query but is no part of it: "skola?", "(öresund)", '"park"'.
_AROUND = re.compile(r"^[\W_]+|[\W_]+$")
# Markdown's heading marks and emphasis, which a passage of the raw body would show.
_MARKDOWN_HEADING = re.compile(r"(?:(?<=\s)|^)#{1,6}\s")
_MARKDOWN_EMPHASIS = re.compile(r"\*+|(?<!\w)_+|_+(?!\w)")


def _plain(text: str) -> str:
    """The words of a Markdown passage without its heading and emphasis marks."""
    return _MARKDOWN_EMPHASIS.sub("", _MARKDOWN_HEADING.sub(" ", text))


def _one_line(text: str) -> str:
    return " ".join(_plain(text).split())


def _without_repeats(texts: list[str]) -> list[str]:
    """The texts of a passage's fields, each that opens by repeating the first (the summary,
    which editors often copy to the top of the body) without the repeat. As `_document_sql`."""
    first, *rest = texts
    return [
        first,
        *(text[len(first) :] if first and text.startswith(first) else text for text in rest),
    ]


@dataclass(frozen=True)
class Fields:
    """The weighted text fields of one model: title (A) and the rest with their weights."""

    title: str
    weighted: tuple[tuple[str, str], ...]  # (field, weight) after the title

    @classmethod
    def from_names(cls, names: list[str]) -> "Fields":
        """Title first, then summary (B), then the rest (C)."""
        title, *rest = names
        return cls(title, tuple((name, "B" if i == 0 else "C") for i, name in enumerate(rest)))

    @property
    def names(self) -> list[str]:
        return [self.title, *(name for name, _ in self.weighted)]

    @property
    def passage(self) -> list[str]:
        """The fields a highlighted passage is taken from (all but the title)."""
        return [name for name, _ in self.weighted]


def is_postgres(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def is_searchable(text: str | None) -> bool:
    """Whether a query holds at least one letter or digit (punctuation alone finds nothing)."""
    return bool(_LETTER_OR_DIGIT.search(clean_query(text)))


def only_common_words(text: str | None, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a query's words are all too common to search for: PostgreSQL leaves the
    Swedish stop words ("och", "på", "för", ...) out of every full-text query and index, so a
    query of them alone found nothing ("0 hits") even where they stand in a title. The
    search page and the lists treat such a query as one without words, and say why. On
    SQLite every word is matched as written, and this is never so."""
    query = clean_query(text)
    if not is_searchable(query) or connections[using].vendor != "postgresql":
        return False
    return _without_lexemes(query, using)


@functools.lru_cache(maxsize=512)
def _without_lexemes(query: str, using: str) -> bool:
    # The stop words are the database's, fixed while it runs: each query is asked once per
    # worker (the prefix reading, see _prefix_query, holds the same words or fewer).
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT numnode(websearch_to_tsquery('{CONFIG}'::regconfig, %s)) = 0", [query]
        )
        return cursor.fetchone()[0]


def _column(queryset: QuerySet, field: str) -> str:
    table = queryset.model._meta.db_table
    column = queryset.model._meta.get_field(field).column
    return f'"{table}"."{column}"'


def _vector_sql(queryset: QuerySet, fields: Fields) -> str:
    table = queryset.model._meta.db_table
    if table in VECTOR_TABLES:
        return f'"{table}"."search_vector"'
    parts = [(fields.title, "A"), *fields.weighted]
    return " || ".join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, coalesce({_column(queryset, name)}, '')),"
        f" '{weight}')"
        for name, weight in parts
    )


def _tsquery_sql() -> str:
    """The web-search reading of the query, or every word as a prefix of a lexeme: Swedish
    writes compounds as one word, so "cykel" should find "cykelbana" (takes two parameters,
    see ``_tsquery_params``)."""
    return (
        f"(websearch_to_tsquery('{CONFIG}'::regconfig, %s)"
        f" || to_tsquery('{CONFIG}'::regconfig, %s))"
    )


def _prefix_query(query: str) -> str:
    """Words of at least MIN_PREFIX letters as prefixes, joined by AND, in to_tsquery syntax.

    Only letters and digits are kept, so nothing a visitor types is read as tsquery syntax.
    A query that uses web-search syntax (quotes, -word, or) means exactly what it says.
    """
    if '"' in query or any(w.startswith("-") or w.lower() == "or" for w in _words(query)):
        return ""
    words = [re.sub(r"[\W_]+", "", word) for word in _words(query)]
    return " & ".join(f"{word}:*" for word in words if len(word) >= MIN_PREFIX)


def _tsquery_params(query: str) -> list[str]:
    return [query, _prefix_query(query)]


def _fts_condition(queryset: QuerySet, fields: Fields, query: str) -> RawSQL:
    sql = f"{_vector_sql(queryset, fields)} @@ {_tsquery_sql()}"
    return RawSQL(sql, _tsquery_params(query), output_field=BooleanField())


def set_trigram_threshold(db: str) -> None:
    """Set pg_trgm's word-similarity threshold for the session: the trigram operator (which
    can use the GIN index) reads it from there, and only it reads it."""
    with connections[db].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(TRIGRAM_THRESHOLD)],
        )


def needs_fuzzy(sources: list[tuple[QuerySet, Fields]], text: str | None) -> list[bool]:
    """Which querysets the full-text query finds nothing in, in one query (PostgreSQL only).

    Each probe asks for one match. A plain EXISTS or LIMIT 1 invites a "fast start"
    sequential scan, which reads the whole table when nothing matches (370 ms over 500,000
    ideas); a count reads every match from the table, because a prefix match must be
    rechecked there (75-190 ms for a common word). A materialised CTE is planned for all of its
    rows, so it uses the index, but runs only as far as the LIMIT asks: the index, and one row.
    """
    query = clean_query(text)
    ctes, probes, params = [], [], []
    for n, (queryset, fields) in enumerate(sources):
        probe = queryset.filter(_fts_condition(queryset, fields, query)).order_by().values("pk")
        sql, probe_params = probe.query.get_compiler(using=queryset.db).as_sql()
        ctes.append(f"probe_{n} AS MATERIALIZED ({sql})")
        probes.append(f"(SELECT count(*) FROM (SELECT 1 FROM probe_{n} LIMIT 1) AS found_{n})")
        params.extend(probe_params)
    db = sources[0][0].db
    with connections[db].cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(ctes)} SELECT " + ", ".join(probes),
            params,
        )
        row = cursor.fetchone()
    return [count == 0 for count in row]


def _pg_condition(
    queryset: QuerySet, fields: Fields, query: str, similar: dict[str, list[str]]
) -> RawSQL:
    """Every word of the query on its own: stemmed in the vector, or one of the title words
    similar to it (see ``similar_title_words``) as a word of the title (weight A). Stop words
    (which have no lexeme) need not match, but a query of stop words alone finds nothing.

    Only used where the whole query as a web search (``_fts_condition``) finds nothing, so
    that is not asked again. An item with every word in its vector is what that query finds,
    so what this one finds holds one of the similar words in its title (a phrase in quotes
    that matched nothing as a phrase finds only such items here too), which the index of the
    titles' words (``title_words``) tells without reading a row. The vector's index alone
    cannot tell a title's word from a body's: "ö" is similar to "öppna", which 125,000 ideas
    hold in their text and none in its title, and all of them were read (half a second) to
    find none.
    """
    vector = _vector_sql(queryset, fields)
    plain = f"plainto_tsquery('{CONFIG}'::regconfig, %s)"
    words = _letter_words(query)
    each_word = " && ".join(
        f"CASE WHEN numnode({plain}) = 0 THEN ''::tsquery "
        f"ELSE {plain} || to_tsquery('{CONFIG}'::regconfig, %s) END"
        for _ in words
    )
    sql = f"numnode({plain}) > 0 AND {vector} @@ ({each_word or "''::tsquery"})"
    params = [query]
    for word in words:
        params += [
            word,
            word,
            " | ".join(f"{title_word}:A" for title_word in similar.get(word, [])),
        ]
    if any_similar := sorted({title_word for found in similar.values() for title_word in found}):
        title = title_words(_column(queryset, fields.title))
        sql += f" AND {title} @@ to_tsquery('simple'::regconfig, %s)"
        params.append(" | ".join(any_similar))
    for word in _excluded_words(query):
        sql += f" AND NOT {vector} @@ {plain}"
        params.append(word)
    return RawSQL(f"({sql})", params, output_field=BooleanField())


def _letter_words(query: str) -> list[str]:
    """The words to find: not those the query leaves out (`_excluded_words`)."""
    return [word for word in _words(query) if _WORD.search(word) and not word.startswith("-")]


def _excluded_words(query: str) -> list[str]:
    """The words the query leaves out, as web-search syntax writes them ("-sensorer"): the
    matching that takes over where the full-text query finds nothing looked for them instead."""
    return [
        bare for word in _words(query) if word.startswith("-") and (bare := _AROUND.sub("", word))
    ]


def title_words(title: str) -> str:
    """SQL of the words of a title (the SQL `title`), as the list of title words keeps them
    (search_words.py) and their index holds them: lower case, not stemmed."""
    return f"to_tsvector('simple'::regconfig, {title})"


def similar_title_words(db: str, text: str | None) -> dict[str, list[str]]:
    """For each word of the query that has them, the title words similar to it (pg_trgm word
    similarity). Also sets the trigram threshold for the session. One query, however many
    kinds are searched.

    They are looked up among the words of every title (``SearchWord``, kept by PostgreSQL; a
    few thousand), not in every title: a word similar to ten thousand idea titles meant reading
    every one of them. The words are joined in rather than compared as constants: for a
    constant, PostgreSQL reads every word instead of asking the trigram index.
    """
    words = _letter_words(clean_query(text))
    if not words:
        return {}
    set_trigram_threshold(db)
    with connections[db].cursor() as cursor:
        cursor.execute(
            "SELECT asked, array_agg(word ORDER BY word) "
            f"FROM unnest(%s::text[]) AS asked JOIN {SearchWord._meta.db_table} "
            "ON asked <%% word GROUP BY asked",
            [words],
        )
        return dict(cursor.fetchall())


def _pg_match(
    queryset: QuerySet,
    fields: Fields,
    query: str,
    fuzzy: bool,
    similar: dict[str, list[str]] | None = None,
) -> RawSQL:
    """The full-text condition, or where that finds nothing (``fuzzy``), the word by word one."""
    if fuzzy:
        if similar is None:
            similar = similar_title_words(queryset.db, query)
        return _pg_condition(queryset, fields, query, similar)
    return _fts_condition(queryset, fields, query)


def _pg_rank(queryset: QuerySet, fields: Fields, query: str, fuzzy: bool) -> RawSQL:
    if fuzzy:
        # The whole query found nothing in the vector, so its ts_rank would be 0 everywhere.
        # Scaled down so that, across kinds, a real match comes before a merely similar one.
        sql = f"{FUZZY_WEIGHT} * word_similarity(%s, {_column(queryset, fields.title)})"
        return RawSQL(sql, [query], output_field=FloatField())
    sql = f"ts_rank({_vector_sql(queryset, fields)}, {_tsquery_sql()})"
    return RawSQL(sql, _tsquery_params(query), output_field=FloatField())


def _words(query: str) -> list[str]:
    return query.split()[:MAX_WORDS]


def _bare_words(query: str) -> list[str]:
    """The words of the query without what stands around them, for matching them as text."""
    return [bare for word in _words(query) if (bare := _AROUND.sub("", word))]


# SQLite's LOWER and LIKE fold ASCII letters only: "Öresund" did not match "öresund". The
# simple matching compares both sides folded by Python (str.casefold), registered with each
# SQLite connection under this name (register_sqlite_functions).
SQLITE_CASEFOLD = "hbg_casefold"


class Folded(Func):
    """A text column folded for matching without regard to case, in any alphabet."""

    function = "LOWER"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function=SQLITE_CASEFOLD, **extra)


def _casefold(value):
    return value.casefold() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """Connected to connection_created (apps.py): what `Folded` calls on SQLite."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_CASEFOLD, 1, _casefold, deterministic=True)


def _contains(field: str, word: str) -> Q:
    return Q(Contains(Folded(F(field)), word.casefold()))


def _all_words_in(field: str, words: list[str]) -> Q:
    condition = Q()
    for word in words:
        condition &= _contains(field, word)
    return condition


def _simple_condition(fields: Fields, words: list[str]) -> Q:
    """Every word appears in at least one of the fields."""
    condition = Q()
    for word in words:
        any_field = Q()
        for name in fields.names:
            any_field |= _contains(name, word)
        condition &= any_field
    return condition


def _simple_rank(fields: Fields, words: list[str]) -> Case | Value:
    if not words:  # only words left out ("-sensorer"): nothing to rank by
        return Value(0.0, output_field=FloatField())
    return Case(
        When(_all_words_in(fields.title, words), then=Value(2.0)),
        When(_all_words_in(fields.weighted[0][0], words), then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def search_filter(
    queryset: QuerySet,
    text: str | None,
    fields: Fields | list[str],
    *,
    fuzzy: bool | None = None,
    similar: dict[str, list[str]] | None = None,
) -> QuerySet:
    """The items of the queryset that match the text, annotated with ``search_rank``.

    The order of the queryset is left alone (lists keep their own order); order by
    ``-search_rank`` for relevance. An empty or punctuation-only query matches nothing.
    On PostgreSQL, ``fuzzy`` adds trigram matching of the title; by default it is used when
    the full-text query alone finds nothing (see ``needs_fuzzy``), and then it takes the place
    of full-text matching, which is not asked again (see ``_pg_condition``). A caller that
    searches several kinds for the same words may look up their ``similar`` title words once
    (``similar_title_words``).
    """
    if not isinstance(fields, Fields):
        fields = Fields.from_names(list(fields))
    query = clean_query(text)
    if not is_searchable(query):
        return queryset.none()
    if is_postgres(queryset):
        if fuzzy is None:
            [fuzzy] = needs_fuzzy([(queryset, fields)], query)
        return queryset.filter(_pg_match(queryset, fields, query, fuzzy, similar)).annotate(
            search_rank=_pg_rank(queryset, fields, query, fuzzy)
        )
    excluded = _excluded_words(query)
    words = [word for word in _bare_words(query) if word not in excluded]
    condition = _simple_condition(fields, words)
    for word in excluded:
        condition &= ~_simple_condition(fields, [word])
    return queryset.filter(condition).annotate(search_rank=_simple_rank(fields, words))


def with_headline(queryset: QuerySet, text: str | None, fields: Fields) -> QuerySet:
    """On PostgreSQL, annotate ``search_headline``: the matching passage with markers."""
    query = clean_query(text)
    if not is_postgres(queryset) or not is_searchable(query):
        return queryset
    document = _document_sql(queryset, fields)
    sql = f"ts_headline('{CONFIG}'::regconfig, {document}, {_tsquery_sql()}, %s)"
    params = [*_tsquery_params(query), _HEADLINE_OPTIONS]
    return queryset.annotate(search_headline=RawSQL(sql, params))


def _document_sql(queryset: QuerySet, fields: Fields) -> str:
    """SQL of the text a passage is taken from: the passage fields, as `_without_repeats`."""
    first, *rest = [f"coalesce({_column(queryset, name)}, '')" for name in fields.passage]
    parts = [first]
    for text in rest:
        parts.append(
            f"CASE WHEN {first} <> '' AND starts_with({text}, {first})"
            f" THEN substr({text}, length({first}) + 1) ELSE {text} END"
        )
    return " || ' ' || ".join(parts)


def highlight_marked(passage: str, document: str | None = None) -> SafeString:
    """Escape a ts_headline passage whole, then turn its markers into <mark> elements; with an
    ellipsis where it leaves out the beginning or the end of the `document` it was taken from.
    """
    passage = _one_line(passage)
    prefix = suffix = ""
    if document is not None:
        document = _one_line(document)
        words = passage.replace(_START, "").replace(_STOP, "")
        fragments = words.split(_FRAGMENT_DELIMITER)
        prefix = "" if document.startswith(fragments[0]) else "… "
        # ts_headline leaves out the punctuation after the last word.
        suffix = "" if _no_trailing(document).endswith(_no_trailing(fragments[-1])) else " …"
    escaped = html.escape(prefix + passage + suffix, quote=True)
    marked = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(_START, "").replace(_STOP, ""))


def _no_trailing(text: str) -> str:
    return _TRAILING.sub("", text)


# How far back a passage may start to begin with a whole word.
WORD_SLACK = 30


def highlight_words(text: str, query: str | None, *, width: int = 220) -> SafeString:
    """A passage around the first word of the query found in the text, escaped, with <mark>;
    cut between words, with an ellipsis where it leaves text out."""
    text = _one_line(text or "")
    words = _bare_words(clean_query(query))  # each begins and ends with a letter or digit
    lower = text.lower()
    positions = [lower.find(w.lower()) for w in words]
    found = [(p, len(w)) for p, w in zip(positions, words, strict=True) if p >= 0]
    hit, hit_length = min(found) if found else (0, 0)
    start = max(0, hit - width // 3)
    if start > 0 and text[start - 1] != " ":
        word_start = text.rfind(" ", 0, start) + 1
        if start - word_start <= WORD_SLACK:
            start = word_start  # the whole of the word it falls in
        elif (space := text.find(" ", start, hit)) >= 0:
            start = space + 1  # a long address or word: after it, not its start far back
    end = min(start + width, len(text))
    if end < len(text) and text[end] != " " and (space := text.rfind(" ", start, end)) > start:
        end = space  # before the word it falls in
    end = max(end, min(hit + hit_length, len(text)))  # the hit is always in the passage
    passage = text[start:end]
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    if words:
        pattern = re.compile("(" + "|".join(re.escape(w) for w in words) + ")", re.I)
        # Split the raw text, then escape every piece: odd pieces are the matches.
        pieces = pattern.split(passage)
        escaped = "".join(
            f"<mark>{html.escape(piece)}</mark>" if i % 2 else html.escape(piece)
            for i, piece in enumerate(pieces)
        )
    else:
        escaped = html.escape(passage)
    return mark_safe(html.escape(prefix) + escaped + html.escape(suffix))


def highlight(obj, query: str | None, fields: Fields) -> SafeString:
    """The highlighted passage of a found item: ts_headline's on PostgreSQL, else our own."""
    text = " ".join(_without_repeats([getattr(obj, name) or "" for name in fields.passage]))
    marked = getattr(obj, "search_headline", None)
    if marked and _START in marked:
        return highlight_marked(marked, text)
    return highlight_words(text, query)


def filter_text(queryset: QuerySet, text: str | None, fields: list[str]) -> QuerySet:
    """The free-text filter of every list: the same matching as the search page (full text
    and trigrams on PostgreSQL), keeping the list's own order. A query without a word or
    number (empty, or punctuation and operators alone: "-", '"', "!!") filters nothing, as
    the search page searches nothing for it; the list says why (PortalFilterView). Nor does a
    query of words too common to search for (`only_common_words`)."""
    if not is_searchable(text) or only_common_words(text, queryset.db):
        return queryset
    return search_filter(queryset, text, fields)


def admin_filter(queryset: QuerySet, text: str | None, fields: list[str], also: Q) -> QuerySet:
    """The admin's search on PostgreSQL: the items whose words match as in `filter_text` (the
    stored, indexed vector), or that `also` finds (exact, indexed lookups such as a reference).
    The admin's own substring matching reads every row of the table for each search."""
    fields = Fields.from_names(list(fields))
    query = clean_query(text)
    if not is_searchable(query):
        return queryset.filter(also)
    [fuzzy] = needs_fuzzy([(queryset, fields)], query)
    condition = _pg_match(queryset, fields, query, fuzzy)
    # On the queryset itself, not in a subquery: the conditions name the table, not an alias.
    return queryset.filter(Q(condition) | also)
