"""The page of a tag: every published item with it, across kinds."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helsingborg_innovation.publishing import Status


def _heading(response) -> str:
    return response.text.split("<h1>")[1].split("</h1>")[0]


def test_tag_page_lists_published_items_of_every_kind(
    client, make_challenge, make_initiative, make_method
):
    make_challenge(title="Renare luft", tags=["miljö"])
    make_initiative(title="Luftsensorer", tags=["miljö"])
    make_method(title="Mätmetod", tags=["miljö"])
    make_initiative(title="Hemligt utkast", tags=["miljö"], status=Status.DRAFT)
    make_initiative(title="Annan tagg", tags=["trafik"])
    response = client.get(reverse("tags:detail", kwargs={"slug": "miljö"}))
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("Renare luft", "Luftsensorer", "Mätmetod"):
        assert title in html
    assert "Hemligt utkast" not in html
    assert "Annan tagg" not in html
    assert "<h1>" in html


def test_unknown_tag_is_not_found(client, db):
    assert client.get(reverse("tags:detail", kwargs={"slug": "finns-inte"})).status_code == 404


def test_tag_of_drafts_and_scheduled_items_only_is_not_found(
    client, make_challenge, make_initiative, make_method
):
    """Its page would only say the tag exists, and name it: a draft's words are not public."""
    make_challenge(tags=["hemligt"], status=Status.DRAFT)
    make_initiative(tags=["hemligt"], publish_at=timezone.now() + timedelta(days=1))
    make_method(tags=["hemligt"], status=Status.ARCHIVED)
    url = reverse("tags:detail", kwargs={"slug": "hemligt"})
    response = client.get(url)
    assert response.status_code == 404
    assert "hemligt" not in _heading(response)

    make_method(title="Öppen metod", tags=["hemligt"])
    response = client.get(url)
    assert response.status_code == 200
    assert "hemligt" in _heading(response)
    assert "Öppen metod" in response.text


def test_tag_page_links_to_the_filtered_list_and_keeps_its_query_count(client, make_initiative):
    url = reverse("tags:detail", kwargs={"slug": "energi"})
    make_initiative(tags=["energi"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries)

    # Once first: a test before this one in the same process may have cleared the content
    # types' cache, whose lookups would then be counted here only.
    client.get(url)
    few = count()
    for _ in range(15):
        make_initiative(tags=["energi"])
    assert count() == few
    assert few <= 10
    html = client.get(url).content.decode()
    assert f'href="{reverse("initiatives:list")}?tag=energi"' in html
