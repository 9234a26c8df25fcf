"""A page that asks the visitor to correct something says so in its title, the first thing a
screen reader reads of a new page, as the idea form does ("Fel: Skicka en idé: ...")."""

import re

import pytest


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("/utmaningar/", {"department": "finns-inte"}, "Fel: Utmaningar – "),
        ("/en/challenges/", {"status": "maybe"}, "Error: Challenges – "),
        ("/initiativ/", {"year": "abc"}, "Fel: Innovationsportfölj – "),
        ("/en/initiatives/", {"phase": "nope"}, "Error: Innovation portfolio – "),
        ("/lardomar/", {"stop_reason": "nope"}, "Fel: Lärdomar – "),
        ("/en/methods/", {"stage": "nope"}, "Error: Methods and aids – "),
        ("/statistik/", {"year": "abc"}, "Fel: Statistik och effekter – "),
        ("/en/statistics/", {"year": "1800"}, "Error: Statistics and impact – "),
    ],
)
def test_a_filter_to_correct_is_said_in_the_title(client, path, params, expected):
    response = client.get(path, params)

    assert response.status_code == 200
    assert 'class="error-summary"' in response.text
    assert title(response).startswith(expected)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/utmaningar/", "/en/initiatives/", "/statistik/"])
def test_a_page_without_errors_has_its_plain_title(client, path):
    response = client.get(path, {"q": "park"} if "statistik" not in path else {})

    assert not title(response).startswith(("Fel:", "Error:"))
