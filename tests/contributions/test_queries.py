"""Pages with ideas run a constant number of queries, whatever the number of ideas."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contributions.models import ContributionStatus, DeclineReason


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_form_page_constant(client, make_challenge, make_contribution):
    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    few = count_queries(client, url)
    for _ in range(15):
        make_contribution(challenge=challenge)
    assert count_queries(client, url) == few <= 3


def test_receipt_and_status_pages_constant(client, make_contribution, make_initiative):
    idea = make_contribution(
        status=ContributionStatus.PUBLISHED, initiative=make_initiative(), public_answer="Svar"
    )
    for name in ("contributions:receipt", "contributions:status"):
        url = reverse(name, args=[idea.token])
        assert count_queries(client, url) <= 2


def test_challenge_ideas_constant(client, make_challenge, make_contribution, make_initiative):
    challenge = make_challenge()
    url = challenge.get_absolute_url()
    make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)
    few = count_queries(client, url)
    for n in range(12):
        make_contribution(
            challenge=challenge,
            status=ContributionStatus.PUBLISHED,
            initiative=make_initiative(),
            public_answer=f"Svar {n}",
        )
        make_contribution(
            challenge=challenge,
            status=ContributionStatus.DECLINED,
            decline_reason=list(DeclineReason)[n % len(DeclineReason)],
        )
    many = count_queries(client, url)
    assert many == few
    assert many <= 10
