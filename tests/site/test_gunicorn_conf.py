"""The access log that gunicorn writes with the project's gunicorn.conf.py."""

import datetime
import logging
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
# When the request was served, as gunicorn writes it: [02/Dec/2026:19:03:13 +0000].
TIME = r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]"


@pytest.fixture(autouse=True)
def _environment_kept():
    """Reading gunicorn.conf.py sets DJANGO_DEBUG for the app gunicorn serves; reading it here
    must leave this process's environment, which later tests' subprocesses inherit, as it was."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def access_line(caplog):
    """The line gunicorn logs for one request, formatted as configured."""
    settings = runpy.run_path(str(CONF))
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", settings["access_log_format"])
    logger = settings.get("logger_class", Logger)(config)

    def line(environ: dict, headers: list[tuple[str, str]]) -> str:
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/sok/?q=secret",
            "PATH_INFO": "/sok/",
            "QUERY_STRING": "q=secret",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_USER_AGENT": "test-agent",
            **environ,
        }
        response = SimpleNamespace(status="200 OK", sent=512, headers=[])
        request = SimpleNamespace(headers=headers)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="gunicorn.access"):
            logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
        [record] = [r for r in caplog.records if r.name == "gunicorn.access"]
        return record.getMessage()

    return line


def test_behind_a_balancer_the_log_shows_the_forwarded_addresses(access_line):
    line = access_line({"REMOTE_ADDR": "10.0.0.2"}, [("X-FORWARDED-FOR", "203.0.113.7, 10.0.0.1")])
    assert re.match(
        rf'10.0.0.2 "203.0.113.7, 10.0.0.1" {TIME} "GET /sok/ HTTP/1.1" 200 512 12ms', line
    )


def test_without_a_balancer_the_forwarded_field_is_empty(access_line):
    line = access_line({"REMOTE_ADDR": "198.51.100.4"}, [])
    assert re.match(rf'198.51.100.4 "-" {TIME} "GET /sok/ HTTP/1.1" 200', line)


def test_each_line_says_when(access_line):
    """Written to a file (GUNICORN_ACCESS_LOG), the log had no time at all: nobody could say
    when a request came."""
    line = access_line({"REMOTE_ADDR": "198.51.100.4"}, [])
    when = re.search(TIME, line)
    assert when is not None, line
    served = datetime.datetime.strptime(when.group(), "[%d/%b/%Y:%H:%M:%S %z]")
    now = datetime.datetime.now(datetime.UTC)
    assert abs(now - served) < datetime.timedelta(minutes=1)


def test_query_strings_are_never_logged(access_line):
    line = access_line({"REMOTE_ADDR": "198.51.100.4"}, [])
    assert "secret" not in line


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("page", ["contributions:status", "contributions:receipt"])
def test_the_token_of_an_ideas_private_page_is_never_logged(access_line, language, page):
    """Whoever could read the access log could open every sender's private page: its token
    is in the path, which the log shows."""
    from django.urls import reverse
    from django.utils import translation

    token = "aB3_x-" + "Q" * 37
    with translation.override(language):
        path = reverse(page, args=[token])
    line = access_line({"REMOTE_ADDR": "198.51.100.4", "RAW_URI": path, "PATH_INFO": path}, [])
    assert token not in line
    assert path.replace(token, "[token]") in line


def test_other_paths_are_logged_as_they_are(access_line):
    path = "/utmaningar/bidrag-till-en-battre-hamn-2026-med-mycket-langt-namn/"
    line = access_line({"REMOTE_ADDR": "198.51.100.4", "RAW_URI": path, "PATH_INFO": path}, [])
    assert f'"GET {path} HTTP/1.1"' in line


@pytest.mark.parametrize(
    ("redis_url", "workers", "threads"),
    [("redis://127.0.0.1:6379/0", "cores", 1), ("", 1, "cores")],
)
def test_several_processes_only_with_a_shared_cache(monkeypatch, redis_url, workers, threads):
    """Without Redis each process's cache is its own: one process, with threads."""
    import multiprocessing

    cores = multiprocessing.cpu_count() * 2 + 1
    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    monkeypatch.delenv("GUNICORN_THREADS", raising=False)
    monkeypatch.setenv("REDIS_URL", redis_url)
    conf = runpy.run_path(str(CONF))
    assert conf["workers"] == (cores if workers == "cores" else workers)
    assert conf["threads"] == (cores if threads == "cores" else threads)


def test_gunicorn_refuses_several_workers_without_a_shared_cache(tmp_path):
    """Each worker's own page cache served a page taken down in another for up to a day, and
    each allowed the rate limits and the sign-in lockout anew: such a node must not start."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "GUNICORN_WORKERS")}
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "helsingborg_innovation.wsgi",
            "--config", str(CONF),
            "--bind", "127.0.0.1:0",
            "--workers", "3",
        ],
        cwd=CONF.parent, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "3 workers need REDIS_URL" in completed.stderr


NUMBERS = [
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_KEEPALIVE",
    "GUNICORN_MAX_REQUESTS",
    "GUNICORN_MAX_REQUESTS_JITTER",
]


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_variable_keeps_its_default(monkeypatch, blank):
    """docker-compose and systemd env files often hold `GUNICORN_WORKERS=`: gunicorn did not
    start, with a traceback of int('')."""
    for name in NUMBERS:
        monkeypatch.delenv(name, raising=False)
    for name in ("GUNICORN_BIND", "GUNICORN_ACCESS_LOG", "GUNICORN_ERROR_LOG"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(str(CONF))
    for name in NUMBERS:
        monkeypatch.setenv(name, blank)
    for name in ("GUNICORN_BIND", "GUNICORN_ACCESS_LOG", "GUNICORN_ERROR_LOG"):
        monkeypatch.setenv(name, blank)
    conf = runpy.run_path(str(CONF))
    for setting in (
        "workers", "threads", "timeout", "graceful_timeout", "keepalive", "max_requests",
        "max_requests_jitter", "bind", "accesslog", "errorlog",
    ):  # fmt: skip
        assert conf[setting] == defaults[setting], setting
    assert conf["timeout"] == 30 and conf["bind"] == "0.0.0.0:8000" and conf["accesslog"] == "-"


def test_a_number_is_read_as_one(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("GUNICORN_WORKERS", " 3 ")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "0")
    conf = runpy.run_path(str(CONF))
    assert conf["workers"] == 3 and conf["timeout"] == 0


@pytest.mark.parametrize(
    ("name", "value", "minimum"),
    [
        ("GUNICORN_WORKERS", "four", 1),
        ("GUNICORN_THREADS", "0", 1),
        ("GUNICORN_TIMEOUT", "30s", 0),
        ("GUNICORN_MAX_REQUESTS", "-1", 0),
    ],
)
def test_a_bad_number_stops_with_a_line_naming_the_variable(monkeypatch, name, value, minimum):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        runpy.run_path(str(CONF))
    assert str(stopped.value) == (
        f"{name} must be a whole number, {minimum} or more, got '{value}'."
    )


def test_gunicorn_says_which_variable_is_wrong_without_a_traceback():
    """A non-number was a bare ValueError traceback that did not say which variable."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "GUNICORN_WORKERS": "four"}
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "helsingborg_innovation.wsgi",
            "--config", str(CONF),
            "--bind", "127.0.0.1:0",
        ],
        cwd=CONF.parent, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert completed.returncode != 0
    assert completed.stderr.strip() == (
        "GUNICORN_WORKERS must be a whole number, 1 or more, got 'four'."
    )


def _check_config(**environment: str) -> subprocess.CompletedProcess:
    """gunicorn loading the portal with the project's settings, as a node starts, then exiting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_SETTINGS_MODULE="helsingborg_innovation.settings", **environment)
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "helsingborg_innovation.wsgi",
            "--config", str(CONF),
            "--check-config",
        ],
        cwd=CONF.parent, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("unset", [None, "", " "])
def test_gunicorn_without_debug_said_serves_production_or_nothing(unset):
    """A node started without DJANGO_DEBUG served Django's debug pages (tracebacks, settings)
    to the public on any error; now it will not start without the production variables."""
    environment = {} if unset is None else {"DJANGO_DEBUG": unset}
    completed = _check_config(**environment)
    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in completed.stderr


def test_gunicorn_serves_the_development_site_only_when_asked():
    assert _check_config(DJANGO_DEBUG="true").returncode == 0


def test_each_worker_is_told_of_to_say_it_is_alive_from_a_long_response(monkeypatch):
    """A worker streaming the whole portfolio's open data was taken for hung and restarted
    mid-file: each worker is handed to `heartbeat`, which exports call as they go."""
    from helsingborg_innovation import heartbeat

    beats = []
    worker = SimpleNamespace(notify=lambda: beats.append(1))
    monkeypatch.setattr(heartbeat, "_worker", None)
    runpy.run_path(str(CONF))["post_fork"](SimpleNamespace(), worker)
    heartbeat.beat()
    assert beats == [1]


def test_a_worker_that_goes_sends_the_invalidations_redis_missed(
    client, make_challenge, monkeypatch, cache_blinks_once
):
    """A worker sends an invalidation Redis missed with its next request. One recycled after
    its requests (max_requests) or stopped for a deploy just after an editor's save has no
    next request: the challenge the editor took down stayed public from the other workers'
    cache until midnight."""
    from django.urls import reverse

    from helsingborg_innovation import pagecache

    monkeypatch.setattr("django.conf.settings.PAGE_CACHE_ENABLED", True)
    challenge = make_challenge(title="Nedtagen utmaning")
    list_url = reverse("challenges:list")
    assert "Nedtagen utmaning" in client.get(list_url).text

    failures = cache_blinks_once()
    challenge.status = "draft"
    challenge.save()
    assert failures

    server = SimpleNamespace(log=logging.getLogger("gunicorn.error"))
    runpy.run_path(str(CONF))["worker_exit"](server, SimpleNamespace())

    pagecache.reset_cache_state()  # the next visitor reaches another worker
    assert "Nedtagen utmaning" not in client.get(list_url).text
