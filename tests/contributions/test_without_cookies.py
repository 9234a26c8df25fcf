"""An idea can be sent from a browser that keeps no cookies for the site, and a form on another
site still cannot send one in a visitor's name (helsingborg_innovation.csrf)."""

import re
import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from contributions.forms import STARTED_SALT
from contributions.models import Contribution, ContributionStatus
from contributions.views import SENT_COOKIE


@pytest.fixture
def challenge(make_challenge):
    return make_challenge()


@pytest.fixture
def cookieless():
    """A browser that keeps no cookies: the form page's token is there, its cookie is not."""
    return Client(enforce_csrf_checks=True)


def url(challenge):
    return reverse("contributions:create", args=[challenge.slug])


def token_from(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def send(client, challenge, data, **headers):
    return client.post(url(challenge), data, headers=headers)


def test_a_browser_without_cookies_sends_an_idea_from_the_sites_own_page(
    cookieless, challenge, form_data
):
    """Before, the form came back every time asking to allow cookies: the idea could not be
    sent at all from such a browser."""
    page = Client().get(url(challenge))  # the form page, its cookie dropped
    data = {**form_data(), "csrfmiddlewaretoken": token_from(page)}

    response = send(cookieless, challenge, data, sec_fetch_site="same-origin")

    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:receipt", args=[contribution.token])
    assert contribution.title == data["title"]
    assert contribution.status == ContributionStatus.PENDING


def test_an_older_browser_that_names_this_site_as_origin_sends_an_idea(
    cookieless, challenge, form_data
):
    response = send(cookieless, challenge, form_data(), origin="http://testserver")
    assert response.status_code == 302
    assert Contribution.objects.count() == 1


def test_the_same_page_sent_twice_without_cookies_stores_the_idea_once(
    cookieless, challenge, form_data
):
    """Without the cookie that remembers what this browser sent, a double click is still known
    by the form page's own key."""
    opened = {"at": time.time() - 60, "key": "one-form-page"}
    data = form_data(started=signing.dumps(opened, salt=STARTED_SALT))
    first = send(cookieless, challenge, data, sec_fetch_site="same-origin")
    second = send(cookieless, challenge, data, sec_fetch_site="same-origin")
    assert first["Location"] == second["Location"]
    assert Contribution.objects.count() == 1
    assert SENT_COOKIE in first.cookies  # offered; this browser just does not keep it


@pytest.mark.parametrize(
    "headers",
    [
        {"sec_fetch_site": "cross-site"},
        # Another host under the same domain is not this site's form.
        {"sec_fetch_site": "same-site"},
        # Typed or bookmarked by hand: no page of this site sent it.
        {"sec_fetch_site": "none"},
        # What the browser says of the fetch counts over an Origin that looks like this site.
        {"sec_fetch_site": "cross-site", "origin": "http://testserver"},
        {"origin": "https://forening.example"},
        {"origin": "https://testserver"},  # another scheme is another origin
        {"origin": "http://testserver.evil.example"},
        {"origin": "null"},  # a sandboxed frame, a data: page, a privacy setting
        {},  # a browser that says nothing: only the token can tell
    ],
)
def test_without_the_token_a_form_from_anywhere_else_is_refused(
    cookieless, challenge, form_data, headers
):
    typed = form_data(title="Ett inskickat förslag")
    response = send(cookieless, challenge, typed, **headers)

    assert response.status_code == 403
    assert not Contribution.objects.exists()
    assert "Din idé har inte skickats ännu" in response.text
    assert 'value="Ett inskickat förslag"' in response.text


def test_from_anywhere_else_the_token_with_its_cookie_is_still_accepted(challenge, form_data):
    """Django's own check still has its say: a resident whose browser says "same-site" (a
    link from another city site) with the cookie and token of the form page sends the idea."""
    client = Client(enforce_csrf_checks=True)
    token = client.get(url(challenge)).cookies["csrftoken"].value
    data = {**form_data(), "csrfmiddlewaretoken": token}
    response = send(client, challenge, data, sec_fetch_site="same-site")
    assert response.status_code == 302
    assert Contribution.objects.count() == 1


def test_an_origin_the_site_is_told_to_trust_sends_an_idea(
    cookieless, challenge, form_data, settings
):
    """Behind a proxy that reaches the site by another name (DJANGO_CSRF_TRUSTED_ORIGINS)."""
    settings.CSRF_TRUSTED_ORIGINS = ["https://idéer.helsingborg.se", "https://innovation.hbg.se"]
    response = send(cookieless, challenge, form_data(), origin="https://innovation.hbg.se")
    assert response.status_code == 302
    assert Contribution.objects.count() == 1


def test_an_origin_with_a_host_the_site_does_not_serve_is_refused(cookieless, challenge, form_data):
    """The request's own Host is checked against ALLOWED_HOSTS before it is compared."""
    response = cookieless.post(
        url(challenge),
        form_data(),
        headers={"origin": "http://evil.example"},
        HTTP_HOST="evil.example",
    )
    assert response.status_code in (400, 403)
    assert not Contribution.objects.exists()


@pytest.mark.parametrize("admin_url", ["admin:login", "admin:logout"])
def test_every_other_form_still_needs_its_token(cookieless, admin_url):
    """Only the idea form, which holds no account, goes without the cookie."""
    response = cookieless.post(
        reverse(admin_url),
        {"username": "a", "password": "b"},
        headers={"sec_fetch_site": "same-origin", "origin": "http://testserver"},
    )
    assert response.status_code == 403
    assert "Formuläret kunde inte skickas" in response.text
