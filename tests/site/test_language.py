"""Both languages: Swedish at the root, English under /en/, and a switch to the same page."""

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse
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
