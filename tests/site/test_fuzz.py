"""Generated input against the public filters, search and the idea form: never a server error,
never an unescaped reflection of what was sent. 2,100 generated requests in all."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from challenges.models import Challenge
from contributions.models import SubmitterKind
from tests.contributions.conftest import started

LIST_PAGES = ["challenges:list", "initiatives:list", "lessons:list", "methods:list"]
PARAMETERS = [
    "q", "status", "phase", "stopped", "department", "challenge", "goal", "partner_kind",
    "year", "tag", "kind", "stage", "duration", "stop_reason", "page",
]  # fmt: skip
MARKUP = set("<>\"'")

text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=300
) | st.sampled_from(
    ["' OR 1=1 --", '"><script>alert(1)</script>', "\x00", "%00", "9" * 400, "-1", "¯\\_(ツ)_/¯",
     "שלום עולם", "🚲🚲🚲", "a" * 10_000, "Robert'); DROP TABLE challenges_challenge;--",
     "<img src=x onerror=alert(1)>", "\u202egnp.exe", "(((", "\"unbalanced", "cykel:*", "&&||!"]
)  # fmt: skip

FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def seeded(db, settings):
    """The demo content, once for all examples (they share the test's transaction)."""
    settings.CONTRIBUTION_RATE_LIMIT = "1000000/h"
    settings.SEARCH_RATE_LIMIT = "1000000/m"
    call_command("seed_demo", verbosity=0)


def assert_not_reflected(body: str, values, baseline: str) -> None:
    """No value that carries markup appears raw in the page (unless the page has it anyway)."""
    for value in values:
        for form in {value.replace("\x00", ""), value.replace("\x00", "").strip()}:
            if MARKUP & set(form) and len(form) >= 4 and form not in baseline:
                assert form not in body, f"{value!r} reflected unescaped"


_baselines: dict[str, str] = {}


def baseline(url: str) -> str:
    if url not in _baselines:
        _baselines[url] = Client().get(url).text
    return _baselines[url]


@settings(FUZZ, max_examples=800)
@given(
    page=st.sampled_from(LIST_PAGES),
    params=st.dictionaries(st.sampled_from(PARAMETERS), text, min_size=1, max_size=4),
)
def test_filters_never_fail_and_never_reflect_markup(seeded, page, params):
    url = reverse(page)
    response = Client().get(url, params)
    assert response.status_code == 200, (page, params)
    assert_not_reflected(response.text, params.values(), baseline(url))


@settings(FUZZ, max_examples=600)
@given(query=text, kind=st.sampled_from(["", "challenge", "initiative", "method", "idea", "x"]))
def test_search_never_fails_and_never_reflects_markup(seeded, query, kind):
    url = reverse("search:results")
    response = Client().get(url, {"q": query, "kind": kind})
    assert response.status_code == 200, (query, kind)
    assert_not_reflected(response.text, [query], baseline(url))


@settings(FUZZ, max_examples=700)
@given(
    title=text,
    idea=text,
    name=text,
    email=st.emails() | text,
    organisation=text,
    kind=st.sampled_from([*SubmitterKind.values, "", "nobody", "<b>"]),
    consent=st.sampled_from(["on", "", "1\x00"]),
)
def test_idea_form_never_fails_and_never_reflects_markup(
    seeded, title, idea, name, email, organisation, kind, consent
):
    challenge = Challenge.objects.published().open().order_by("pk").first()
    url = reverse("contributions:create", args=[challenge.slug])
    data = {
        "title": title, "text": idea, "name": name, "email": email,
        "organisation": organisation, "kind": kind, "consent": consent,
        "website": "", "started": started(),
    }  # fmt: skip
    response = Client().post(url, data)
    assert response.status_code in (200, 302), data
    if response.status_code == 200:
        # The form came back with errors: what was typed is kept, escaped.
        assert_not_reflected(response.text, data.values(), baseline(url))
