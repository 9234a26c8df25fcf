"""Full-text and trigram search on PostgreSQL: Swedish word forms, misspellings, ranking."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helsingborg_innovation import pagecache, search, search_words
from helsingborg_innovation.models import SearchWord
from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only")]


def _titles(client, query: str, **params) -> list[str]:
    response = client.get(reverse("search:results"), {"q": query, **params})
    assert response.status_code == 200
    return [hit.title for hit in response.context["hits"]]


def test_plural_finds_singular_by_trigram(client, make_initiative):
    make_initiative(title="Cykel till jobbet")
    make_initiative(title="Parkbänkar i centrum")
    assert _titles(client, "cyklar") == ["Cykel till jobbet"]


def test_trigram_matching_ranks_a_bounded_number_and_says_there_are_more(
    client, make_initiative, monkeypatch
):
    """A word similar to thousands of titles would have them all read and ranked: only the
    first FUZZY_CANDIDATES are, and the count says "more than"."""
    monkeypatch.setattr("helsingborg_innovation.search_views.FUZZY_CANDIDATES", 2)
    for n in range(4):
        make_initiative(title=f"Cykel {n}")
    make_initiative(title="Parkbänkar i centrum")
    response = client.get(reverse("search:results"), {"q": "cyklar"})
    hits = [hit.title for hit in response.context["hits"]]
    assert len(hits) == 3  # the candidates and one more, which tells there are more
    assert all(title.startswith("Cykel ") for title in hits)
    html = response.content.decode()
    assert "Fler än 2 träffar" in html
    assert "Initiativ (fler än 2)" in html

    monkeypatch.setattr("helsingborg_innovation.search_views.FUZZY_CANDIDATES", 4)
    cache.clear()  # the ranking kept for the query was counted with the other limit
    response = client.get(reverse("search:results"), {"q": "cyklar"})
    assert len(response.context["hits"]) == 4
    assert "4 träffar" in response.content.decode()
    assert "fler än" not in response.content.decode().lower()


def test_a_misspelt_search_keeps_out_the_words_it_excludes(client, make_initiative):
    """Where the full-text query found nothing, the trigram matching read "-sensorer" as one
    more word to find: "parkring -sensorer" listed the sensors and nothing else."""
    make_initiative(title="Sensorer för lediga parkeringsplatser", summary="Sensorer i gatan.")
    make_initiative(title="Parkering för lastcyklar", summary="Platser vid torget.")
    assert _titles(client, "parkring -sensorer") == ["Parkering för lastcyklar"]
    assert sorted(_titles(client, "parkring")) == [
        "Parkering för lastcyklar",
        "Sensorer för lediga parkeringsplatser",
    ]


def test_stemmer_joins_word_forms_in_the_body(client, make_initiative, make_method):
    make_initiative(title="Lugnare raster", body="Eleverna på skolorna fick nya lekredskap.")
    make_method(title="Intervjuguide", body="Så intervjuar du brukare.")
    assert _titles(client, "skola") == ["Lugnare raster"]
    assert _titles(client, "intervjua") == ["Intervjuguide"]


def test_genitive_finds_the_base_form(client, make_challenge):
    make_challenge(title="Skola och fritid för alla")
    assert _titles(client, "skolans") == ["Skola och fritid för alla"]


def test_misspelling_is_forgiven(client, make_initiative):
    make_initiative(title="Cykel till jobbet")
    make_initiative(title="Vattenmätare")
    assert _titles(client, "cyckel") == ["Cykel till jobbet"]


def test_multi_word_query(client, make_initiative):
    make_initiative(title="Laddstolpar i hamnen", summary="Elbilar laddar vid kajen.")
    make_initiative(title="Laddstolpar på landet", summary="Fler elbilar på landsbygden.")
    make_initiative(title="Hamnen i framtiden")
    assert _titles(client, "laddstolpe hamnen") == ["Laddstolpar i hamnen"]
    assert _titles(client, '"laddstolpar på landet"') == ["Laddstolpar på landet"]


def test_title_beats_summary_beats_body(client, make_initiative):
    make_initiative(title="Om staden", body="Solceller " * 10)
    make_initiative(title="Om taken", summary="Solceller på taken.")
    make_initiative(title="Solceller på skolor")
    assert _titles(client, "solceller") == ["Solceller på skolor", "Om taken", "Om staden"]


def test_stop_words_alone_find_nothing(client, make_initiative):
    make_initiative(title="Och så vidare", summary="Det är inte så.")
    assert _titles(client, "och det") == []


def test_no_draft_scheduled_or_archived_item(client, make_initiative, make_challenge):
    make_initiative(title="Solpanel i utkast", status=Status.DRAFT)
    make_initiative(title="Schemalagd solpanel", publish_at=timezone.now() + timedelta(days=1))
    make_initiative(title="Arkiverad solpanel", status=Status.ARCHIVED)
    make_challenge(title="Solpanel i utkast", status=Status.DRAFT)
    make_initiative(title="Solpanel på taket")
    assert _titles(client, "solpanel") == ["Solpanel på taket"]
    assert _titles(client, "solpanelen") == ["Solpanel på taket"]


def test_stored_vector_follows_the_content(client, make_initiative):
    initiative = make_initiative(title="Gatubelysning", body="Lampor.")
    assert _titles(client, "snöröjningen") == []
    Initiative.objects.filter(pk=initiative.pk).update(body="Snöröjning med drönare.")
    pagecache.bump(pagecache.INITIATIVES)  # as the app's own writes do (pagecache._on_change)
    assert _titles(client, "snöröjningen") == ["Gatubelysning"]


def test_highlight_marks_the_stemmed_match_and_escapes(client, make_initiative):
    make_initiative(title="Ljus", body="Vi satte upp lampor & <b>nya</b> armaturer i parkerna.")
    response = client.get(reverse("search:results"), {"q": "park"})
    passage = str(response.context["hits"][0].passage)
    assert "<mark>parkerna</mark>" in passage
    assert "<b>" not in passage
    assert "&amp;" in passage


def test_search_and_title_word_indexes_exist(db, postgres_only):
    """The stored vectors are indexed, and so are the words of the titles, by trigram; the
    titles themselves no longer are (nothing reads such an index, and every write updated it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname, indexdef FROM pg_indexes")
        indexes = {name: (table, definition) for table, name, definition in cursor.fetchall()}
    assert "initiatives_initiative_search_gin" in indexes
    assert indexes["site_searchword_trgm"][1].endswith("USING gin (word gin_trgm_ops)")
    assert not [name for name in indexes if name.endswith("_title_trgm")]
    assert indexes["contributions_contribution_title_words"][1].endswith(
        "USING gin (to_tsvector('simple'::regconfig, (title)::text), status)"
    )


def test_similar_title_words_are_found_through_the_index_of_the_titles_words(make_initiative):
    """A word similar to one that many bodies hold and few titles: the vector's index alone
    gave every item with it in the body, each read to tell it was not in the title ("ö" and
    "öppna": 125,000 ideas read in half a second to find none)."""
    make_initiative(title="Öppna data", body="Vi öppnar data.")
    for n in range(3):
        make_initiative(title=f"Parkbänk {n}", body="Öppna parker för alla.")
    found = search.search_filter(Initiative.objects.all(), "öpna", ["title", "body"], fuzzy=True)
    with transaction.atomic(), connection.cursor() as cursor:
        # On the test's near-empty table any plan is cheap: leave PostgreSQL the indexes.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = found.explain()
        assert [initiative.title for initiative in found] == ["Öppna data"]
    assert "initiatives_initiative_title_words" in plan, plan


def test_idea_search_indexes_hold_the_status(db, postgres_only):
    """Search reads published ideas only: the status narrows the matches inside the index, so
    PostgreSQL need not combine them with a bitmap of every published idea."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'contributions_contribution' AND indexdef LIKE '%USING gin%'"
        )
        definitions = dict(cursor.fetchall())
    assert definitions["contributions_contribution_search_gin"].endswith("(search_vector, status)")


def _words() -> set[str]:
    return set(SearchWord.objects.values_list("word", flat=True))


def test_every_title_written_adds_its_words_at_once(make_initiative, make_challenge):
    """Whatever writes a title (a form, the admin, a bulk update), its words are there to be
    found misspelt: the triggers add them in the same transaction."""
    initiative = make_initiative(title="Solcellspark vid Öresund")
    make_challenge(title="Gröna tak i e-hälsa")
    assert {"solcellspark", "vid", "öresund", "gröna", "tak", "e", "hälsa"} <= _words()
    assert "e-hälsa" not in _words()  # no punctuation: to_tsquery would read it as syntax

    Initiative.objects.filter(pk=initiative.pk).update(title="Vindkraftverk i hamnen")
    assert {"vindkraftverk", "hamnen"} <= _words()


def test_a_title_written_does_not_read_the_whole_list_of_words(make_initiative):
    """Each write looks up only its own words, through the key: the list grows with every new
    word, and reading it whole for every idea made 1,000 ideas take 11-17 s instead of 2."""

    def reads_of_the_whole_list() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables "
                "WHERE relname = %s",
                [SearchWord._meta.db_table],
            )
            return cursor.fetchone()[0]

    make_initiative(title="Cykel till jobbet")
    before = reads_of_the_whole_list()
    make_initiative(title="Vindkraftverk i hamnen")
    Initiative.objects.filter(title__startswith="Cykel").update(title="Cykelbana till jobbet")
    assert reads_of_the_whole_list() == before
    assert {"vindkraftverk", "cykelbana"} <= _words()


def test_a_misspelling_of_a_title_written_later_is_found(client, make_initiative):
    make_initiative(title="Cykel till jobbet")
    assert _titles(client, "vindkraftvrek") == []
    initiative = make_initiative(title="Solcellspark")
    Initiative.objects.filter(pk=initiative.pk).update(title="Vindkraftverk i hamnen")
    assert _titles(client, "vindkraftvrek") == ["Vindkraftverk i hamnen"]


def test_similar_words_are_looked_up_once_for_every_kind(client, make_initiative, make_method):
    make_initiative(title="Vindkraftverk i hamnen")
    make_method(title="Vindkraftverk som metod")
    with CaptureQueriesContext(connection) as captured:
        assert sorted(_titles(client, "vindkraftvrek")) == [
            "Vindkraftverk i hamnen",
            "Vindkraftverk som metod",
        ]
    lookups = [q["sql"] for q in captured.captured_queries if "site_searchword" in q["sql"]]
    assert len(lookups) == 1


def test_the_title_words_of_ideas_not_published_find_nothing(client, make_challenge):
    """Every title's words are kept, a waiting idea's too; they only lead to published items."""
    from contributions.models import Contribution, ContributionStatus

    challenge = make_challenge(title="Tryggare parker")
    Contribution.objects.create(
        challenge=challenge,
        kind="resident",
        consent=True,
        title="Hemlighetsfull parkeringsplats",
        text="Ej granskad.",
        status=ContributionStatus.PENDING,
    )
    assert "hemlighetsfull" in _words()
    assert _titles(client, "hemlighetsfyll") == []


def test_installing_adds_the_words_of_the_titles_there_are(make_initiative):
    make_initiative(title="Vindkraftverk i hamnen")
    SearchWord.objects.all().delete()
    with connection.cursor() as cursor:
        # As a migration would, in a transaction with no foreign key left to check: indexes
        # cannot be made on a table that has some.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        search_words.install(editor)
    assert {"vindkraftverk", "hamnen"} <= _words()


def test_a_word_finds_the_compounds_it_begins(client, make_initiative):
    make_initiative(title="Säkrare cykelbanor", summary="Fler cykelbanor i centrum.")
    make_initiative(title="Tryggare parker")
    assert _titles(client, "cykel") == ["Säkrare cykelbanor"]


def test_web_search_syntax_is_respected(client, make_initiative):
    make_initiative(title="Solceller på skolor")
    make_initiative(title="Solceller på förskolor och skolor")
    assert _titles(client, "solceller -förskolor") == ["Solceller på skolor"]


def test_list_filters_use_the_same_search(client, make_initiative, make_method):
    make_initiative(title="Cykel till jobbet")
    make_initiative(title="Tryggare parker")
    make_method(title="Intervjuguide", body="Så intervjuar du brukare.")
    initiatives = client.get(reverse("initiatives:list"), {"q": "cyklar"}).content.decode()
    assert "Cykel till jobbet" in initiatives
    assert "Tryggare parker" not in initiatives
    methods = client.get(reverse("methods:list"), {"q": "intervjua"}).content.decode()
    assert "Intervjuguide" in methods


def test_free_text_with_a_relation_filter(client, make_initiative, make_department):
    culture = make_department(slug="kultur")
    make_initiative(title="Cykel till biblioteket", owner_department=culture)
    make_initiative(title="Cykel till jobbet")
    make_initiative(title="Läsecirklar", departments=[culture])
    page = client.get(reverse("initiatives:list"), {"q": "cykel", "department": "kultur"}).text
    assert "Cykel till biblioteket" in page
    assert "Cykel till jobbet" not in page and "Läsecirklar" not in page


def test_the_admin_finds_senders_by_name_through_trigram_indexes(db, postgres_only):
    """The admin's substring match of a sender's name or organisation is answered by an index
    on the very expression Django writes, not by reading every idea."""
    from contributions.models import Contribution

    with connection.cursor() as cursor:
        # On the test's near-empty table any plan is cheap: leave PostgreSQL only the plans
        # that start from an index condition (not a whole index read in its order).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for column in ("name", "organisation"):
            ideas = Contribution.objects.filter(**{f"{column}__icontains": "lindqvist"})
            plan = ideas.order_by().explain()
            assert f"contributions_contribution_{column}_trgm" in plan, plan


@pytest.mark.parametrize("query", ["och", "och på", "-för", "och or på"])
def test_a_search_of_only_common_words_says_they_are_too_common(client, make_initiative, query):
    """PostgreSQL leaves words such as "och" out of full-text search: a search for them
    alone said "0 träffar" and "Nothing matched", even of a title that holds them."""
    make_initiative(title="Parker och torg", body="Mer grönska på torget och i parken.")
    response = client.get(reverse("search:results"), {"q": query})
    assert response.status_code == 200
    assert "Ord som ”och”, ”på” och ”för” är för vanliga att söka på." in response.text
    assert "träff" not in response.text  # no "0 träffar"

    found = client.get(reverse("search:results"), {"q": "torg och parker"})
    assert [hit.title for hit in found.context["hits"]] == ["Parker och torg"]
    assert "för vanliga" not in found.text


@pytest.mark.parametrize(
    ("name", "download"),
    [
        ("challenges:list", "/oppna-data/utmaningar.json"),
        ("initiatives:list", "/oppna-data/initiativ.json"),
        ("lessons:list", None),
        ("methods:list", "/oppna-data/metoder.json"),
    ],
)
def test_a_list_searched_for_only_common_words_says_so_and_lists_everything(
    client, make_challenge, make_initiative, make_method, name, download
):
    """As for a search of punctuation alone: the lists said "0 initiatives" and that nothing
    matched the filters."""
    from initiatives.models import Phase

    make_challenge(title="Parker och torg")
    make_initiative(title="Parker och torg", phase=Phase.STOPPED)
    make_method(title="Parker och torg")
    url = reverse(name)
    everything = client.get(url)
    response = client.get(url, {"q": "och"})
    assert response.status_code == 200
    assert "Ord som ”och”, ”på” och ”för” är för vanliga att söka på." in response.text
    assert "matchar" not in response.text  # "Inga initiativ matchar filtren."
    assert len(response.context["object_list"]) == len(everything.context["object_list"]) == 1
    if download:
        answered = client.get(download, {"q": "och"})
        assert b"".join(answered.streaming_content) == b"".join(
            client.get(download).streaming_content
        )
    assert "för vanliga" not in client.get(url, {"q": "parker"}).text
