"""The search page and the search machinery, on every database."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from helsingborg_innovation import pagecache, search
from helsingborg_innovation.publishing import Status
from helsingborg_innovation.search import highlight_marked, highlight_words, search_filter
from initiatives.models import Initiative


def _search(client, **params):
    response = client.get(reverse("search:results"), params)
    assert response.status_code == 200
    return response


def _titles(response) -> list[str]:
    return [hit.title for hit in response.context["hits"]]


def test_empty_page_has_a_labelled_form(client):
    response = _search(client)
    html = response.content.decode()
    assert '<label class="filter-form__label" for="id_q">' in html
    assert 'role="search"' in html
    assert response.context["hits"] == []


@pytest.mark.django_db
def test_finds_every_kind_and_labels_it(client, make_challenge, make_initiative, make_method):
    make_challenge(title="Renare hamnbassäng")
    make_initiative(title="Sensorer i hamnbassängen", summary="Vi mäter vattnet.")
    make_method(title="Hamnbassäng som testmiljö")
    make_initiative(title="Något helt annat")
    response = _search(client, q="hamnbassäng")
    kinds = sorted(hit.kind for hit in response.context["hits"])
    assert kinds == ["challenge", "initiative", "method"]
    html = response.content.decode()
    assert '<span class="badge search-result__kind">Utmaning</span>' in html


@pytest.mark.django_db
def test_filter_by_kind_and_counts(client, make_challenge, make_initiative):
    make_challenge(title="Fler träd i stan")
    make_initiative(title="Träd som svalkar")
    response = _search(client, q="träd", kind="initiative")
    assert _titles(response) == ["Träd som svalkar"]
    facets = {facet["key"]: facet["count"] for facet in response.context["facets"]}
    assert facets["challenge"] == 1
    assert facets["initiative"] == 1
    assert response.context["total"] == 1


@pytest.mark.django_db
def test_title_match_ranks_first(client, make_initiative):
    make_initiative(title="Digitala tjänster", body="Om belysning. " * 5)
    make_initiative(title="Smart belysning", summary="Lampor som tänds när någon går förbi.")
    response = _search(client, q="belysning")
    assert _titles(response)[0] == "Smart belysning"
    assert set(_titles(response)) == {"Smart belysning", "Digitala tjänster"}


@pytest.mark.django_db
def test_lessons_learned_are_searched(client, make_initiative):
    make_initiative(
        title="Avslutat försök", phase="stopped", lessons_learned="Förankra hos rektorerna."
    )
    response = _search(client, q="rektorerna")
    assert _titles(response) == ["Avslutat försök"]


@pytest.mark.django_db
def test_nothing_unpublished_is_found(client, make_challenge, make_initiative, make_method):
    future = timezone.now() + timedelta(days=3)
    make_initiative(title="Hemlig solpanel", status=Status.DRAFT)
    make_initiative(title="Schemalagd solpanel", publish_at=future)
    make_initiative(title="Arkiverad solpanel", status=Status.ARCHIVED)
    make_challenge(title="Utkast solpanel", status=Status.DRAFT)
    make_method(title="Utkastmetod solpanel", status=Status.DRAFT)
    make_initiative(title="Publicerad solpanel")
    response = _search(client, q="solpanel")
    assert _titles(response) == ["Publicerad solpanel"]
    assert response.context["total"] == 1


@pytest.mark.django_db
def test_published_ideas_are_found_without_personal_data(client, make_challenge):
    from contributions.models import Contribution, ContributionStatus

    challenge = make_challenge(title="Tryggare parker")
    common = {"challenge": challenge, "kind": "resident", "consent": True}
    Contribution.objects.create(
        title="Belysta gångstråk",
        text="Lampor längs gångstråken.",
        name="Anna Hemlig",
        email="anna@example.org",
        status=ContributionStatus.PUBLISHED,
        **common,
    )
    Contribution.objects.create(
        title="Väntande gångstråk", text="Ej granskad.", status=ContributionStatus.PENDING, **common
    )
    hidden = make_challenge(title="Utkast", status=Status.DRAFT)
    Contribution.objects.create(
        title="Gångstråk i utkast",
        text="Hör till ett utkast.",
        status=ContributionStatus.PUBLISHED,
        **{**common, "challenge": hidden},
    )
    response = _search(client, q="gångstråk")
    assert _titles(response) == ["Belysta gångstråk"]
    hit = response.context["hits"][0]
    assert hit.kind == "idea"
    assert hit.url.startswith(challenge.get_absolute_url())
    html = response.content.decode()
    assert "anna@example.org" not in html
    assert "Anna Hemlig" not in html


@pytest.mark.django_db
def test_multi_word_query_needs_every_word(client, make_initiative):
    make_initiative(title="Cykelparkering vid stationen")
    make_initiative(title="Cykelparkering vid skolan")
    response = _search(client, q="cykelparkering stationen")
    assert _titles(response) == ["Cykelparkering vid stationen"]


@pytest.mark.django_db
def test_highlight_is_escaped(client, make_initiative):
    make_initiative(
        title="Skript",
        summary='Ett försök med <script>alert("x")</script> och 1 < 2 & fönsterbänkar.',
    )
    response = _search(client, q="fönsterbänkar")
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "1 &lt; 2 &amp;" in html
    assert "<mark>fönsterbänkar</mark>" in html


@pytest.mark.parametrize(
    "query",
    [
        "!!!",
        "x" * 10_000,
        "'; DROP TABLE initiatives_initiative; --",
        '"unbalanced',
        "a\x00b",
        "fönster\x00bänk",
        "(((",
        "<script>",
        "& | ! :*",
        "ä" * 300,
        "_",
        "__ ?!",
        '"_"',
    ],
)
@pytest.mark.django_db
def test_bad_queries_give_a_normal_page(client, make_initiative, query):
    make_initiative(title="Fönsterbänk")
    response = _search(client, q=query, kind="initiative", page="x")
    assert b"<script>alert" not in response.content
    assert Initiative.objects.count() == 1


@pytest.mark.django_db
def test_unknown_kind_and_page_give_a_normal_page(client, make_initiative):
    make_initiative(title="Fönsterbänk")
    response = _search(client, q="fönsterbänk", kind="nonsense", page="9999")
    assert response.status_code == 200


@pytest.mark.django_db
def test_results_are_paginated(client, make_initiative):
    for n in range(25):
        make_initiative(title=f"Laddstolpe {n}")
    first = _search(client, q="laddstolpe")
    assert len(first.context["hits"]) == 20
    assert first.context["total"] == 25
    second = _search(client, q="laddstolpe", page=2)
    assert len(second.context["hits"]) == 5
    before_the_first = _search(client, q="laddstolpe", page=0)
    assert len(before_the_first.context["hits"]) == 20
    assert "Sida 1 av 2" in before_the_first.text


@pytest.mark.django_db
def test_query_count_does_not_grow(client, make_challenge, make_initiative, make_method):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            _search(client, q="solcell")
        return len(queries)

    make_challenge(title="Solcell")
    make_initiative(title="Solcell")
    search.only_common_words("solcell")  # what a worker asks once
    few = count()
    for n in range(15):
        make_challenge(title=f"Solcell {n}")
        make_initiative(title=f"Solcell {n}", tags=["energi"])
        make_method(title=f"Solcell {n}")
    assert count() == few
    # On PostgreSQL, where a kind finds nothing as typed: the similar title words looked up,
    # and their candidates read in a transaction of their own (a savepoint here).
    assert few <= 12


@pytest.mark.django_db
def test_english_search_page_searches_swedish_content(client, make_method):
    make_method(title="Intervjuer med brukare")
    response = client.get("/en/search/", {"q": "intervjuer"})
    assert response.status_code == 200
    assert _titles(response) == ["Intervjuer med brukare"]
    assert '<span class="badge search-result__kind">Method</span>' in response.content.decode()


@pytest.mark.django_db
def test_search_filter_on_a_queryset(make_initiative):
    make_initiative(title="Grönt tak")
    make_initiative(title="Blått hav")
    found = search_filter(Initiative.objects.all(), "grönt", ["title", "summary", "body"])
    assert [i.title for i in found] == ["Grönt tak"]
    assert search_filter(Initiative.objects.all(), "  !! ", ["title", "summary"]).count() == 0


def test_highlights_escape_everything_but_the_mark():
    assert highlight_marked('<b>x</b> \x02ord\x03 "y"') == (
        "&lt;b&gt;x&lt;/b&gt; <mark>ord</mark> &quot;y&quot;"
    )
    assert highlight_marked("\x02<i>\x03") == "<mark>&lt;i&gt;</mark>"
    assert highlight_words("A & B <amp>", "amp") == "A &amp; B &lt;<mark>amp</mark>&gt;"


@pytest.mark.django_db
def test_hits_beyond_the_cap_are_counted_and_explained(client, make_method, monkeypatch):
    from helsingborg_innovation import search_views

    monkeypatch.setattr(search_views, "MAX_HITS_PER_KIND", 3)
    for n in range(5):
        make_method(title=f"Workshop {n}")
    response = _search(client, q="workshop")
    assert response.context["total"] == 5
    assert len(response.context["hits"]) == 3
    assert "bästa träffarna" in response.content.decode() or "best hits" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_counts_of_hits_have_their_thousands_apart(client, make_method, monkeypatch):
    """1234 hits read "1234 träffar" and "Metoder (1234)", where Swedish writes "1 234" (a
    no-break space), as the statistics page does, and English "1,234"."""
    from helsingborg_innovation import search_views
    from methods.models import Method

    monkeypatch.setattr(search_views, "MAX_HITS_PER_KIND", 3)
    method = make_method(title="Workshop 0")
    Method.objects.bulk_create(
        Method(
            title=f"Workshop {n}",
            slug=f"workshop-{n}",
            summary="Ett sätt att arbeta.",
            kind=method.kind,
            stage=method.stage,
            status=method.status,
            publish_at=method.publish_at,
        )
        for n in range(1, 1234)
    )

    page = _search(client, q="workshop").content.decode()
    assert '<h2 class="result-count" id="results-heading">1\xa0234 träffar</h2>' in page
    assert "Metoder (1\xa0234)" in page
    with translation.override("en"):
        english = _search(client, q="workshop").content.decode()
    assert '<h2 class="result-count" id="results-heading">1,234 hits</h2>' in english
    assert "Methods (1,234)" in english


@pytest.mark.django_db
def test_a_word_with_a_minus_is_left_out_not_looked_for(client, make_initiative):
    """ "parkering -sensorer" listed the sensors, and only them, where the full-text query
    found nothing: the matching that takes over looked for "sensorer" as for any word."""
    make_initiative(title="Sensorer för lediga parkeringsplatser", summary="Sensorer i gatan.")
    make_initiative(title="Cykelbanor längs kusten")
    assert _titles(_search(client, q="parkering -sensorer")) == []
    assert _titles(_search(client, q="parkering")) == ["Sensorer för lediga parkeringsplatser"]
    assert _titles(_search(client, q="-sensorer")) == ["Cykelbanor längs kusten"]


def test_passages_show_words_not_markdown_marks():
    passage = highlight_words(
        "## Bakgrund\n\nInitiativet svarar på *Cykla mer* och **snabbt**, se file_name.", "cykla"
    )
    assert (
        passage == "Bakgrund Initiativet svarar på <mark>Cykla</mark> mer och snabbt, se file_name."
    )


def test_one_visitor_searching_without_pause_is_asked_to_wait(client, make_initiative, settings):
    settings.SEARCH_RATE_LIMIT = "3/m"
    make_initiative(title="Cykelbana längs kusten")
    url = reverse("search:results")
    for word in ("cykel", "kusten", "bana"):
        _search(client, q=word)
    refused = client.get(url, {"q": "cykelbana"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "För många försök" in refused.text
    # The empty search page is no search; another visitor searches on.
    _search(client)
    assert client.get(url, {"q": "cykel"}, REMOTE_ADDR="192.0.2.9").status_code == 200


def test_searches_leave_a_failed_cache_server_alone_for_a_while_and_say_so_once(
    client, make_initiative, broken_limits_cache, caplog, monkeypatch
):
    """Redis away: the page cache left it alone for 5 s, but the search limit asked it again
    for every search, each waiting for Redis's timeout (half a second) and logging a
    traceback."""
    # Long enough for the three requests however slow the machine: at 5 s, a loaded machine
    # let the pause run out between them and the test failed.
    monkeypatch.setattr(pagecache, "CACHE_RETRY_SECONDS", 60)
    make_initiative(title="Cykelbana längs kusten")
    with caplog.at_level("WARNING"):
        for word in ("cykel", "kusten", "bana"):
            assert _titles(_search(client, q=word)) == ["Cykelbana längs kusten"]
    assert len(broken_limits_cache) == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        "Cache server unavailable (counting search requests: each worker counts alone): "
        "serving pages "
        "uncached, trying again in 60 s"
    ]


def _queries(client, **params) -> tuple[list[str], list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = _search(client, **params)
    return _titles(response), [query["sql"] for query in captured.captured_queries]


def _ranking_queries(sqls: list[str]) -> list[str]:
    """The queries that rank a kind's matches (each selects its kind's label as a constant)."""
    return [sql for sql in sqls if "search_kind" in sql]


@pytest.mark.django_db
def test_the_next_page_and_the_kind_tabs_do_not_rank_the_matches_again(
    client, make_initiative, make_method
):
    """Ranking a common word reads every item it matches; the query's ranking is kept, so
    paging, the kind tabs and the other language only read the items they show."""
    for n in range(25):
        make_initiative(title=f"Laddstolpe {n}")
    make_method(title="Laddstolpe som metod")
    first, sqls = _queries(client, q="laddstolpe")
    assert len(first) == 20 and _ranking_queries(sqls)

    second, sqls = _queries(client, q="laddstolpe", page=2)
    assert len(second) == 6 and not set(first) & set(second)
    assert _ranking_queries(sqls) == []

    methods, sqls = _queries(client, q="laddstolpe", kind="method")
    assert methods == ["Laddstolpe som metod"]
    assert _ranking_queries(sqls) == []

    with CaptureQueriesContext(connection) as captured:
        english = client.get("/en/search/", {"q": "laddstolpe", "page": 2})
    assert len(english.context["hits"]) == 6
    assert _ranking_queries([q["sql"] for q in captured.captured_queries]) == []


@pytest.mark.django_db
def test_a_kept_ranking_gives_way_to_new_and_withdrawn_content_at_once(client, make_initiative):
    kept = make_initiative(title="Laddstolpe vid torget")
    assert _titles(_search(client, q="laddstolpe")) == ["Laddstolpe vid torget"]
    make_initiative(title="Laddstolpe i hamnen")
    assert sorted(_titles(_search(client, q="laddstolpe", page=1))) == [
        "Laddstolpe i hamnen",
        "Laddstolpe vid torget",
    ]
    kept.status = Status.ARCHIVED
    kept.save()
    assert _titles(_search(client, q="laddstolpe", kind="")) == ["Laddstolpe i hamnen"]


@pytest.mark.django_db
def test_the_words_searched_for_stay_out_of_the_caches_keys(client, make_initiative):
    from django.core.cache import cache

    make_initiative(title="Hemligaordet i titeln")
    _search(client, q="hemligaordet")
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # local memory
        keys = [str(key) for key in cache._cache]
    else:  # Redis
        keys = [key.decode() for key in cache._cache.get_client().keys("*")]
    assert keys  # the ranking was kept
    assert not [key for key in keys if "hemligaordet" in key.lower()]


@pytest.mark.django_db
def test_the_hits_read_only_what_the_results_show(
    client, make_challenge, make_initiative, make_method
):
    """A whole challenge or initiative is some thirty columns, and an image to set up, for a
    title, an address and a passage."""
    make_challenge(title="Gatubelysning i parken")
    make_initiative(title="Gatubelysning som tänds", summary="Lampor med sensorer.")
    make_method(title="Gatubelysning som metod")
    with CaptureQueriesContext(connection) as captured:
        response = _search(client, q="gatubelysning")
    assert len(response.context["hits"]) == 3
    hits = [
        q["sql"]
        for q in captured
        if q["sql"].startswith("SELECT")
        and '"id" IN (' in q["sql"]
        and any(
            f'FROM "{table}"' in q["sql"]
            for table in ("challenges_challenge", "initiatives_initiative", "methods_method")
        )
    ]
    assert len(hits) == 3
    for sql in hits:
        assert '."image"' not in sql and '."owner_department_id"' not in sql, sql
        assert '."title"' in sql and '."slug"' in sql
    html = response.content.decode()
    assert "Lampor med sensorer." in html


def _passage(response) -> str:
    """The passage of the only hit, as the visitor reads it (marks and escapes undone)."""
    [passage] = re.findall(r'search-result__passage">(.*?)</p>', response.text, re.S)
    return html.unescape(re.sub(r"</?mark>", "", passage))


@pytest.mark.django_db
def test_a_long_passage_is_cut_between_words_with_an_ellipsis(client, make_method):
    words = [f"ord{n}{'x' * (n % 7)}" for n in range(120)]
    words[60] = "vattenparken"
    body = " ".join(words) + "."
    make_method(title="Lång metod", summary="", body=body)
    passage = _passage(_search(client, q="vattenparken"))
    assert passage.startswith("… ") and passage.endswith(" …")
    shown = passage.removeprefix("… ").removesuffix(" …").rstrip(".").split()
    assert "vattenparken" in shown
    # Whole words, in order: none cut through.
    assert f" {' '.join(shown)} " in f" {body.rstrip('.')} "


@pytest.mark.django_db
def test_a_passage_does_not_repeat_the_summary(client, make_method):
    summary = "Parker som tar hand om vatten vid skyfall."
    make_method(
        title="Dagvatten",
        summary=summary,
        body=f"{summary}\n\nLandskapsarkitekter och VA-ingenjörer i samma rum.",
    )
    passage = _passage(_search(client, q="skyfall"))
    assert passage.count("skyfall") == 1
    assert "Landskapsarkitekter" in passage


@pytest.mark.parametrize(
    "text",
    [
        "Inledning. Läs mer på https://example.org/" + "a" * 240 + " om cykelbanorna vintertid.",
        "Inledning om cykelbanorna" + "b" * 400 + " och mer.",
        "c" * 500 + "cykelbanorna och mer.",
    ],
    ids=["long address before", "long word after", "inside one long word"],
)
def test_the_passage_always_holds_the_word_found(text):
    """Moving the start back to a whole word went back past a long address, and the passage
    ended before the word it was made for."""
    passage = str(highlight_words(text, "cykelbanorna"))
    assert "<mark>cykelbanorna</mark>" in passage
    assert len(passage) < 600


@pytest.mark.parametrize(
    "query", ["öresund", "ÖRESUND", "Öresund", "öresund?", '"öresund"', "öresund,", "(öresund)"]
)
def test_case_and_punctuation_around_a_word_do_not_matter(client, make_initiative, query):
    """On SQLite (`make run`), LIKE folds only ASCII letters, and a word was matched with
    what stood around it: "öresund" and "skola?" found nothing that "Öresund" and "skola" did."""
    make_initiative(title="Färja över Öresund", summary="Pendling till Helsingør.")
    make_initiative(title="Något annat", summary="Inget om sundet.")
    assert _titles(_search(client, q=query)) == ["Färja över Öresund"]
    listed = client.get(reverse("initiatives:list"), {"q": query})
    assert [i.title for i in listed.context["object_list"]] == ["Färja över Öresund"]


@pytest.mark.django_db
def test_a_kind_with_no_hits_leads_to_the_hits_of_the_others(client, make_initiative):
    """Told "try another word" while the word found initiatives, a visitor searching among
    methods would give up on a search that works."""
    make_initiative(title="Smartare parkering")

    response = client.get("/en/search/", {"q": "parkering", "kind": "method"})

    assert "Try another word" not in response.text
    assert "Nothing of this kind matched your search." in response.text
    assert '<a href="?q=parkering">Show the hits of every kind</a>' in response.text


@pytest.mark.django_db
def test_an_unknown_kind_is_explained_where_the_select_is_marked_invalid(client, make_initiative):
    """The select is marked invalid and described by its error (WCAG 3.3.1): the error must be
    on the page, and the search still runs over everything."""
    make_initiative(title="Smartare parkering")

    response = client.get("/en/search/", {"q": "parkering", "kind": "bogus"})

    assert 'aria-describedby="id_kind_error"' in response.text
    assert (
        '<p class="field-error" id="id_kind_error">'
        "Select a valid choice. bogus is not one of the available choices.</p>"
    ) in response.text
    assert _titles(response) == ["Smartare parkering"]
