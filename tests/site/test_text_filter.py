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
