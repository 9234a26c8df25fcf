"""Every id that an aria-describedby or aria-labelledby names is on the page: a field whose
error is named by an id that is not there is read out without its error."""

import re

import pytest
from django.urls import reverse

from tests.contributions.conftest import started


def missing_references(html: str) -> list[str]:
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    named = re.findall(r'\saria-(?:describedby|labelledby)="([^"]+)"', html)
    return [ref for refs in named for ref in refs.split() if ref not in ids]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/statistik/", {"year": "abc"}),
        ("/en/statistics/", {"year": "1800"}),
        ("/statistik/", {}),
        ("/utmaningar/", {"department": "finns-inte", "status": "kanske"}),
        ("/initiativ/", {"year": "abc", "phase": "nope"}),
        ("/en/lessons/", {"stop_reason": "nope"}),
        ("/metoder/", {"stage": "nope"}),
        ("/sok/", {"q": "park", "kind": "bogus"}),
        ("/", {}),
    ],
)
def test_a_page_names_only_ids_it_has(client, path, params):
    response = client.get(path, params)

    assert response.status_code == 200
    assert missing_references(response.text) == []


def test_the_idea_form_sent_back_with_errors_names_only_ids_it_has(client, make_challenge):
    challenge = make_challenge()
    data = {"title": "", "text": "x", "email": "inte-en-adress", "started": started()}

    response = client.post(reverse("contributions:create", args=[challenge.slug]), data)

    assert 'class="error-summary"' in response.text
    assert missing_references(response.text) == []
