"""Each page of a list has a title of its own: the title is the first thing a screen reader
reads of a new page, and what a browser's history and tabs show."""

import re

import pytest


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)


@pytest.fixture
def two_pages(settings, make_challenge, make_initiative, make_method):
    for _ in range(settings.PAGE_SIZE + 1):
        make_challenge(title="Laddstolpe för alla")
        make_initiative(title="Laddstolpe i hamnen", phase="stopped")
        make_method(title="Laddstolpe som metod")


@pytest.mark.parametrize(
    ("path", "params", "first", "second"),
    [
        ("/utmaningar/", {}, "Utmaningar – ", "Utmaningar (sida 2 av 2) – "),
        ("/en/challenges/", {}, "Challenges – ", "Challenges (page 2 of 2) – "),
        ("/initiativ/", {}, "Innovationsportfölj – ", "Innovationsportfölj (sida 2 av 2) – "),
        ("/lardomar/", {}, "Lärdomar – ", "Lärdomar (sida 2 av 2) – "),
        ("/en/methods/", {}, "Methods and aids – ", "Methods and aids (page 2 of 2) – "),
        ("/sok/", {"q": "laddstolpe"}, "Sök: laddstolpe – ", "Sök: laddstolpe (sida 2 av 2) – "),
    ],
)
def test_a_later_page_of_a_list_says_which_in_its_title(
    client, two_pages, path, params, first, second
):
    assert title(client.get(path, params)).startswith(first)
    assert title(client.get(path, {**params, "page": 2})).startswith(second)


@pytest.mark.django_db
def test_a_list_of_one_page_has_its_plain_title(client, make_challenge):
    make_challenge()

    assert title(client.get("/utmaningar/", {"page": 1})) == "Utmaningar – Innovation Helsingborg"
