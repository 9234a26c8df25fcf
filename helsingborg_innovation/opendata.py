"""Open data: the published portfolio as CSV and JSON, streamed, with a documented schema.

Exports are streamed row by row: the queryset is read with .iterator(chunk_size=BATCH) and the
related values of each batch are read with one plain query per relation (`attach`), so a
portfolio of 100,000 initiatives never sits in memory at once and the number of queries grows
only by a fixed number per batch. (Django's prefetch_related builds a related manager for every
row and relation, and taggit a queryset for every row's tags: most of the time an export took.)
The JSON is one array, written element by element. Only published content is exported, to
everyone, and the ideas carry no personal data: never an e-mail address, a name only where its
sender allowed it.
"""

import contextlib
import csv
import fcntl
import hashlib
import itertools
import json
import logging
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db.models import Max, QuerySet
from django.forms import ModelChoiceField
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from taggit.models import TaggedItem

from challenges.filters import ChallengeFilter
from challenges.models import Challenge
from contributions.models import Contribution
from helsingborg_innovation import exportfiles, heartbeat, pagecache
from helsingborg_innovation.listing import moved_permanently, with_slugs_now
from initiatives.filters import InitiativeFilter
from initiatives.models import ImpactGoal, Initiative
from methods.filters import MethodFilter
from methods.models import Method

# major.minor: a new field (added at the end) raises the minor version; a change that breaks
# existing use (a field removed, renamed, moved or given another meaning) the major one.
# 1.1: the ideas' published_at.
SCHEMA_VERSION = "1.1"
LICENCE = "CC0-1.0"
LICENCE_URL = "https://creativecommons.org/publicdomain/zero/1.0/"
BATCH = 500
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, integer, boolean, date, datetime, url, list, objects
    description: str


@dataclass(frozen=True)
class Dataset:
    key: str
    title: object
    description: object
    fields: tuple[Field, ...]
    rows: Callable[[HttpRequest, dict], tuple[QuerySet | None, dict]]
    row: Callable[[object, HttpRequest], dict]
    # Reads the related values of a batch of items into item.related (see _m2m).
    attach: Callable[[list], None] | None = None
    # What of today's date the file shows, for its ETag (see `export`): the page cache's
    # generations tell every change to what it holds but the passing of days.
    today: Callable[[], object] | None = None

    def file_name(self, fmt: str) -> str:
        return str(FILE_NAMES[self.key][fmt])


# Stable, translated file names: /oppna-data/initiativ.csv, /en/open-data/initiatives.csv.
FILE_NAMES = {
    "challenges": {"csv": _("challenges.csv"), "json": _("challenges.json")},
    "initiatives": {"csv": _("initiatives.csv"), "json": _("initiatives.json")},
    "methods": {"csv": _("methods.csv"), "json": _("methods.json")},
    "ideas": {"csv": _("ideas.csv"), "json": _("ideas.json")},
}

COMMON = (
    Field("id", "integer", _("A number that identifies the item and never changes.")),
    Field("slug", "string", _("The item's name in its web address.")),
    Field("url", "url", _("The item's public page.")),
    Field("title", "string", _("Title.")),
    Field("summary", "string", _("Short plain-text summary.")),
    Field("published_at", "datetime", _("When the item was published.")),
    Field(
        "updated_at",
        "datetime",
        _(
            "When the item last changed in public: when it was published or, if it has been "
            "changed since, when it was last changed."
        ),
    ),
    Field("tags", "list", _("Tags.")),
)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


SLUG = "__slug__"


def _absolute_url(request: HttpRequest, url_name: str, slug: str) -> str:
    """An item's public address, reversed once per kind of page and export, not once per row."""
    known = request.__dict__.setdefault("_export_urls", {})
    if url_name not in known:
        known[url_name] = request.build_absolute_uri(reverse(url_name, args=[SLUG])).split(SLUG)
    before, after = known[url_name]
    return before + slug + after


def _common(item, request: HttpRequest) -> dict:
    return {
        "id": item.pk,
        "slug": item.slug,
        "url": _absolute_url(request, item.url_name, item.slug),
        "title": item.title,
        "summary": item.summary,
        "published_at": _iso(item.publish_at),
        # As the sitemap and the feeds date it: an item saved on Monday to go public on Friday
        # changed on Friday for whoever harvests what changed since Thursday.
        "updated_at": _iso(item.public_change_at),
        "tags": sorted(item.related["tags"]),
    }


def _grouped(rows: Iterable[tuple]) -> defaultdict:
    """{item's pk: [value, ...]} of (pk, value) rows, or of (pk, value, value...) rows as tuples."""
    grouped = defaultdict(list)
    for pk, *values in rows:
        grouped[pk].append(values[0] if len(values) == 1 else tuple(values))
    return grouped


def _m2m(batch: list, name: str, *values: str, among: QuerySet | None = None) -> defaultdict:
    """The values of a many-to-many relation for a batch of items, in the order of the related
    model (among: only those related items), from the through table in one query."""
    field = type(batch[0])._meta.get_field(name)
    own, other = field.m2m_field_name(), field.m2m_reverse_field_name()
    rows = field.remote_field.through.objects.filter(**{f"{own}__in": [i.pk for i in batch]})
    if among is not None:
        rows = rows.filter(**{f"{other}__in": among.values("pk")})
    ordering = [
        f"-{other}__{key[1:]}" if key.startswith("-") else f"{other}__{key}"
        for key in field.related_model._meta.ordering
    ]
    columns = [f"{other}__{value}" for value in values]
    return _grouped(rows.order_by(*ordering).values_list(f"{own}_id", *columns))


def _attach(batch: list, **related: defaultdict) -> None:
    for item in batch:
        item.related = {name: values[item.pk] for name, values in related.items()}


def _tags(batch: list) -> defaultdict:
    kind = ContentType.objects.get_for_model(type(batch[0]))
    tagged = TaggedItem.objects.filter(content_type=kind, object_id__in=[i.pk for i in batch])
    return _grouped(tagged.values_list("object_id", "tag__name"))


class SlugsMoved(Exception):
    """The filters name a challenge or method by a slug it had before: the file is at the
    address with the slug it has now (`query`)."""

    def __init__(self, query: QueryDict):
        super().__init__(query)
        self.query = query


def _filtered(filterset_class, queryset: QuerySet, request: HttpRequest):
    """The published items a list page's filters select, or the filter errors."""
    data = request.GET.copy()
    for key, values in list(data.lists()):
        data.setlist(key, [value.replace("\x00", "") for value in values])
    filterset = filterset_class(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        if (moved := with_slugs_now(filterset)) is not None:
            raise SlugsMoved(moved)
        return None, filterset.errors
    # The filter sets never repeat a row (those with filters over relations that could, select
    # by primary key or DISTINCT themselves). Wrapping their result in a subquery would put
    # the free-text filter's SQL, which names the table, inside it: minutes per export.
    return filterset.qs, {}


# Challenges ---------------------------------------------------------------------------------

CHALLENGE_FIELDS = (
    *COMMON,
    Field("owner_department", "string", _("The department that owns the challenge.")),
    Field("global_goals", "list", _("Numbers of the UN sustainable development goals (1–17).")),
    Field("open_until", "date", _("Last day for ideas; empty means open until further notice.")),
    Field("is_open", "boolean", _("Whether the challenge takes ideas today.")),
)


def _challenge_rows(request: HttpRequest, extra: dict):
    queryset, errors = _filtered(ChallengeFilter, Challenge.objects.published(), request)
    if queryset is None:
        return None, errors
    return queryset.select_related("owner_department").order_by("pk"), {}


def _challenge_related(batch: list) -> None:
    _attach(batch, tags=_tags(batch), goals=_m2m(batch, "goals", "number"))


def _challenges_closed() -> str:
    """The last closing day passed among the published challenges: from one day to the next,
    the file's is_open (and its status filter) changes with it and only with it. Counted once
    a day and after each change to a challenge."""
    return pagecache.remembered(
        "opendata-challenges-closed",
        lambda: (
            _iso(Challenge.objects.published().closed().aggregate(day=Max("open_until"))["day"])
            or ""
        ),
        kinds=(pagecache.CHALLENGES,),
    )


def _challenge_row(challenge: Challenge, request: HttpRequest) -> dict:
    return {
        **_common(challenge, request),
        "owner_department": challenge.owner_department.name,
        "global_goals": challenge.related["goals"],
        "open_until": _iso(challenge.open_until),
        "is_open": challenge.is_open,
    }


# Initiatives --------------------------------------------------------------------------------

INITIATIVE_FIELDS = (
    *COMMON,
    Field(
        "phase",
        "string",
        _("idea, exploration, pilot, implementation, operation or stopped."),
    ),
    Field("start_date", "date", _("Start date.")),
    Field("end_date", "date", _("End date.")),
    Field("owner_department", "string", _("The department that owns the initiative.")),
    Field("departments", "list", _("Other departments taking part.")),
    Field(
        "partners",
        "objects",
        _(
            "External partners, each with a name and a kind (business, academia, association, "
            "public_body, other)."
        ),
    ),
    Field("challenges", "list", _("Slugs of the challenges the initiative addresses.")),
    Field("methods", "list", _("Slugs of the methods the initiative used.")),
    Field("global_goals", "list", _("Numbers of the UN sustainable development goals (1–17).")),
    Field(
        "impact_goals",
        "objects",
        _("What the initiative aims to change: each with a description, a target and a result."),
    ),
    Field(
        "stop_reason",
        "string",
        _(
            "For a stopped initiative: no_effect, too_costly, no_need, technology, organisation, "
            "partner, legal, replaced or other."
        ),
    ),
    Field("stop_explanation", "string", _("Why the initiative was stopped.")),
    Field("lessons_learned", "string", _("What was learned (Markdown).")),
)


def _initiative_rows(request: HttpRequest, extra: dict):
    queryset, errors = _filtered(InitiativeFilter, Initiative.objects.published(), request)
    if queryset is None:
        return None, errors
    return queryset.select_related("owner_department").order_by("pk"), {}


def _initiative_related(batch: list) -> None:
    impact_goals = ImpactGoal.objects.filter(initiative__in=[i.pk for i in batch])
    _attach(
        batch,
        tags=_tags(batch),
        goals=_m2m(batch, "goals", "number"),
        departments=_m2m(batch, "departments", "name"),
        partners=_m2m(batch, "partners", "name", "kind"),
        challenges=_m2m(batch, "challenges", "slug", among=Challenge.objects.published()),
        methods=_m2m(batch, "methods", "slug", among=Method.objects.published()),
        impact_goals=_grouped(
            impact_goals.order_by(*ImpactGoal._meta.ordering).values_list(
                "initiative_id", "description", "target", "result"
            )
        ),
    )


def _initiative_row(initiative: Initiative, request: HttpRequest) -> dict:
    return {
        **_common(initiative, request),
        "phase": initiative.phase,
        "start_date": _iso(initiative.start_date),
        "end_date": _iso(initiative.end_date),
        "owner_department": initiative.owner_department.name,
        "departments": initiative.related["departments"],
        "partners": [{"name": name, "kind": kind} for name, kind in initiative.related["partners"]],
        "challenges": initiative.related["challenges"],
        "methods": initiative.related["methods"],
        "global_goals": initiative.related["goals"],
        "impact_goals": [
            {"description": description, "target": target, "result": result}
            for description, target, result in initiative.related["impact_goals"]
        ],
        "stop_reason": initiative.stop_reason,
        "stop_explanation": initiative.stop_explanation,
        "lessons_learned": initiative.lessons_learned,
    }


# Methods ------------------------------------------------------------------------------------

METHOD_FIELDS = (
    *COMMON,
    Field("kind", "string", _("method, tool, template or guide.")),
    Field("stage", "string", _("understand, ideate, prototype, test, implement or scale.")),
    Field("duration", "string", _("hours, half_day, day, days or weeks; empty if not given.")),
    Field("external_url", "url", _("A link to the method elsewhere, if any.")),
)


def _method_rows(request: HttpRequest, extra: dict):
    queryset, errors = _filtered(MethodFilter, Method.objects.published(), request)
    if queryset is None:
        return None, errors
    return queryset.order_by("pk"), {}


def _method_related(batch: list) -> None:
    _attach(batch, tags=_tags(batch))


def _method_row(method: Method, request: HttpRequest) -> dict:
    return {
        **_common(method, request),
        "kind": method.kind,
        "stage": method.stage,
        "duration": method.duration,
        "external_url": method.external_url,
    }


# Ideas --------------------------------------------------------------------------------------

IDEA_FIELDS = (
    Field("id", "integer", _("A number that identifies the idea and never changes.")),
    Field("challenge", "string", _("Slug of the challenge the idea was sent to.")),
    Field("challenge_url", "url", _("The challenge's public page, where the idea is shown.")),
    Field("title", "string", _("Title.")),
    Field("text", "string", _("The idea.")),
    Field(
        "submitter_kind",
        "string",
        _("Who sent it: resident, city_employee, association, business, academia or other."),
    ),
    Field(
        "name",
        "string",
        _("The sender's name, only where they allowed it to be shown; otherwise empty."),
    ),
    Field("received_at", "date", _("The day the idea arrived.")),
    Field("public_answer", "string", _("The city's answer, if any.")),
    Field("initiative", "string", _("Slug of the published initiative the idea led to, if any.")),
    # Last, so that a program reading the CSV's columns by position reads them as before.
    Field(
        "published_at",
        "datetime",
        _(
            "When the idea was published: when a moderator published it or, for an idea "
            "published before that time was recorded, when it arrived. Since schema version 1.1."
        ),
    ),
)


def _idea_rows(request: HttpRequest, extra: dict):
    queryset = Contribution.objects.published().of_published_challenges()
    slug = request.GET.get("challenge", "").replace("\x00", "")
    if slug:
        if not Challenge.objects.published().filter(slug=slug).exists():
            if (moved := Challenge.moved(slug, Challenge.objects.published())) is not None:
                query = request.GET.copy()
                query["challenge"] = moved.slug
                raise SlugsMoved(query)
            # As the other exports' challenge filter answers: not an empty file, as if the
            # challenge had no ideas, for a mistyped one or one the public does not see.
            invalid = ModelChoiceField.default_error_messages["invalid_choice"]
            return None, {"challenge": [str(invalid)]}
        queryset = queryset.filter(challenge__slug=slug)
    # Only what is exported leaves the database: never the e-mail address or the organisation.
    return (
        queryset.select_related("challenge", "initiative")
        .only(
            "pk",
            "title",
            "text",
            "kind",
            "name",
            "show_name",
            "created_at",
            "decided_at",
            "public_answer",
            "challenge__slug",
            "initiative__slug",
            "initiative__status",
            "initiative__publish_at",
        )
        .order_by("pk"),
        {},
    )


def _idea_row(idea: Contribution, request: HttpRequest) -> dict:
    initiative = idea.initiative if idea.initiative_id else None
    return {
        "id": idea.pk,
        "challenge": idea.challenge.slug,
        "challenge_url": _absolute_url(request, "challenges:detail", idea.challenge.slug),
        "title": idea.title,
        "text": idea.text,
        "submitter_kind": idea.kind,
        "name": idea.name if idea.show_name else "",
        # The day in the site's time zone, as the challenge's page shows it (not UTC's).
        "received_at": _iso(timezone.localdate(idea.created_at)),
        "public_answer": idea.public_answer,
        "initiative": initiative.slug if initiative and initiative.is_public else "",
        # The time the challenge's feed dates the idea by (PUBLISHED_AT): an idea sent long
        # ago and published today is new to whoever harvests what was published since.
        "published_at": _iso(idea.decided_at or idea.created_at),
    }


DATASETS = {
    "challenges": Dataset(
        "challenges",
        _("Challenges"),
        _("Published challenges: what the city needs help with, and until when it takes ideas."),
        CHALLENGE_FIELDS,
        _challenge_rows,
        _challenge_row,
        _challenge_related,
        today=_challenges_closed,
    ),
    "initiatives": Dataset(
        "initiatives",
        _("Initiatives"),
        _(
            "The whole published innovation portfolio, including stopped initiatives with their "
            "reasons and lessons learned."
        ),
        INITIATIVE_FIELDS,
        _initiative_rows,
        _initiative_row,
        _initiative_related,
    ),
    "methods": Dataset(
        "methods",
        _("Methods"),
        _("The published methods, tools, templates and guides."),
        METHOD_FIELDS,
        _method_rows,
        _method_row,
        _method_related,
    ),
    "ideas": Dataset(
        "ideas",
        _("Published ideas"),
        _(
            "Ideas published after moderation, without personal data: no e-mail addresses, and "
            "a name only where its sender allowed it."
        ),
        IDEA_FIELDS,
        _idea_rows,
        _idea_row,
    ),
}


# Streaming ----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write returns what it was given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


# A spreadsheet runs a cell that begins with one of these as a formula: an idea titled
# =HYPERLINK("https://…") would be a live link, or worse, in whoever opens the file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return json.dumps(value, ensure_ascii=False)
        value = LIST_SEPARATOR.join(str(item) for item in value)
    value = str(value)
    # OWASP's advice for CSV: an apostrophe before it makes such a cell text. The JSON holds
    # every value as written.
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def stream_csv(dataset: Dataset, batches: Iterable[list[dict]]) -> Iterator[str]:
    # Every value in quotes, as OWASP advises: a Swedish Excel that opens the file with a
    # double click splits its lines on ";", and an idea titled "Idé;=HYPERLINK(…)" was a cell
    # "=HYPERLINK(…)" there, a live formula, past the apostrophe (`_csv_cell`). Inside quotes
    # a ";" (or a line end) starts no cell. Programs read the quoted numbers as numbers. The
    # header, the fields' own names, needs none.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)
    names = [f.name for f in dataset.fields]
    yield csv.writer(_Echo()).writerow(names)
    for rows in batches:
        yield "".join(writer.writerow([_csv_cell(row[name]) for name in names]) for row in rows)


def stream_json(batches: Iterable[list[dict]]) -> Iterator[str]:
    """One JSON array, written element by element."""
    yield "["
    separator = "\n"
    for rows in batches:
        written = []
        for row in rows:
            written.append(separator + json.dumps(row, ensure_ascii=False))
            separator = ",\n"
        yield "".join(written)
    yield "\n]\n"


def _batches(
    dataset: Dataset, queryset: QuerySet, request: HttpRequest, slot: "_Slot"
) -> Iterator[list[dict]]:
    """The rows, BATCH at a time: each batch is written to the visitor in one piece (one row
    at a time, the whole portfolio was 100,000 writes to the socket), and tells gunicorn the
    worker is still at work, so a long export is not cut off as a hung one (`heartbeat`),
    and that the export still holds its slot."""
    for batch in itertools.batched(queryset.iterator(chunk_size=BATCH), BATCH, strict=False):
        if dataset.attach is not None:
            dataset.attach(batch)
        yield [dataset.row(item, request) for item in batch]
        heartbeat.beat()
        slot.hold()


# Exports at once --------------------------------------------------------------------------
# The whole portfolio takes a worker for up to half a minute: a few visitors (or one script)
# asking for it over and over held every worker of every node, and the site answered no one.
# At most OPEN_DATA_EXPORTS_AT_ONCE are made at a time, counted in the shared cache; a slot
# whose worker died is free again SLOT_SECONDS after its last batch.
SLOT_SECONDS = 60
RETRY_AFTER_SECONDS = 30
# While the cache server is away, each node counts on its own, as many at once: its slots are
# locks on files here, which every worker of the node (process or thread) takes in turn and
# the system lets go of when a worker dies. Not a count in each worker: gunicorn's workers
# with Redis are single-threaded by default, so a worker's own limit would refuse nothing.
NODE_SLOTS_DIRECTORY = Path(tempfile.gettempdir())

logger = logging.getLogger(__name__)


def node_slot_path(n: int) -> Path:
    """The file of this node's slot `n`, named after the site (its directory and its key
    prefix in the cache), so that another site on the machine keeps its own."""
    site = f"{settings.BASE_DIR}|{caches['limits'].key_prefix}"
    name = hashlib.sha256(site.encode()).hexdigest()[:16]
    return NODE_SLOTS_DIRECTORY / f"innovation-{name}-opendata-export-{n}.lock"


class _Slot:
    """One of the slots for an export being made: a key in the shared cache, or, while that
    is away, a lock on one of this node's files; neither when no slot can be counted at all
    (then exports are not refused for it)."""

    def __init__(self, key: str | None = None, lock: IO | None = None):
        self.key, self.lock = key, lock

    @classmethod
    def take(cls) -> "_Slot | None":
        """A free slot, None when every one is taken."""
        if pagecache.cache_usable():
            limits = caches["limits"]
            try:
                for n in range(settings.OPEN_DATA_EXPORTS_AT_ONCE):
                    key = f"opendata:export:{n}"
                    if limits.add(key, 1, timeout=SLOT_SECONDS):
                        return cls(key=key)
                return None
            except Exception:
                pagecache.cache_failed("counting open-data exports: each node counts alone")
        return cls._take_on_this_node()

    @classmethod
    def _take_on_this_node(cls) -> "_Slot | None":
        for n in range(settings.OPEN_DATA_EXPORTS_AT_ONCE):
            try:
                lock = open(node_slot_path(n), "a")  # noqa: SIM115 - held until release()
            except OSError:
                logger.warning("Cannot count open-data exports on this node", exc_info=True)
                return cls()
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # taken by another export of this node
                lock.close()
                continue
            return cls(lock=lock)
        return None

    def hold(self) -> None:
        if self.key is not None:
            with contextlib.suppress(Exception):  # the slot then lasts SLOT_SECONDS
                caches["limits"].touch(self.key, SLOT_SECONDS)

    def release(self) -> None:
        if self.key is not None:
            with contextlib.suppress(Exception):  # free again SLOT_SECONDS after the last batch
                caches["limits"].delete(self.key)
            self.key = None
        if self.lock is not None:
            self.lock.close()  # lets go of the lock
            self.lock = None


class _Releasing:
    """The file's content, giving its slot back when the response is closed: sent whole,
    or left by a visitor who went away, before its first byte too."""

    def __init__(self, content: Iterator[str], slot: _Slot):
        self.content, self.slot = content, slot

    def __iter__(self):
        return iter(self.content)

    def close(self) -> None:
        try:
            close = getattr(self.content, "close", None)
            if close is not None:
                close()
        finally:
            self.slot.release()


def _busy() -> HttpResponse:
    response = HttpResponse(
        _("Other open-data files are being made right now. Try again in half a minute.") + "\n",
        content_type="text/plain; charset=utf-8",
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Access-Control-Allow-Origin"] = "*"
    return response


# GET and HEAD, and OPTIONS for a script on another site (`_preflight`); without the CSRF
# check, which guards what changes something: a program's POST gets 405, not a page about a
# form that could not be sent.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "OPTIONS"])
def export(request: HttpRequest, dataset: str, fmt: str) -> HttpResponse:
    """One dataset as CSV or JSON, honouring the same filters as its list page.

    A harvester that asks again with the ETag it was given is answered 304 while nothing the
    file shows has changed, before anything is read or made (see `pagecache.validator`). No
    Last-Modified: no date moves when an item is unpublished or deleted, so a harvester asking
    with If-Modified-Since would be told 304 and keep it (as the feeds, see urls.py). A file
    too large for the page cache is sent from where it was kept when it was last made whole
    (exportfiles.py), without the database."""
    if request.method == "OPTIONS":
        return _preflight()
    data = DATASETS[dataset]
    etag = pagecache.validator(request, data.today)
    answered = get_conditional_response(request, etag=etag) if etag is not None else None
    if answered is not None:
        answered["ETag"] = etag
        return _shared(answered)
    kept_as = exportfiles.kept_name(request, data.key, fmt, etag)
    if kept_as is not None and (kept := _kept(request, data, fmt, etag, kept_as)) is not None:
        return kept
    try:
        queryset, errors = data.rows(request, {})
    except SlugsMoved as moved:
        # A harvester's saved address still leads to the file, as the item's page does.
        response = moved_permanently(request, request.path, query=moved.query.urlencode())
        response["Access-Control-Allow-Origin"] = "*"
        return response
    if queryset is None:
        messages = [f"{name}: {' '.join(e)}" for name, e in errors.items()]
        response = HttpResponseBadRequest(
            "\n".join(messages) + "\n", content_type="text/plain; charset=utf-8"
        )
        # Otherwise a script on another site gets a network error instead of the reason.
        response["Access-Control-Allow-Origin"] = "*"
        return response
    if request.method == "HEAD":
        # The headers a GET gets, without making the file: the server reads the whole body
        # of a response to HEAD only to drop it, and link checkers and harvesters ask often.
        content = iter(())
    else:
        slot = _Slot.take()
        if slot is None:
            return _busy()
        batches = _batches(data, queryset, request, slot)
        content = stream_csv(data, batches) if fmt == "csv" else stream_json(batches)
        if kept_as is not None:
            content = exportfiles.kept_when_whole(content, kept_as)
        content = _Releasing(content, slot)
    return _file(content, data, fmt, etag)


def _file(content: Iterable, data: Dataset, fmt: str, etag: str | None) -> HttpResponse:
    """The response that sends a file, made afresh or kept: the same headers either way."""
    content_type = "text/csv" if fmt == "csv" else "application/json"
    response = StreamingHttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{data.file_name(fmt)}"'
    response["X-Schema-Version"] = SCHEMA_VERSION
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    if etag is not None:
        response["ETag"] = etag
    return _shared(response)


def _kept(
    request: HttpRequest, data: Dataset, fmt: str, etag: str, name: str
) -> HttpResponse | None:
    """The file as kept under `name` (exportfiles.py), None when it is not there. It takes
    no slot: sending a file reads neither the database nor the rows."""
    if request.method == "HEAD":
        length = exportfiles.size(name)
        content = iter(())
    else:
        file = exportfiles.opened(name)
        length = file.size if file is not None else None
        content = exportfiles.Sent(file) if file is not None else None
    if length is None:
        return None
    response = _file(content, data, fmt, etag)
    response["Content-Length"] = str(length)
    response["X-Open-Data-File"] = "kept"
    return response


# How long a browser may remember the answer to a preflight: a day (Firefox's limit;
# Chromium's is two hours).
PREFLIGHT_MAX_AGE = 24 * 60 * 60


def _preflight() -> HttpResponse:
    """The answer to OPTIONS, which a browser sends before a script on another site may send
    a request with headers of its own: If-None-Match, to ask for a file only if it changed.
    It was answered 405, and the browser then refused the script its request."""
    response = HttpResponse(status=204)
    del response["Content-Type"]
    response["Allow"] = "GET, HEAD, OPTIONS"
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, HEAD"
    # The request headers the files read (or safely ignore: no Last-Modified to compare
    # If-Modified-Since with, and a file is never stale for Cache-Control to ask otherwise).
    response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since, Cache-Control"
    response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return response


def _shared(response: HttpResponse) -> HttpResponse:
    """The response, readable by scripts on other sites (CORS): a 304 too, or a script that
    revalidates gets a network error."""
    response["Access-Control-Allow-Origin"] = "*"
    # A browser shows a script on another site only the headers named here (and the few
    # every response may show).
    response["Access-Control-Expose-Headers"] = "X-Schema-Version, Link, Content-Disposition, ETag"
    return response


def schema(request: HttpRequest) -> dict:
    def address(key: str, fmt: str) -> str:
        # Whole addresses: a program that reads the schema downloads the files from them.
        return request.build_absolute_uri(
            reverse("opendata:export", kwargs={"dataset": key, "fmt": fmt})
        )

    return {
        "version": SCHEMA_VERSION,
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "list_separator_in_csv": LIST_SEPARATOR,
        "datasets": {
            key: {
                "title": str(data.title),
                "description": str(data.description),
                "csv": address(key, "csv"),
                "json": address(key, "json"),
                "fields": [
                    {"name": f.name, "type": f.type, "description": str(f.description)}
                    for f in data.fields
                ],
            }
            for key, data in DATASETS.items()
        },
    }


# As the files (`export`): a script on another site reads the schema first, and may ask for
# it again with its ETag.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "OPTIONS"])
def schema_json(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    response = JsonResponse(schema(request), json_dumps_params={"ensure_ascii": False, "indent": 2})
    # The 304 here, not ConditionalGetMiddleware's, which drops the CORS headers: a script
    # that asked again with the ETag got a network error.
    set_response_etag(response)
    response = get_conditional_response(request, etag=response["ETag"], response=response)
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = "ETag"
    return response


@csrf_exempt
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The open data page: datasets, their schema and version, the licence. No queries."""
    datasets = [
        {
            "key": key,
            "data": data,
            "csv": reverse("opendata:export", kwargs={"dataset": key, "fmt": "csv"}),
            "json": reverse("opendata:export", kwargs={"dataset": key, "fmt": "json"}),
        }
        for key, data in DATASETS.items()
    ]
    context = {
        "datasets": datasets,
        "version": SCHEMA_VERSION,
        "licence_url": LICENCE_URL,
        "list_separator": LIST_SEPARATOR,
        "page_query": "",  # its address, canonical and in each language (seo.page_addresses)
    }
    return render(request, "opendata/index.html", context)


def urlpatterns() -> list:
    """The open data page, the schema and one stable URL per dataset and format."""
    patterns = [
        path("", index, name="index"),
        path(_("schema.json"), schema_json, name="schema"),
    ]
    for key, names in FILE_NAMES.items():
        for fmt, name in names.items():
            patterns.append(path(name, export, {"dataset": key, "fmt": fmt}, name="export"))
    return patterns
