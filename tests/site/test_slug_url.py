"""Addresses of items from an address reversed once: the same as reverse() gives."""

import pytest
from django.urls import NoReverseMatch, clear_url_caches, reverse, set_script_prefix
from django.utils import translation

from helsingborg_innovation.publishing import slug_url


@pytest.mark.parametrize("name", ["challenges:detail", "initiatives:detail", "methods:detail"])
@pytest.mark.parametrize("slug", ["renare-luft", "Stora_bokstaver-2", "SLUG0PLACEHOLDER"])
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_same_address_as_reverse(name, slug, language):
    with translation.override(language):
        assert slug_url(name, slug) == reverse(name, kwargs={"slug": slug})


def test_each_language_and_script_prefix_has_its_own():
    with translation.override("sv"):
        assert slug_url("challenges:detail", "a") == "/utmaningar/a/"
    with translation.override("en"):
        assert slug_url("challenges:detail", "a") == "/en/challenges/a/"
    set_script_prefix("/portal/")
    try:
        with translation.override("sv"):
            assert slug_url("challenges:detail", "a") == "/portal/utmaningar/a/"
    finally:
        set_script_prefix("/")


@pytest.fixture
def english_by_default(settings):
    """English as the default language. Django's resolver keeps the language prefixes it
    worked out, so its caches are cleared on the way in and out."""
    clear_url_caches()
    settings.LANGUAGE_CODE = "en"
    yield
    settings.LANGUAGE_CODE = "sv"
    clear_url_caches()


@pytest.mark.usefixtures("english_by_default")
def test_the_default_language_has_addresses_without_a_prefix():
    with translation.override("en"):
        assert slug_url("challenges:detail", "a") == "/challenges/a/"
    with translation.override("sv"):
        assert slug_url("challenges:detail", "a") == "/sv/utmaningar/a/"


def test_a_slug_the_urls_refuse_is_refused_as_before():
    with pytest.raises(NoReverseMatch):
        slug_url("challenges:detail", "smörgås")
    with pytest.raises(NoReverseMatch):
        slug_url("challenges:detail", "")


def test_a_page_links_its_items_in_the_visitors_language(client, make_challenge):
    challenge = make_challenge(slug="tryggare-parker", title="Tryggare parker")
    assert 'href="/utmaningar/tryggare-parker/"' in client.get("/utmaningar/").text
    assert 'href="/en/challenges/tryggare-parker/"' in client.get("/en/challenges/").text
    with translation.override("sv"):
        assert challenge.get_absolute_url() == "/utmaningar/tryggare-parker/"
