"""Serving policies: health check, friendly 503 without a database, headers, deploy checks."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_the_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_fails_when_the_database_is_away(client, db):
    with mock.patch(
        "helsingborg_innovation.views.connection.cursor", side_effect=OperationalError("gone")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_healthz_answers_a_load_balancer_that_asks_by_the_nodes_address(client, db, settings):
    """A load balancer probes each node by its address, no host name of the site's: it got
    400 (and the log an error for every probe) and took the node out of service."""
    settings.ALLOWED_HOSTS = ["innovation.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")
    assert response["X-Frame-Options"] == "DENY"
    with mock.patch(
        "helsingborg_innovation.views.connection.cursor", side_effect=OperationalError("gone")
    ):
        assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 503
    assert client.post("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 405
    # Every other address still answers only the site's host names.
    assert client.get("/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_public_page_answers_503_not_a_traceback_without_a_database(client, db, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    with mock.patch(
        "challenges.views.ChallengeListView.get_queryset",
        side_effect=OperationalError("could not connect to server"),
    ):
        response = client.get(reverse("challenges:list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "temporarily unavailable" in response.text or "tillfälligt" in response.text
    assert "OperationalError" not in response.text
    assert "could not connect" not in response.text


def test_other_errors_are_a_plain_500(client, db, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    with mock.patch(
        "challenges.views.ChallengeListView.get_queryset", side_effect=ValueError("secret detail")
    ):
        response = client.get(reverse("challenges:list"))
    assert response.status_code == 500
    assert "secret detail" not in response.text


def test_security_headers_on_public_pages(client, db):
    response = client.get(reverse("home"))
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self' 'nonce-" in csp or "script-src 'self'" in csp


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="x" * 64 + "-a-long-random-production-secret-for-the-test-only",
        DJANGO_ALLOWED_HOSTS="innovation.example.org",
        SITE_URL="https://innovation.example.org",
        DJANGO_DEFAULT_FROM_EMAIL="innovation@innovation.example.org",
    )
    env.update(extra)
    return env


@pytest.mark.parametrize(
    "extra",
    [
        # As the README's production section runs it: behind a TLS proxy, on a subdomain.
        {"DJANGO_TRUST_X_FORWARDED_PROTO": "true", "DJANGO_TRUSTED_PROXIES": "10.0.0.0/8"},
        # The owner of the whole domain, who may promise HTTPS for every host under it.
        {"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true", "DJANGO_HSTS_PRELOAD": "true"},
    ],
)
def test_check_deploy_is_clean_in_production(extra):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_request_for_an_unknown_host_gets_the_same_policies(client, settings, db):
    """Found by review: the 400 for a Host header not allowed was made by a middleware before
    those that add the policies, and went out without them."""
    settings.ALLOWED_HOSTS = ["innovation.example"]
    good = client.get("/", HTTP_HOST="innovation.example")
    bad = client.get("/", HTTP_HOST="evil.example")
    assert (good.status_code, bad.status_code) == (200, 400)
    for header in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "Cross-Origin-Resource-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert bad.headers.get(header), header
        if header != "Content-Security-Policy":
            assert bad.headers[header] == good.headers[header], header
    assert "unsafe-inline" not in bad.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("remote", "secure"),
    [
        ("10.0.0.5", True),  # the load balancer, which sets the header itself
        ("198.51.100.7", False),  # a client that reached the node past the balancer
        ("", False),
    ],
)
def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(client, db, settings, remote, secure):
    """With DJANGO_TRUST_X_FORWARDED_PROTO on, the header was believed from any address: a
    client that reached a node directly (a firewall left open) wrote "https" in it over plain
    HTTP and was served as over HTTPS, past the redirect. Only the site's own proxies say so."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.ALLOWED_HOSTS = ["innovation.example.org"]
    response = client.get(
        "/",
        HTTP_HOST="innovation.example.org",
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_PROTO="https",
    )
    if secure:
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=3600"
    else:
        assert response.status_code == 301
        assert response["Location"] == "https://innovation.example.org/"
        assert "Strict-Transport-Security" not in response
