"""Open-data files too large for the page cache, kept whole in the exports storage
(helsingborg_innovation/exportfiles.py): each of them was made afresh for every download."""

import dataclasses
import hashlib
import itertools
import json

import pytest
from django.core.files.storage import storages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contributions.models import ContributionStatus as S
from helsingborg_innovation import opendata, pagecache
from helsingborg_innovation.publishing import Status
from tests.opendata.test_exports import (
    DATASETS,
    _closed_by_the_server,
    make_idea,  # noqa: F401 - a fixture
    portfolio,  # noqa: F401 - a fixture
    url,
)

# The headers a file is sent with, made afresh or kept.
FILE_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "ETag",
    "X-Schema-Version",
    "Link",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Cache-Control",
)


@pytest.fixture
def large(settings, monkeypatch):
    """Every file is larger than the page cache keeps, and the site is at the test client's
    address."""
    settings.PAGE_CACHE_ENABLED = True
    settings.SITE_URL = "http://testserver"
    monkeypatch.setattr(pagecache, "STREAMED_KEPT_BYTES", 10)


def _get(client, dataset="initiatives", fmt="csv", language="en", headers=None, **params):
    response = client.get(url(dataset, fmt, language), params, headers=headers or {})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def _kept_files() -> list[str]:
    """Every file in the exports storage, parts being written included."""
    storage = storages["exports"]

    def walk(folder: str):
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            yield f"{folder}/{name}".lstrip("/")
        for name in folders:
            yield from walk(f"{folder}/{name}".lstrip("/"))

    return sorted(walk(""))


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_large_file_asked_for_again_is_sent_as_kept_without_the_database(
    client,
    large,
    portfolio,  # noqa: F811
    make_idea,  # noqa: F811
    dataset,
    fmt,
):
    make_idea(challenge=portfolio["challenge"], status=S.PUBLISHED)
    made, body = _get(client, dataset, fmt)
    assert made.status_code == 200
    assert "X-Open-Data-File" not in made

    with CaptureQueriesContext(connection) as queries:
        kept, again = _get(client, dataset, fmt)

    assert len(queries) == 0
    assert kept.status_code == 200
    assert kept["X-Open-Data-File"] == "kept"
    assert again == body
    assert kept["Content-Length"] == str(len(body))
    for header in FILE_HEADERS:
        assert kept[header] == made[header], header
    assert len(_kept_files()) == 1


def test_a_kept_file_is_not_copied_for_the_page_cache_on_its_way_out(
    client, large, make_initiative, monkeypatch
):
    """The page cache copies a file it sends into memory, up to its limit, to keep it if it
    is no larger: a kept file says its size, and is larger."""
    make_initiative()
    _get(client)
    copied = []
    kept_when_whole = pagecache._kept_when_whole
    monkeypatch.setattr(
        pagecache,
        "_kept_when_whole",
        lambda chunks, keep: copied.append(1) or kept_when_whole(chunks, keep),
    )

    kept, _body = _get(client)

    assert kept["X-Open-Data-File"] == "kept"
    assert copied == []


def test_publishing_an_initiative_gives_another_file(client, large, make_initiative):
    make_initiative(title="Cykelpilot")
    draft = make_initiative(title="Solceller på taken", status=Status.DRAFT)
    _get(client)
    (before,) = _kept_files()

    draft.status = Status.PUBLISHED
    draft.save()
    made, body = _get(client)
    kept, again = _get(client)

    assert "X-Open-Data-File" not in made
    assert "Solceller på taken" in body.decode()
    assert kept["X-Open-Data-File"] == "kept"
    assert again == body
    # The file it superseded is gone.
    (after,) = _kept_files()
    assert after != before


def test_editing_a_challenge_gives_the_initiatives_another_file(
    client, large, make_challenge, make_initiative
):
    challenge = make_challenge(slug="gamla-namnet")
    make_initiative(challenges=[challenge])
    _get(client, fmt="json")

    challenge.slug = "nya-namnet"
    challenge.save()
    response, body = _get(client, fmt="json")

    assert "X-Open-Data-File" not in response
    assert json.loads(body)[0]["challenges"] == ["nya-namnet"]


def test_each_language_and_format_is_a_file_of_its_own(client, large, make_initiative):
    make_initiative()
    for language, fmt in itertools.product(["sv", "en"], ["csv", "json"]):
        assert "X-Open-Data-File" not in _get(client, fmt=fmt, language=language)[0]
    for language, fmt in itertools.product(["sv", "en"], ["csv", "json"]):
        assert _get(client, fmt=fmt, language=language)[0]["X-Open-Data-File"] == "kept"
    assert len(_kept_files()) == 4


def test_a_deploy_gives_another_file(client, large, make_initiative, monkeypatch):
    """Another release may write the file otherwise (a field added, a label translated)."""
    make_initiative()
    _get(client)
    assert _get(client)[0]["X-Open-Data-File"] == "kept"

    monkeypatch.setattr(pagecache, "_release", lambda: "the-next-release")
    response, _body = _get(client)

    assert "X-Open-Data-File" not in response


def test_a_file_interrupted_midway_is_not_kept(large, make_initiative, monkeypatch):
    """A visitor who goes away after the first rows: what was sent is not the file."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    monkeypatch.setattr(opendata, "BATCH", 1)
    for n in range(3):
        make_initiative(title=f"Initiativ {n}")
    view = pagecache.cache_public_page(*pagecache.OPEN_DATA_KINDS["initiatives"])(
        lambda request: opendata.export(request, dataset="initiatives", fmt="csv")
    )
    request = RequestFactory().get(url("initiatives", "csv"))
    request.user = AnonymousUser()
    response = view(request)
    first = b"".join(itertools.islice(response.streaming_content, 2))
    _closed_by_the_server(response)

    assert first.startswith(b"id,")
    assert _kept_files() == []


def test_a_file_the_server_fails_to_make_is_not_kept(client, large, make_initiative, monkeypatch):
    make_initiative()

    def failing(batch):
        raise RuntimeError("the database went away")

    dataset = dataclasses.replace(opendata.DATASETS["initiatives"], attach=failing)
    monkeypatch.setitem(opendata.DATASETS, "initiatives", dataset)
    with pytest.raises(RuntimeError):
        _get(client)
    assert _kept_files() == []


def test_a_head_request_gets_the_kept_files_headers_and_size(client, large, make_initiative):
    make_initiative()
    head = client.head(url("initiatives", "csv"))
    assert head.status_code == 200
    assert _kept_files() == []  # HEAD makes no file

    made, body = _get(client)
    head = client.head(url("initiatives", "csv"))

    assert head.status_code == 200
    assert head["X-Open-Data-File"] == "kept"
    assert head["Content-Length"] == str(len(body))
    assert b"".join(head.streaming_content) == b""
    for header in FILE_HEADERS:
        assert head[header] == made[header], header


def test_a_kept_file_asked_for_with_its_etag_is_not_modified(client, large, make_initiative):
    make_initiative()
    etag = _get(client)[0]["ETag"]

    with CaptureQueriesContext(connection) as queries:
        response, body = _get(client, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert body == b""
    assert len(queries) == 0
    assert response["Access-Control-Allow-Origin"] == "*"


def test_filtered_files_are_not_kept(client, large, portfolio):  # noqa: F811
    """Filters are as many as anyone cares to send: each would be megabytes of disk."""
    _get(client, phase="stopped")
    response, body = _get(client, phase="stopped")
    assert "X-Open-Data-File" not in response
    assert b"sensorer" in body
    assert _kept_files() == []


def test_files_asked_for_at_another_address_are_not_kept(client, large, settings, make_initiative):
    """Host names, ports included, are as many as anyone cares to send, each a file of its
    own (it names its pages by the address it was asked at)."""
    make_initiative()
    settings.SITE_URL = "https://innovation.example.org"
    _get(client)
    assert "X-Open-Data-File" not in _get(client)[0]
    assert _kept_files() == []


def test_a_small_file_stays_in_the_page_cache(client, settings, make_initiative):
    settings.PAGE_CACHE_ENABLED = True
    settings.SITE_URL = "http://testserver"
    make_initiative()
    _get(client)
    assert _get(client)[0]["X-Page-Cache"] == "hit"
    assert _kept_files() == []


def test_without_the_page_cache_nothing_is_kept(client, large, settings, make_initiative):
    """Nothing vouches for a file's content then (no ETag): it is made each time."""
    settings.PAGE_CACHE_ENABLED = False
    make_initiative()
    _get(client)
    assert "X-Open-Data-File" not in _get(client)[0]
    assert _kept_files() == []


def test_a_kept_file_takes_no_slot(client, large, settings, make_initiative):
    """Only making a file takes one of the OPEN_DATA_EXPORTS_AT_ONCE."""
    make_initiative()
    _get(client)
    settings.OPEN_DATA_EXPORTS_AT_ONCE = 0
    response, _body = _get(client)
    assert response.status_code == 200
    assert response["X-Open-Data-File"] == "kept"


def test_an_unreadable_storage_makes_the_file_afresh(client, large, make_initiative, monkeypatch):
    make_initiative(title="Cykelpilot")
    _get(client)

    def broken(*args, **kwargs):
        raise PermissionError("Permission denied")

    monkeypatch.setattr(type(storages["exports"]), "_open", broken)
    response, body = _get(client)
    assert response.status_code == 200
    assert "Cykelpilot" in body.decode()


def test_a_file_kept_by_a_release_that_wrote_it_another_way_is_made_again(
    client,
    large,
    portfolio,  # noqa: F811
):
    """A file's ETag vouches for what it holds, not for its bytes: a CSV kept before every
    value was quoted (a ";" in a title a cell of its own in a Swedish Excel), under the name
    its ETag gave it then, was sent on after the release that quotes them, until the
    portfolio changed."""
    made, _body = _get(client)
    for name in _kept_files():
        storages["exports"].delete(name)
    digest = hashlib.blake2b(made["ETag"].encode(), digest_size=16).hexdigest()
    with storages["exports"].open(f"initiatives-csv-en/{digest}.csv", "wb") as old:
        old.write(b"id,slug\r\n1,written-the-old-way\r\n")

    response, body = _get(client)
    assert response.status_code == 200
    assert b"written-the-old-way" not in body
    assert "X-Open-Data-File" not in response
