"""The free-text filter, the same on every list and its download."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils.translation import override

from helsingborg_innovation.textsearch import MAX_QUERY_LENGTH

LISTS = [
    ("challenges:list", "/oppna-data/utmaningar.json"),
    ("initiatives:list", "/oppna-data/initiativ.json"),
    ("lessons:list", None),
    ("methods:list", "/oppna-data/metoder.json"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "download"), LISTS)
def test_a_search_longer_than_is_read_is_said_to_be_so_on_every_list(client, name, download):
    """Searches longer than 200 characters were cut short without a word on the lists of
    challenges and methods (and their downloads answered them), while those of initiatives
    and lessons said so and their download refused them."""
    url = reverse(name)
    page = client.get(url).text
    field = re.search(r'<input[^>]*name="q"[^>]*>', page).group(0)
    assert f'maxlength="{MAX_QUERY_LENGTH}"' in field

    too_long = client.get(url, {"q": "x" * (MAX_QUERY_LENGTH + 1)})
    assert too_long.status_code == 200
    assert "Sökningen kan vara högst 200 tecken (den har 201)." in too_long.text

    just_so = client.get(url, {"q": "x" * MAX_QUERY_LENGTH})
    assert "Sökningen kan vara högst" not in just_so.text
    if download:
        assert client.get(download, {"q": "x" * (MAX_QUERY_LENGTH + 1)}).status_code == 400
        assert client.get(download, {"q": "x" * MAX_QUERY_LENGTH}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "download"), LISTS)
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("sv", "Sökningen kan vara högst 200 tecken (den har 1\xa0234)."),
        ("en", "The search can be at most 200 characters (it has 1,234)."),
    ],
)
def test_a_search_far_too_long_is_told_its_length_as_the_language_writes_numbers(
    client, name, download, language, said
):
    """A query of 1,234 characters (pasted into the address; the box takes 200) was told "den
    har 1234", where the idea form and the statistics write "1 234" in Swedish, "1,234" in
    English."""
    with override(language):
        page = client.get(reverse(name), {"q": "x" * 1234})
    assert said in unescape(page.text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "bad"),
    [
        ("/initiativ/", {"phase": "bogus"}),
        ("/utmaningar/", {"status": "bogus"}),
        ("/metoder/", {"kind": "bogus"}),
    ],
)
def test_a_list_whose_filters_are_wrong_offers_no_download(client, make_initiative, url, bad):
    """A list with a filter to correct shows no results and says what to correct; it also
    offered to download "these results", a link that answered 400 in plain text."""
    make_initiative()
    links = re.compile(r'<a class="download-links__link" href="([^"]+)"')
    offered = links.findall(client.get(url).text)
    assert len(offered) == 2
    assert all(client.get(href.replace("&amp;", "&")).status_code == 200 for href in offered)
    assert links.findall(client.get(url, bad).text) == []


NO_WORDS = ["-", '"', "!!", "- ( ) -"]


def _result_count(page: str) -> str:
    return re.search(r'<p class="result-count"[^>]*>([^<]*)</p>', page).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("query", NO_WORDS)
@pytest.mark.parametrize(("name", "download"), LISTS)
def test_a_list_searched_for_punctuation_alone_asks_for_a_word_and_lists_everything(
    client, make_challenge, make_initiative, make_method, name, download, query
):
    """A search of punctuation or operators alone ("-", a stray quote) said "0 initiatives"
    and that nothing matched, as if nothing held the words asked for; the search page asks
    for a word instead. The lists ask too, and list everything, as for an empty search."""
    from initiatives.models import Phase

    make_challenge(title="Cykelutmaningen")
    make_initiative(title="Cykelpoolen", phase=Phase.STOPPED)
    make_method(title="Cykelmetoden")
    url = reverse(name)
    unsearched = client.get(url).text

    response = client.get(url, {"q": query})
    assert response.status_code == 200
    page = response.text
    assert "Skriv minst ett ord eller nummer att söka efter." in page
    assert _result_count(page) == _result_count(unsearched)
    assert not _result_count(page).startswith("0 ")
    assert "matchar" not in page  # "Inga initiativ matchar filtren."
    assert "Skriv minst ett ord" not in unsearched
    assert "Skriv minst ett ord" not in client.get(url, {"q": "cykel"}).text
    if download:
        answered = client.get(download, {"q": query})
        assert answered.status_code == 200
        assert b"".join(answered.streaming_content) == b"".join(
            client.get(download).streaming_content
        )


@pytest.mark.django_db
@pytest.mark.parametrize("query", NO_WORDS)
def test_the_search_page_searched_for_punctuation_alone_asks_for_a_word(
    client, make_initiative, query
):
    make_initiative(title="Cykelpoolen")
    response = client.get(reverse("search:results"), {"q": query})
    assert response.status_code == 200
    assert "Skriv minst ett ord eller nummer att söka efter." in response.text
    assert "träff" not in response.text  # no "0 träffar"


@pytest.mark.django_db
def test_on_sqlite_common_words_are_searched_as_written(client, make_initiative):
    """SQLite matches every word as it is written: "och" finds the titles that hold it, and
    no list or search says it is too common (a guard for only_common_words)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL leaves such words out: tests/search/test_postgres.py")
    make_initiative(title="Parker och torg")
    make_initiative(title="Cykelpoolen")
    listed = client.get(reverse("initiatives:list"), {"q": "och"})
    assert [item.title for item in listed.context["object_list"]] == ["Parker och torg"]
    assert "för vanliga" not in listed.text
    found = client.get(reverse("search:results"), {"q": "och"})
    assert [hit.title for hit in found.context["hits"]] == ["Parker och torg"]
    assert "för vanliga" not in found.text
