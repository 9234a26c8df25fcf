"""The search page across every kind of content, and the page of each tag."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from taggit.models import Tag

from challenges.models import Challenge
from contributions.models import Contribution
from helsingborg_innovation import pagecache, ratelimit, search
from helsingborg_innovation.languages import written_in
from helsingborg_innovation.paging import FirstPageFirstPaginator
from helsingborg_innovation.search import Fields
from helsingborg_innovation.textsearch import MAX_QUERY_LENGTH, clean_query
from initiatives.models import Initiative
from methods.models import Method

# Ranked hits fetched per kind; the count shown is the true total all the same.
MAX_HITS_PER_KIND = 500
# Items of a kind that trigram matching (the fallback for misspellings and word forms) reads
# and ranks at most; past that, the count says "more than".
FUZZY_CANDIDATES = 1000
PAGE_SIZE = 20
TAG_PAGE_ITEMS = 12


@dataclass(frozen=True)
class Kind:
    """One kind of content the search covers."""

    key: str
    label: str
    fields: Fields
    queryset: Callable[[], QuerySet]
    url: Callable[[object], str]
    # The columns a hit shows (its address, title and passage), when the queryset reads more:
    # a whole challenge or initiative is some thirty columns and an image to set up.
    shown: tuple[str, ...] = ()


def _published_ideas() -> QuerySet:
    """Published ideas of published challenges; the sender's name and e-mail are never read."""
    return (
        Contribution.objects.published()
        .of_published_challenges()
        .select_related("challenge")
        .only("pk", "title", "text", "reference", "language", "created_at", "challenge__slug")
    )


def _idea_url(idea: Contribution) -> str:
    # Ideas have no public page of their own: they are shown on their challenge's page.
    return idea.get_public_url()


KINDS = [
    Kind(
        "challenge",
        _("Challenges"),
        Fields("title", (("summary", "B"), ("body", "C"))),
        lambda: Challenge.objects.published(),
        lambda obj: obj.get_absolute_url(),
        ("pk", "slug", "title", "summary", "body"),
    ),
    Kind(
        "initiative",
        _("Initiatives"),
        Fields(
            "title",
            (
                ("summary", "B"),
                ("lessons_learned", "B"),
                ("body", "C"),
                ("stop_explanation", "C"),
            ),
        ),
        lambda: Initiative.objects.published(),
        lambda obj: obj.get_absolute_url(),
        ("pk", "slug", "title", "summary", "lessons_learned", "body", "stop_explanation"),
    ),
    Kind(
        "method",
        _("Methods"),
        Fields("title", (("summary", "B"), ("body", "C"))),
        lambda: Method.objects.published(),
        lambda obj: obj.get_absolute_url(),
        ("pk", "slug", "title", "summary", "body"),
    ),
    Kind("idea", _("Ideas"), Fields("title", (("text", "B"),)), _published_ideas, _idea_url),
]
KINDS_BY_KEY = {kind.key: kind for kind in KINDS}
KIND_LABELS = {
    "challenge": _("Challenge"),
    "initiative": _("Initiative"),
    "method": _("Method"),
    "idea": _("Idea"),
}


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search for"), required=False, strip=True)
    kind = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("Everything")), *((kind.key, kind.label) for kind in KINDS)],
    )

    def clean_q(self) -> str:
        return clean_query(self.cleaned_data.get("q"))


@dataclass
class Hit:
    """One found item as the results list shows it."""

    kind: str
    kind_label: str
    title: str
    url: str
    passage: SafeString
    rank: float
    # ' lang="…"' for its title and passage on a page in another language than theirs: what
    # staff wrote is in Swedish, an idea in the language of the form it was sent from.
    lang: SafeString


def _hits_sql(found: QuerySet) -> tuple[str, list]:
    """SQL and parameters of the (hit_pk, hit_rank) of every match (annotated search_rank)."""
    hits = found.order_by().values(hit_pk=F("pk"), hit_rank=F("search_rank"))
    return hits.query.get_compiler(using=found.db).as_sql()


def _best_sql(hits: str, params: list, key: str) -> tuple[str, list]:
    """SQL and parameters of (kind, pk, rank, total of the kind) of the best of the hits that
    the SQL `hits` gives (hit_pk, hit_rank), best first.

    The matches are ranked first, and only their numbers and ranks are counted and sorted:
    counted beside the matching rows, every row's search vector was held until the count was
    done, which spilled to disk for a word that ten thousand ideas hold (a third of that
    query's time).
    """
    return (
        "SELECT %s AS search_kind, hit_pk, hit_rank, COUNT(*) OVER () AS total"
        f" FROM ({hits}) AS hits ORDER BY hit_rank DESC, hit_pk DESC LIMIT %s",
        [key, *params, MAX_HITS_PER_KIND],
    )


def _ranked_rows(found: QuerySet, key: str) -> list[tuple]:
    sql, params = _hits_sql(found)
    # OFFSET 0 keeps PostgreSQL from merging the subquery into the outer query.
    fence = " OFFSET 0" if search.is_postgres(found) else ""
    sql, params = _best_sql(sql + fence, params, key)
    with connections[found.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _fuzzy_rows(sources: list[Kind], query: str) -> list[tuple]:
    """(kind, pk, rank, total) of the best hits of trigram matching in each kind, in one query,
    among the first FUZZY_CANDIDATES + 1 items it finds in each (so a total above
    FUZZY_CANDIDATES means "more").

    Each candidate is ranked by reading its title: a word similar to the titles of 20,000
    ideas cost a quarter of a second to rank them all. The candidates, ranked as they are
    found, are a materialised CTE, which runs only as far as the LIMIT that reads it asks.
    """
    ctes, parts, params = [], [], []
    similar = search.similar_title_words(sources[0].queryset().db, query)
    for n, source in enumerate(sources):
        found = search.search_filter(
            source.queryset(), query, source.fields, fuzzy=True, similar=similar
        )
        sql, found_params = _hits_sql(found)
        ctes.append(f"fuzzy_{n} AS MATERIALIZED ({sql})")
        params.extend(found_params)
    for n, source in enumerate(sources):
        sql, best_params = _best_sql(
            f"SELECT hit_pk, hit_rank FROM fuzzy_{n} LIMIT %s", [FUZZY_CANDIDATES + 1], source.key
        )
        parts.append(f"({sql})")
        params.extend(best_params)
    db = sources[0].queryset().db
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        # A few hundred candidates at most: the workers of a parallel plan only read more of
        # them than the LIMIT takes, and cost their start (8-10 ms of 35 for "cyklar").
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(f"WITH {', '.join(ctes)} {' UNION ALL '.join(parts)}", params)
        return cursor.fetchall()


def search_everything(
    query: str, kind: str = ""
) -> tuple[list[tuple[str, int, float]], dict[str, int], set[str]]:
    """Ranked (kind, pk, rank) of the best hits of every kind (or one), totals per kind, and
    the kinds whose total is only a lower bound ("more than").

    Ranking a common word reads every item it matches (a tenth of a second with half a
    million ideas), so the ranking of a query is kept (see `pagecache.remembered`) until the
    content changes: the next pages of results, the other language, the kind tabs and the
    same words from the next visitor only read the items they show. What is kept is the
    published items' numbers and ranks, under a digest of the query (the words people type
    stay out of the cache's keys).
    """
    digest = hashlib.sha256(query.encode()).hexdigest()
    ranked, totals, more = pagecache.remembered(
        "search", lambda: rank_everything(query), digest, kinds=pagecache.ROUTES["search:results"]
    )
    if kind:
        ranked = [row for row in ranked if row[0] == kind]
    return ranked, totals, more


def rank_everything(
    query: str,
) -> tuple[list[tuple[str, int, float]], dict[str, int], set[str]]:
    """What `search_everything` gives for every kind, counted afresh.

    One full-text query per kind; on PostgreSQL the kinds it finds nothing in are then searched
    for the title words similar to the query's together, in one more query (and one to look
    up those words), among a bounded number of candidates (see ``_fuzzy_rows``).
    """
    rows = []
    empty = []
    for source in KINDS:
        found = search.search_filter(source.queryset(), query, source.fields, fuzzy=False)
        kind_rows = _ranked_rows(found, source.key)
        rows.extend(kind_rows)
        if not kind_rows:
            empty.append(source)
    more: set[str] = set()
    if empty and search.is_postgres(empty[0].queryset()):
        fuzzy = _fuzzy_rows(empty, query)
        rows.extend(fuzzy)
        more = {key for key, _pk, _rank, total in fuzzy if total > FUZZY_CANDIDATES}
    totals = {source.key: 0 for source in KINDS}
    ranked: list[tuple[str, int, float]] = []
    for key, pk, rank, total in rows:
        totals[key] = min(total, FUZZY_CANDIDATES) if key in more else total
        ranked.append((key, pk, float(rank)))
    ranked.sort(key=lambda row: (-row[2], row[0], -row[1]))
    return ranked, totals, more


def _hits(page_rows: list[tuple[str, int, float]], query: str) -> list[Hit]:
    """The items of one page of results, one query per kind on the page."""
    wanted: dict[str, list[int]] = {}
    for key, pk, _rank in page_rows:
        wanted.setdefault(key, []).append(pk)
    objects = {}
    for key, pks in wanted.items():
        source = KINDS_BY_KEY[key]
        queryset = source.queryset().filter(pk__in=pks)
        if source.shown:
            queryset = queryset.only(*source.shown)
        queryset = search.with_headline(queryset, query, source.fields)
        objects.update({(key, obj.pk): obj for obj in queryset})
    hits = []
    for key, pk, rank in page_rows:
        obj = objects.get((key, pk))
        if obj is None:
            continue
        source = KINDS_BY_KEY[key]
        hits.append(
            Hit(
                kind=key,
                kind_label=KIND_LABELS[key],
                title=obj.title,
                url=source.url(obj),
                passage=search.highlight(obj, query, source.fields),
                rank=rank,
                lang=written_in(getattr(obj, "language", "")),
            )
        )
    return hits


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    """/sok/: one GET form, ranked results labelled by kind, filterable by kind, paginated."""
    form = SearchForm(request.GET or None)
    query, kind = "", ""
    if form.is_bound and form.is_valid():
        query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    elif form.is_bound:
        query = clean_query(request.GET.get("q"))
    common_words = search.only_common_words(query)
    searched = search.is_searchable(query) and not common_words
    if searched:
        # A search the page cache does not answer is the dearest page to build: one visitor
        # (a robot) may not take every worker with them.
        retry_after = ratelimit.hit(request, scope="search", rate=settings.SEARCH_RATE_LIMIT)
        if retry_after is not None:
            return ratelimit.too_many_requests(request, retry_after)
    ranked, totals, more = search_everything(query, kind) if searched else ([], {}, set())
    paginator = FirstPageFirstPaginator(ranked, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "query": query,
        "kind": kind,
        "searched": searched,
        "common_words": common_words,
        "truncated": len(request.GET.get("q", "")) > MAX_QUERY_LENGTH,
        "facets": [
            {
                "key": source.key,
                "label": source.label,
                "count": totals.get(source.key, 0),
                "more": source.key in more,
            }
            for source in KINDS
        ],
        "total": sum(totals.get(k.key, 0) for k in KINDS if not kind or k.key == kind),
        "more": any(key in more for key in totals if not kind or key == kind),
        # With one kind shown, whether the others hold hits: the empty state then says so.
        "found_elsewhere": bool(kind) and any(n for key, n in totals.items() if key != kind),
        "capped": any(count > MAX_HITS_PER_KIND for count in totals.values()),
        "max_hits": MAX_HITS_PER_KIND,
        "page_obj": page,
        "paginator": paginator,
        "hits": _hits(list(page.object_list), query) if searched else [],
    }
    return render(request, "search/results.html", context)


@require_safe
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Every published challenge, initiative and method with a tag: the newest of each kind,
    and a link to the filtered list for the rest. Two queries per kind. A tag that no published
    item has is not found, like an unknown one: its page would name the tag of a draft."""
    tag = get_object_or_404(Tag, slug=slug)
    sections = []
    for model, list_name, label in (
        (Challenge, "challenges:list", _("Challenges")),
        (Initiative, "initiatives:list", _("Initiatives")),
        (Method, "methods:list", _("Methods")),
    ):
        items = model.objects.published().filter(tags__slug=tag.slug)
        count = items.count()
        if count:
            sections.append(
                {
                    "label": label,
                    "list_name": list_name,
                    "count": count,
                    "items": list(
                        items.order_by("-publish_at", "-pk").only(
                            "pk", "title", "slug", "summary", "publish_at"
                        )[:TAG_PAGE_ITEMS]
                    ),
                }
            )
    if not sections:
        raise Http404
    # A page of its own, canonical without a query (seo.page_addresses).
    context = {"tag": tag, "sections": sections, "page_query": ""}
    return render(request, "tags/tag_detail.html", context)
