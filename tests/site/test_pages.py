"""The info pages, the error pages, robots.txt and the favicon."""

import pytest
from django.template.loader import render_to_string
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "sv_path", "en_path", "sv_heading", "en_heading"),
    [
        (
            "pages:about",
            "/om/",
            "/en/about/",
            "Om Innovation Helsingborg",
            "About Innovation Helsingborg",
        ),
        (
            "pages:accessibility",
            "/tillganglighet/",
            "/en/accessibility/",
            "Tillgänglighetsredogörelse",
            "Accessibility statement",
        ),
        (
            "pages:personal_data",
            "/personuppgifter/",
            "/en/personal-data/",
            "Så hanterar vi personuppgifter",
            "How we handle personal data",
        ),
    ],
)
def test_info_pages_in_both_languages(client, name, sv_path, en_path, sv_heading, en_heading):
    with translation.override("sv"):
        assert reverse(name) == sv_path
    with translation.override("en"):
        assert reverse(name) == en_path
    sv = client.get(sv_path)
    en = client.get(en_path)
    assert sv.status_code == en.status_code == 200
    assert f"<h1>{sv_heading}</h1>" in sv.text
    assert f"<h1>{en_heading}</h1>" in en.text
    assert '<html lang="sv">' in sv.text and '<html lang="en">' in en.text


def test_about_page_names_targets_contact_and_facts(client):
    text = client.get("/en/about/").text
    assert "More collaboration and learning inside the city." in text
    assert "More collaboration with the outside world, giving better services." in text
    assert "Lisa Olsson" in text
    for fact in ("most innovative cities", "H22 City Expo", "Oceanhamnen"):
        assert fact in text


def test_about_page_says_since_when_hid_takes_shape_in_english(client):
    """The English page read "is taking shape in Oceanhamnen since the first half of 2023"."""
    text = client.get("/en/about/").text
    assert "(HiD) has been taking shape in Oceanhamnen since the first half of 2023" in text
    assert "is taking shape" not in text
    assert "växer fram i Oceanhamnen sedan första halvåret 2023" in client.get("/om/").text


def test_accessibility_statement_has_what_the_law_asks(client):
    text = client.get("/tillganglighet/").text
    assert "Myndigheten för digital förvaltning" in text
    assert 'href="https://www.digg.se/tdosanmalan"' in text
    assert 'href="mailto:kontaktcenter@helsingborg.se"' in text
    assert "042-10 50 00" in text
    assert "20 november 2025" in text


def test_personal_data_page_states_retention_and_public_records(client, settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 365
    text = client.get("/en/personal-data/").text
    assert "removed 12 months later" in text
    assert "public record (allmän handling)" in text
    assert "offentlighetsprincipen" in text
    assert "data protection officer" in text
    for stored in ("your name", "your e-mail address", "your organisation", "your idea"):
        assert stored in text


def test_footer_links_to_the_info_pages(client):
    text = client.get("/").text
    for path in ("/om/", "/tillganglighet/", "/personuppgifter/"):
        assert f'href="{path}"' in text
    assert "Helsingborg kontaktcenter" in text


def test_base_links_favicon_and_stylesheets(client):
    text = client.get("/en/").text
    assert 'rel="icon"' in text and "img/favicon.svg" in text
    assert "css/site.css" in text and 'media="print"' in text
    assert 'hreflang="sv"' in text


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_robots_txt_names_the_sitemap_and_admin_where_the_site_serves_them(client):
    """A site served under a path (SCRIPT_NAME, behind a proxy) serves its sitemap under it:
    robots.txt sent crawlers to /sitemap.xml at the host's root, outside the site."""
    set_script_prefix("/innovation/")  # as the WSGI handler does from SCRIPT_NAME
    try:
        response = client.get("/robots.txt", SCRIPT_NAME="/innovation")
    finally:
        clear_script_prefix()
    lines = response.text.splitlines()
    assert "Sitemap: http://testserver/innovation/sitemap.xml" in lines
    assert "Disallow: /innovation/admin/" in lines


# The site's URLs with the sitemap and the admin at other addresses.
urlpatterns = []


def test_robots_txt_follows_the_sitemap_and_admin_when_they_move(client, settings):
    from django.contrib import admin
    from django.urls import path

    from helsingborg_innovation import urls as project_urls

    moved = {"sitemap": "sitemaps/index.xml", "admin:index": "staff/"}
    urlpatterns[:] = [
        path("staff/", admin.site.urls),
        path("sitemaps/index.xml", lambda request: None, name="sitemap"),
        *(
            pattern
            for pattern in project_urls.urlpatterns
            if getattr(pattern, "name", None) != "sitemap"
            and getattr(pattern, "app_name", None) != "admin"
        ),
    ]
    settings.ROOT_URLCONF = __name__

    lines = client.get("/robots.txt").text.splitlines()

    assert f"Sitemap: http://testserver/{moved['sitemap']}" in lines
    assert f"Disallow: /{moved['admin:index']}" in lines


def test_favicon_ico_redirects_to_the_static_file(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.ico")


@pytest.mark.parametrize(
    ("path", "heading", "lang"),
    [("/finns-inte/", "Sidan finns inte", "sv"), ("/en/no-such-page/", "Page not found", "en")],
)
def test_404_page_in_both_languages(client, path, heading, lang):
    response = client.get(path)
    assert response.status_code == 404
    assert f"<h1>{heading}</h1>" in response.text
    assert f'<html lang="{lang}">' in response.text


@pytest.mark.parametrize(
    ("lang", "heading", "home"),
    [("sv", "Något gick fel", 'href="/"'), ("en", "Something went wrong", 'href="/en/"')],
)
def test_500_page_renders_without_request_or_database(
    lang, heading, home, django_assert_num_queries
):
    with translation.override(lang), django_assert_num_queries(0):
        html = render_to_string("500.html")
    assert f"<h1>{heading}</h1>" in html
    assert f'<html lang="{lang}">' in html
    assert home in html
