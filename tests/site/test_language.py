"""Both languages: Swedish at the root, English under /en/, and a switch to the same page."""

import pytest
from django.urls import reverse
from django.utils.translation import override


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("swedish", "english"),
    [
        ("/", "/en/"),
        ("/utmaningar/", "/en/challenges/"),
        ("/metoder/", "/en/methods/"),
    ],
)
def test_pages_render_in_both_languages_and_switch_to_each_other(client, swedish, english):
    sv = client.get(swedish)
    en = client.get(english)

    assert sv.status_code == en.status_code == 200
    assert '<html lang="sv">' in sv.text
    assert '<html lang="en">' in en.text
    assert f'href="{english}" hreflang="en"' in sv.text
    assert f'href="{swedish}" hreflang="sv"' in en.text


@pytest.mark.django_db
def test_switch_on_challenge_detail_points_to_english_detail(client, make_challenge):
    challenge = make_challenge(slug="trygga-parker")
    with override("sv"):
        url = reverse("challenges:detail", kwargs={"slug": challenge.slug})
    assert url == "/utmaningar/trygga-parker/"

    html = client.get(url).text

    assert 'href="/en/challenges/trygga-parker/" hreflang="en"' in html


@pytest.mark.django_db
def test_switch_keeps_the_filters(client):
    html = client.get("/utmaningar/?status=open").text
    assert 'href="/en/challenges/?status=open" hreflang="en"' in html


@pytest.mark.django_db
def test_switch_on_method_detail_points_to_swedish_detail(client, make_method):
    make_method(slug="kundresa")
    html = client.get("/en/methods/kundresa/").text
    assert 'href="/metoder/kundresa/" hreflang="sv"' in html
