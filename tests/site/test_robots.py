"""What search engines are asked to index: the lists and their pages, not every combination of
filters, each an address of its own."""

import pytest

NOINDEX = '<meta name="robots" content="noindex, follow">'


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/utmaningar/?status=open",
        "/initiativ/?stopped=yes",
        "/initiativ/?q=&phase=",
        "/lardomar/?q=buss&page=2",
        "/metoder/?tag=workshop",
        "/en/challenges/?q=parks",
    ],
)
def test_a_filtered_list_is_followed_but_not_indexed(client, path):
    html = client.get(path).content.decode()
    assert html.count(NOINDEX) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/utmaningar/", "/initiativ/", "/lardomar/", "/metoder/?page=2", "/en/methods/", "/"],
)
def test_the_lists_themselves_and_their_pages_are_indexed(client, make_method, path):
    for n in range(13):
        make_method(title=f"Metod {n}")
    html = client.get(path).content.decode()
    assert 'name="robots"' not in html
