"""The access log that gunicorn writes with the project's gunicorn.conf.py."""

import datetime
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture
def access_line(caplog):
    """The line gunicorn logs for one request, formatted as configured."""
    settings = runpy.run_path(str(CONF))
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", settings["access_log_format"])
    logger = Logger(config)

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
    assert line.startswith('10.0.0.2 "203.0.113.7, 10.0.0.1" "GET /sok/ HTTP/1.1" 200 512 12ms')


def test_without_a_balancer_the_forwarded_field_is_empty(access_line):
    line = access_line({"REMOTE_ADDR": "198.51.100.4"}, [])
    assert line.startswith('198.51.100.4 "-" "GET /sok/ HTTP/1.1" 200')


def test_query_strings_are_never_logged(access_line):
    line = access_line({"REMOTE_ADDR": "198.51.100.4"}, [])
    assert "secret" not in line
