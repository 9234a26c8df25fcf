"""The free-text filter, the same on every list and its download."""

import re

import pytest
from django.urls import reverse

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
