"""Production refuses to start without its secrets, and a mistyped setting fails loudly.

Settings are read once at import, so each case imports them in a fresh interpreter.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
IMPORT_SETTINGS = (
    "import django; from django.conf import settings; django.setup(); "
    "print('DEBUG', settings.DEBUG, 'HOSTS', settings.ALLOWED_HOSTS)"
)
PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-secret-for-the-test-only",
    "DJANGO_ALLOWED_HOSTS": "innovation.helsingborg.se",
    "SITE_URL": "https://innovation.helsingborg.se",
    "DJANGO_DEFAULT_FROM_EMAIL": "innovation@helsingborg.se",
}


def _import_settings(_code: str = IMPORT_SETTINGS, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "ATTACHMENT_"))
    }
    environment.update(DJANGO_SETTINGS_MODULE="helsingborg_innovation.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", _code],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_load_when_everything_is_set():
    result = _import_settings(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "DEBUG False HOSTS ['innovation.helsingborg.se']" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off."),
        # Without it every link in the e-mails (the sender's status page) led to 127.0.0.1.
        ("SITE_URL", "SITE_URL must be set when DJANGO_DEBUG is off"),
        # Without it the e-mails came from a reserved domain (example.org) that receiving mail
        # servers refuse or file as spam, and whose mailbox no one reads.
        (
            "DJANGO_DEFAULT_FROM_EMAIL",
            "DJANGO_DEFAULT_FROM_EMAIL must be set when DJANGO_DEBUG is off",
        ),
    ],
)
def test_production_refuses_to_start_without_a_secret_hosts_or_address(missing, message):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = _import_settings(**env)
    assert result.returncode != 0
    assert f"django.core.exceptions.ImproperlyConfigured: {message}" in result.stderr


def test_the_sites_address_must_be_absolute():
    result = _import_settings(**{**PRODUCTION, "SITE_URL": "innovation.helsingborg.se"})
    assert result.returncode != 0
    assert "SITE_URL must be an absolute address" in result.stderr


def test_empty_allowed_hosts_count_as_missing():
    result = _import_settings(**{**PRODUCTION, "DJANGO_ALLOWED_HOSTS": " , "})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_development_needs_neither():
    result = _import_settings(DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert "DEBUG True" in result.stdout


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be a boolean (true/false), got 'maybe'"),
        ("DJANGO_DEBUG", "flase", "DJANGO_DEBUG must be a boolean (true/false), got 'flase'"),
        ("ATTACHMENT_MAX_BYTES", "20MB", "ATTACHMENT_MAX_BYTES must be a whole number, got '20MB'"),
        (
            "DJANGO_TRUSTED_PROXIES",
            "10.0.0.0/8, lb.internal",
            "DJANGO_TRUSTED_PROXIES holds 'lb.internal', not an address or a network",
        ),
    ],
)
def test_a_bad_value_fails_loudly(name, value, message):
    result = _import_settings(**{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {message}" in result.stderr


def test_postgresql_connections_do_without_jit(db, postgres_only):
    """The portal's queries are short: PostgreSQL's JIT compilation spent 130 ms of the
    statistics' count over the whole portfolio compiling it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


# What a browser is told, and whether a request counts as HTTPS, under the settings of the
# environment, through the site's middleware up to Django's SecurityMiddleware: a request that
# claims HTTPS in X-Forwarded-Proto over plain HTTP from a client's address and from the load
# balancer's (10.0.0.5), and one that did come over HTTPS.
PROBE_HTTPS = (
    "import functools; import django; django.setup(); "
    "from django.conf import settings; "
    "from django.http import HttpResponse; "
    "from django.test import RequestFactory; "
    "from django.utils.module_loading import import_string; "
    "chain = settings.MIDDLEWARE["
    ": settings.MIDDLEWARE.index('django.middleware.security.SecurityMiddleware') + 1]; "
    "handler = functools.reduce("
    "lambda inner, path: import_string(path)(inner), reversed(chain), "
    "lambda request: HttpResponse()); "
    "factory = RequestFactory(HTTP_HOST='innovation.helsingborg.se'); "
    "claimed = factory.get('/', HTTP_X_FORWARDED_PROTO='https', REMOTE_ADDR='198.51.100.7'); "
    "answer = handler(claimed); "
    "print('CLAIMED', claimed.is_secure(), answer.status_code, answer.get('Location')); "
    "proxied = factory.get('/', HTTP_X_FORWARDED_PROTO='https', REMOTE_ADDR='10.0.0.5'); "
    "answer = handler(proxied); "
    "print('PROXY', proxied.is_secure(), answer.status_code, answer.get('Location')); "
    "secure = factory.get('/', secure=True); "
    "answer = handler(secure); "
    "print('HSTS', answer.get('Strict-Transport-Security'))"
)


def _probe_https(**env: str) -> subprocess.CompletedProcess:
    return _import_settings(_code=PROBE_HTTPS, **env)


def test_a_client_talking_to_the_node_itself_cannot_claim_https():
    """X-Forwarded-Proto was believed from anyone: a client talking straight to gunicorn over
    plain HTTP wrote "https" in it and was served as over HTTPS, without the redirect."""
    result = _probe_https(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "CLAIMED False 301 https://innovation.helsingborg.se/" in result.stdout


def test_behind_a_proxy_that_sets_the_header_it_is_believed_from_that_proxy_alone():
    """Believed from any address, the header let a client that reached a node past the
    balancer (a firewall left open) claim HTTPS all the same."""
    result = _probe_https(
        **PRODUCTION, DJANGO_TRUST_X_FORWARDED_PROTO="true", DJANGO_TRUSTED_PROXIES="10.0.0.0/8"
    )
    assert result.returncode == 0, result.stderr
    assert "PROXY True 200 None" in result.stdout
    assert "CLAIMED False 301 https://innovation.helsingborg.se/" in result.stdout


@pytest.mark.parametrize("debug", ["false", "true"])
def test_trusting_the_header_without_naming_the_proxies_fails_loudly(debug):
    """Trusted from no one, the header would leave every request plain HTTP behind the TLS
    proxy, and every page redirecting to itself; trusted from anyone, it would be the hole it
    closes. Neither is what the deployment asked for."""
    result = _import_settings(
        **{**PRODUCTION, "DJANGO_DEBUG": debug}, DJANGO_TRUST_X_FORWARDED_PROTO="true"
    )
    assert result.returncode != 0
    assert (
        "ImproperlyConfigured: DJANGO_TRUST_X_FORWARDED_PROTO=true needs DJANGO_TRUSTED_PROXIES"
        in result.stderr
    )


def test_hsts_covers_only_the_portals_own_host_unless_told_otherwise():
    """On innovation.helsingborg.se, includeSubDomains and preload spoke for every host
    under it, and preload, once listed, for the whole of helsingborg.se."""
    result = _probe_https(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "HSTS max-age=31536000\n" in result.stdout


def test_hsts_subdomains_and_preload_are_a_choice_of_the_domains_owner():
    result = _probe_https(**PRODUCTION, DJANGO_HSTS_INCLUDE_SUBDOMAINS="true")
    assert "HSTS max-age=31536000; includeSubDomains\n" in result.stdout, result.stderr
    result = _probe_https(
        **PRODUCTION, DJANGO_HSTS_INCLUDE_SUBDOMAINS="true", DJANGO_HSTS_PRELOAD="true"
    )
    assert "HSTS max-age=31536000; includeSubDomains; preload\n" in result.stdout, result.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"DJANGO_HSTS_PRELOAD": "true"},
        {
            "DJANGO_HSTS_PRELOAD": "true",
            "DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true",
            "DJANGO_HSTS_SECONDS": "86400",
        },
    ],
)
def test_preload_the_browsers_list_would_refuse_fails_loudly(env):
    """The browsers' preload list takes a site only with includeSubDomains and a year."""
    result = _import_settings(**{**PRODUCTION, **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_HSTS_PRELOAD needs" in result.stderr
