"""Both languages: Swedish at the root, English under /en/, and a switch to the same page."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("swedish", "english"),
    [
        ("/", "/en/"),
        ("/utmaningar/", "/en/challenges/"),
        ("/metoder/", "/en/methods/"),
    ],
)
def test_pages_render_in_both_languages_and_switch_to_each_other(client, swedish, english):
    sv = client.get(swedish)
    en = client.get(english)

    assert sv.status_code == en.status_code == 200
    assert '<html lang="sv">' in sv.text
    assert '<html lang="en">' in en.text
    assert f'href="{english}" hreflang="en"' in sv.text
    assert f'href="{swedish}" hreflang="sv"' in en.text


@pytest.mark.django_db
def test_switch_on_challenge_detail_points_to_english_detail(client, make_challenge):
    challenge = make_challenge(slug="trygga-parker")
    with override("sv"):
        url = reverse("challenges:detail", kwargs={"slug": challenge.slug})
    assert url == "/utmaningar/trygga-parker/"

    html = client.get(url).text

    assert 'href="/en/challenges/trygga-parker/" hreflang="en"' in html


@pytest.mark.django_db
def test_switch_keeps_the_filters(client):
    html = client.get("/utmaningar/?status=open").text
    assert 'href="/en/challenges/?status=open" hreflang="en"' in html


@pytest.mark.django_db
def test_switch_keeps_a_search_sent_as_raw_bytes_as_the_page_reads_it(client):
    """A query sent as raw UTF-8 bytes ("q=å" unencoded; a browser encodes it, a script may
    not) is read as "å", but the language switch carried its bytes on one by one, as a search
    for "Ã¥"."""
    html = client.generic("GET", "/sok/", QUERY_STRING="q=\xc3\xa5").text
    assert 'value="å"' in html
    assert 'href="/en/search/?q=%C3%A5" hreflang="en"' in html


@pytest.mark.django_db
def test_switch_on_method_detail_points_to_swedish_detail(client, make_method):
    make_method(slug="kundresa")
    html = client.get("/en/methods/kundresa/").text
    assert 'href="/metoder/kundresa/" hreflang="sv"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/utmaningar/?status=open&page=2",
        "/en/initiatives/?stopped=yes",
        "/sok/?q=%C3%A5%C3%A4%C3%B6+%3Cb%3E",
        "/utmaningar/finns-inte/",
    ],
)
def test_switch_says_what_djangos_translate_url_says(client, path):
    """The switch reverses the request's own match instead of resolving its path again: it
    must give what `translate_url` gives, query string and items that do not exist included."""
    from django.urls import translate_url

    response = client.get(path)

    for code in ("sv", "en"):
        expected = translate_url(response.wsgi_request.get_full_path(), code)
        link = next(link for link in response.context["language_links"] if link["code"] == code)
        assert link["url"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "other"),
    [
        ("/finns-inte/", 'href="/en/finns-inte/" hreflang="en"'),
        ("/en/no-such-page/?q=1", 'href="/no-such-page/?q=1" hreflang="sv"'),
        ("/en/challenge/", 'href="/challenge/" hreflang="sv"'),
    ],
)
def test_switch_on_an_address_that_does_not_exist_leads_to_the_other_language(client, path, other):
    """Django's translate_url gives back an address it cannot resolve as it is: on a page not
    found, "English" led to the same Swedish page again, and "Svenska" to the English one."""
    response = client.get(path)

    assert response.status_code == 404
    assert f'class="language-switch__link" {other}' in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "other"),
    [
        ("//evil.example/", 'href="/en/evil.example/" hreflang="en"'),
        ("//evil.example/en/", 'href="/en/evil.example/en/" hreflang="en"'),
        ("/en//evil.example/", 'href="/evil.example/" hreflang="sv"'),
        ("/en///evil.example/", 'href="/evil.example/" hreflang="sv"'),
    ],
)
def test_switch_on_an_address_with_doubled_slashes_stays_on_the_site(client, path, other):
    """A path that begins with "//" is another host to the browser and to translate_url: a
    link to https://site//evil.example/ gave the site's own page not found, whose "English"
    led to //evil.example/en/, and /en//evil.example/ gave "Svenska" ////evil.example/."""
    response = client.generic("GET", "/", PATH_INFO=path)

    assert response.status_code == 404
    assert f'class="language-switch__link" {other}' in response.text
    assert 'href="//' not in response.text


# The page's own address for search engines: the canonical link and the hreflang alternates


def addresses(html: str) -> tuple[list[str], dict[str, str]]:
    """The canonical links of a page and its alternates by language, from its head."""
    head = html.split("</head>")[0]
    canonical = re.findall(r'<link rel="canonical" href="([^"]*)">', head)
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]*)" href="([^"]*)">', head)
    return [unescape(url) for url in canonical], {code: unescape(url) for code, url in alternates}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "swedish", "english"),
    [
        ("/metoder/", "/metoder/", "/en/methods/"),
        ("/metoder/?page=1", "/metoder/", "/en/methods/"),
        ("/metoder/?page=ett", "/metoder/", "/en/methods/"),
        ("/metoder/?page=2", "/metoder/?page=2", "/en/methods/?page=2"),
        ("/en/methods/?page=2", "/metoder/?page=2", "/en/methods/?page=2"),
        ("/metoder/?page=99", "/metoder/?page=2", "/en/methods/?page=2"),  # shows the last
    ],
)
def test_a_page_of_a_list_is_its_own_canonical_and_its_alternates_are_that_page(
    client, make_method, path, swedish, english
):
    """Page 2 of a list is canonical to itself (Google: not to page 1), and its hreflang
    alternates name page 2 in each language: the alternates kept ?page= while the list named
    no canonical at all, and ?page=1 was named an address of its own."""
    for n in range(settings.PAGE_SIZE + 1):
        make_method(title=f"Metod {n}")

    canonical, alternates = addresses(client.get(path).text)

    own = english if path.startswith("/en/") else swedish
    assert canonical == [f"http://testserver{own}"]
    assert alternates == {"sv": f"http://testserver{swedish}", "en": f"http://testserver{english}"}


@pytest.mark.django_db
def test_a_filtered_list_names_no_canonical_and_its_alternates_keep_the_filters(client):
    """A filtered list is not indexed (noindex, follow): it names no canonical of its own, and
    its alternates are the same filtered page in each language, as the switch is."""
    canonical, alternates = addresses(client.get("/metoder/?stage=test&page=2").text)
    assert canonical == []
    assert alternates == {
        "sv": "http://testserver/metoder/?stage=test&page=2",
        "en": "http://testserver/en/methods/?stage=test&page=2",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?page=2", "?utm_source=nyhetsbrev"])
def test_a_page_without_pages_is_canonical_without_a_query_and_so_are_its_alternates(
    client, make_method, query
):
    """A method's page has no pages: its canonical dropped ?page=2 and the like, while its
    hreflang alternates kept them, naming addresses that are not canonical."""
    make_method(slug="kundresa")

    canonical, alternates = addresses(client.get(f"/metoder/kundresa/{query}").text)

    assert canonical == ["http://testserver/metoder/kundresa/"]
    assert alternates == {
        "sv": "http://testserver/metoder/kundresa/",
        "en": "http://testserver/en/methods/kundresa/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("swedish", "english"),
    [
        ("/", "/en/"),
        ("/om/", "/en/about/"),
        ("/tillganglighet/", "/en/accessibility/"),
        ("/personuppgifter/", "/en/personal-data/"),
        ("/oppna-data/", "/en/open-data/"),
        ("/statistik/", "/en/statistics/"),
    ],
)
@pytest.mark.parametrize("query", ["", "?utm_source=nyhetsbrev", "?foo=1", "?page=2"])
def test_a_page_of_its_own_is_canonical_without_a_query_in_both_languages(
    client, swedish, english, query
):
    """The home page, the statistics and the info pages named no canonical, and their hreflang
    alternates kept any query they were opened with (?foo=1), naming as many copies of each
    page: now each names itself without it, canonical and in each language."""
    for path in (swedish, english):
        canonical, alternates = addresses(client.get(f"{path}{query}").text)

        assert alternates == {
            "sv": f"http://testserver{swedish}",
            "en": f"http://testserver{english}",
        }
        assert canonical == [alternates["en" if path == english else "sv"]]


@pytest.mark.parametrize("query", ["", "?utm_source=nyhetsbrev", "?foo=1"])
def test_a_tag_page_is_canonical_without_a_query_in_both_languages(client, make_initiative, query):
    """A tag's page named no canonical, and its alternates kept any query it was opened with."""
    make_initiative(tags=["energi"])
    for path in ("/taggar/energi/", "/en/tags/energi/"):
        canonical, alternates = addresses(client.get(f"{path}{query}").text)

        assert alternates == {
            "sv": "http://testserver/taggar/energi/",
            "en": "http://testserver/en/tags/energi/",
        }
        assert canonical == [alternates["en" if path.startswith("/en/") else "sv"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("?year={year}", "?year={year}"),
        ("?year={year}&foo=1", "?year={year}"),
        ("?foo=1&year={year}", "?year={year}"),
        ("?year=", ""),
        ("?year=1800", ""),  # not among the years: the figures of all years, with an error
        ("?year=tva", ""),
    ],
)
def test_the_statistics_of_a_year_are_a_page_of_their_own_in_both_languages(client, query, page):
    """The figures of one year ("Statistik och effekt 2026") are a page of their own: it is
    canonical to itself and so are its alternates, without any other query; a year that is
    not among them shows the figures of all years, whose address it names."""
    year = timezone.localdate().year
    query, page = query.format(year=year), page.format(year=year)
    for path, own in (("/statistik/", "sv"), ("/en/statistics/", "en")):
        canonical, alternates = addresses(client.get(f"{path}{query}").text)

        assert alternates == {
            "sv": f"http://testserver/statistik/{page}",
            "en": f"http://testserver/en/statistics/{page}",
        }
        assert canonical == [alternates[own]]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?utm_source=nyhetsbrev", "?foo=1"])
def test_the_idea_form_names_one_canonical_and_its_alternates_without_a_query(
    client, make_challenge, query
):
    """The idea form named its canonical in its own template, and its alternates kept any
    query (?foo=1): now it has one canonical, from the same tag as every page, and its
    alternates are the form in each language without the query."""
    make_challenge(slug="trygga-parker")
    swedish, english = (
        "/utmaningar/trygga-parker/bidra/",
        "/en/challenges/trygga-parker/contribute/",
    )
    for path, own in ((swedish, "sv"), (english, "en")):
        canonical, alternates = addresses(client.get(f"{path}{query}").text)

        assert alternates == {
            "sv": f"http://testserver{swedish}",
            "en": f"http://testserver{english}",
        }
        assert canonical == [alternates[own]]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/sok/", "/sok/?q=park&page=2", "/en/search/?q=park"])
def test_the_search_page_is_not_indexed_and_names_no_canonical(client, path):
    """Search results are not indexed (noindex, follow), so they name no canonical; their
    alternates are the same search in each language, as the language switch is."""
    response = client.get(path)
    canonical, alternates = addresses(response.text)

    assert '<meta name="robots" content="noindex, follow">' in response.text
    assert canonical == []
    query = path.partition("?")[2]
    query = f"?{query}" if query else ""
    assert alternates == {
        "sv": f"http://testserver/sok/{query}",
        "en": f"http://testserver/en/search/{query}",
    }
