"""Public pages answer the methods they serve, GET and HEAD (and the idea form POST), and
405 with an Allow header to every other, the same whether a function or a class serves them."""

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils.translation import override

from contributions.models import Contribution

OTHER_METHODS = ("POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS")
# Pages that take more than GET and HEAD: an open-data file answers a script on another
# site's preflight (tests/opendata/test_exports.py).
ALSO = {
    "contributions:create": {"POST"},
    "opendata:export": {"OPTIONS"},
    "opendata:schema": {"OPTIONS"},
}


def _public_names(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from _public_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern


@pytest.fixture
def addresses(make_challenge, make_initiative, make_method):
    """Every public address, with one item of each kind under the same slug and tag."""
    challenge = make_challenge(slug="samma", tags=["samma"])
    make_initiative(slug="samma", tags=["samma"])
    make_method(slug="samma")
    idea = Contribution.objects.create(
        challenge=challenge,
        title="Idé",
        text="Text.",
        name="A",
        email="a@example.org",
        consent=True,
    )
    values = {"slug": "samma", "token": idea.token, "section": "challenges"}
    with override("sv"):
        return {
            name: reverse(name, kwargs={key: values[key] for key in pattern.pattern.converters})
            for name, pattern in _public_names(get_resolver().url_patterns)
        }


@pytest.mark.django_db
def test_public_pages_answer_other_methods_with_405_and_allow(client, addresses):
    assert {"home", "healthz", "search:results", "feeds:ideas_rss", "sitemap"} <= set(addresses)
    wrong = []
    for name, url in addresses.items():
        # The favicon is a redirect to its static file.
        assert client.get(url).status_code in {200, 301}, name
        assert client.head(url).status_code in {200, 301}, name
        allowed = {"GET", "HEAD", *ALSO.get(name, ())}
        for method in OTHER_METHODS:
            if method in allowed:
                continue
            response = client.generic(method, url)
            allow = {word.strip() for word in response.headers.get("Allow", "").split(",")}
            if response.status_code != 405 or allow != allowed:
                wrong.append((name, method, response.status_code, response.headers.get("Allow")))
    assert wrong == []


MACHINE_ADDRESSES = (
    "feeds:challenges_rss",
    "feeds:ideas_atom",
    "sitemap",
    "sitemap_section",
    "robots_txt",
    "opendata:index",
    "opendata:schema",
    "opendata:export",
)


@pytest.mark.django_db
def test_programs_that_post_to_the_feeds_and_open_data_are_told_the_method_is_wrong(addresses):
    """The suite's client skips the CSRF check; a real one sending POST to a feed, sitemap or
    export without a token got 403 and a page about a form that could not be sent, where the
    answer is that only GET and HEAD are served there."""
    client = Client(enforce_csrf_checks=True)
    wrong = []
    for name in MACHINE_ADDRESSES:
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = client.generic(method, addresses[name])
            allow = {word.strip() for word in response.get("Allow", "").split(",")}
            if response.status_code != 405 or allow != {"GET", "HEAD", *ALSO.get(name, ())}:
                wrong.append((name, method, response.status_code))
    assert wrong == []
