"""A refused request (400, 403, 405) gets a page in the site's frame and language, with a way
home, that tells nothing of what was refused; and no such page is kept in the page cache."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}
TOO_MANY_FIELDS = {f"f{number}": "1" for number in range(1001)}  # DATA_UPLOAD_MAX_NUMBER_FIELDS


def assert_friendly(response, status: int, heading: str, home: str = "/") -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert 'class="site-header"' in html
    assert f'<p><a href="{home}">' in html
    assert "Traceback" not in html and "Exception" not in html


@pytest.mark.django_db
def test_a_host_not_allowed_gets_the_sites_page(client, settings):
    settings.ALLOWED_HOSTS = ["innovation.example"]
    response = client.get("/utmaningar/", HTTP_HOST="evil.example", **BROWSER)
    assert_friendly(response, 400, "Förfrågan kunde inte tolkas")
    assert '<html lang="sv">' in response.text
    assert "evil.example" not in response.text


@pytest.mark.django_db
def test_a_host_refused_before_the_language_is_chosen_gets_the_addresss_language(client, settings):
    """The redirect to HTTPS asks for the host before LocaleMiddleware has run: the page must
    not be in the language the worker's previous request left active."""
    settings.ALLOWED_HOSTS = ["innovation.example"]
    settings.SECURE_SSL_REDIRECT = True
    translation.activate("sv")
    response = client.get("/en/challenges/", HTTP_HOST="evil.example", **BROWSER)
    assert_friendly(response, 400, "The request could not be understood", home="/en/")
    translation.activate("en")
    response = client.get("/utmaningar/", HTTP_HOST="evil.example", **BROWSER)
    assert_friendly(response, 400, "Förfrågan kunde inte tolkas")


@pytest.mark.django_db
def test_a_suspicious_request_gets_the_sites_page(client):
    """More query parameters than Django reads is a SuspiciousOperation (TooManyFieldsSent)."""
    response = client.get("/en/challenges/", TOO_MANY_FIELDS, **BROWSER)
    assert_friendly(response, 400, "The request could not be understood", home="/en/")
    assert "f1000" not in response.text
    # Made without the request, the page has no language links to show: no empty menu.
    assert "language-switch" not in response.text


@pytest.mark.django_db
def test_permission_denied_gets_the_sites_page(client, django_user_model):
    staff = django_user_model.objects.create_user("redaktor", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_globalgoal"))
    client.force_login(staff)
    response = client.get(reverse("admin:site_globalgoal_add"), **BROWSER)
    assert_friendly(response, 403, "Du har inte behörighet till den här sidan")


@pytest.mark.django_db
def test_opening_a_button_only_address_gets_a_page_and_keeps_allow(client, django_user_model):
    """The admin's sign-out takes only POST: opened as a link, it was a blank page."""
    client.force_login(django_user_model.objects.create_user("s", is_staff=True))
    response = client.get(reverse("admin:logout"), **BROWSER)
    assert_friendly(response, 405, "Sidan kan inte användas på det här sättet")
    assert response["Allow"] == "POST, OPTIONS"
    assert "Accept" in response["Vary"]


@pytest.mark.django_db
def test_a_form_sent_to_a_page_that_only_shows_gets_a_page(client):
    response = client.post("/en/search/", {"q": "park"}, **BROWSER)
    assert_friendly(response, 405, "The page cannot be used this way", home="/en/")
    assert response["Allow"] == "GET, HEAD"
    assert int(response["Content-Length"]) == len(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("accept", [{}, {"HTTP_ACCEPT": "*/*"}, {"HTTP_ACCEPT": "text/csv"}])
def test_a_program_told_the_method_is_wrong_gets_no_page(client, accept):
    with translation.override("en"):
        url = reverse("opendata:export", kwargs={"dataset": "initiatives", "fmt": "csv"})
    response = client.post(url, **accept)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"  # OPTIONS: a browser's preflight
    assert response.content == b""


@pytest.mark.django_db
def test_a_refused_page_is_never_kept_in_the_page_cache(client, settings):
    settings.PAGE_CACHE_ENABLED = True
    assert client.get("/utmaningar/")["X-Page-Cache"] == "miss"
    for _ in range(2):
        response = client.get("/utmaningar/", TOO_MANY_FIELDS, **BROWSER)
        assert_friendly(response, 400, "Förfrågan kunde inte tolkas")
        assert response.get("X-Page-Cache") != "hit"
    assert "Förfrågan" not in client.get("/utmaningar/").text
