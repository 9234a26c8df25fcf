"""What the lists read: the columns a card shows, in the order of an index, no DISTINCT that no
filter needs."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from challenges.models import Challenge
from methods.models import Method


def _reads(client, path, table):
    """The page, and the SELECTs of whole rows of this table it ran (counts left out)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    rows = [
        q["sql"]
        for q in captured
        if q["sql"].startswith(("SELECT", "SELECT DISTINCT"))
        and "COUNT(" not in q["sql"]
        and f'FROM "{table}"' in q["sql"]
        and f'"{table}"."title"' in q["sql"]
    ]
    return response.content.decode(), rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, table",
    [
        ("/", "challenges_challenge"),
        ("/", "initiatives_initiative"),
        ("/", "methods_method"),
        ("/utmaningar/", "challenges_challenge"),
        ("/initiativ/", "initiatives_initiative"),
        ("/lardomar/", "initiatives_initiative"),
        ("/metoder/", "methods_method"),
    ],
)
def test_cards_leave_the_body_and_the_image_unread(
    client, make_challenge, make_initiative, make_method, path, table
):
    """A card shows a title, a summary and a little more; the body is an item's longest text,
    and an image is set up for each row that has one."""
    from initiatives.models import Phase, StopReason

    make_challenge(title="Kortets utmaning", body="Hela brödtexten " * 200)
    make_initiative(
        title="Kortets initiativ",
        body="Hela brödtexten " * 200,
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        lessons_learned="Det vi lärde oss av kortet.",
    )
    make_method(title="Kortets metod", body="Hela brödtexten " * 200)
    html, rows = _reads(client, path, table)
    assert rows, "the list read no rows of its own"
    for sql in rows:
        assert f'"{table}"."body"' not in sql, sql
        assert f'"{table}"."image"' not in sql, sql
    assert "Kortets" in html
    assert "Hela brödtexten" not in html
    if path == "/lardomar/":
        assert "Det vi lärde oss av kortet." in html


@pytest.mark.django_db
def test_the_method_list_needs_no_distinct_unless_filtered_by_a_tag(client, make_method):
    make_method(title="Taggad metod", tags=["workshop", "design"])
    make_method(title="Otaggad metod")
    html, rows = _reads(client, "/metoder/", "methods_method")
    assert rows and not [sql for sql in rows if "DISTINCT" in sql]
    assert "Taggad metod" in html and "Otaggad metod" in html
    html, rows = _reads(client, "/metoder/?tag=workshop", "methods_method")
    assert rows and all("DISTINCT" in sql for sql in rows)
    assert html.count(">Taggad metod<") == 1
    assert "Otaggad metod" not in html


def _plan(queryset) -> str:
    """PostgreSQL's plan, with table scans ruled out (the test tables are tiny, and reading
    them whole would otherwise be cheapest): what the indexes allow."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        return queryset.explain()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_open_challenges_are_counted_from_the_index_alone(make_challenge):
    """The count behind the home page's figure and the list's "N challenges" read every open
    challenge's row: 7 ms with 5,000 of them, 1.4 ms from the index.

    The table is vacuumed first, as autovacuum keeps it in production: an index-only scan is
    cheaper only where the visibility map says the rows need not be read, and a table fresh
    from other tests' inserts made the planner's choice a tie (it failed in CI that way)."""
    make_challenge()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE challenges_challenge")
    counted = Challenge.objects.published().open().order_by().values_list("open_until")
    plan = _plan(counted)
    assert "Index Only Scan using challenge_last_day_idx" in plan, plan


@pytest.mark.postgres
@pytest.mark.usefixtures("postgres_only")
def test_a_page_of_methods_is_read_in_the_order_of_an_index(make_method):
    make_method()
    page = Method.objects.published().for_cards().order_by("title", "pk")[:12]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        plan = _plan(page)
    assert "method_title_idx" in plan, plan


@pytest.mark.django_db
def test_detail_pages_read_their_linked_items_as_cards(
    client, make_challenge, make_initiative, make_method
):
    """A challenge links to its initiatives, an initiative to its challenges and methods: by
    title, never their bodies."""
    method = make_method(title="Länkad metod", body="Metodens brödtext " * 100)
    challenge = make_challenge(title="Länkad utmaning", body="Utmaningens brödtext " * 100)
    initiative = make_initiative(
        title="Länkat initiativ",
        body="Initiativets brödtext " * 100,
        challenges=[challenge],
        methods=[method],
    )
    html, rows = _reads(client, challenge.get_absolute_url(), "initiatives_initiative")
    assert "Länkat initiativ" in html
    assert rows and not [sql for sql in rows if '"initiatives_initiative"."body"' in sql]
    for table, title in (
        ("challenges_challenge", "Länkad utmaning"),
        ("methods_method", "Länkad metod"),
    ):
        html, rows = _reads(client, initiative.get_absolute_url(), table)
        assert title in html
        assert rows and not [sql for sql in rows if f'"{table}"."body"' in sql], table
