"""Real gunicorn nodes against the test database, for the scale-out and fault tests.

These run only on PostgreSQL (CI's second pass): SQLite's in-memory test database cannot be
shared with other processes.
"""

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, env: dict):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="node-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"), "helsingborg_innovation.wsgi",
                "--config", str(ROOT / "gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{self.port}", "--workers", "1",
                "--access-logfile", "/dev/null",
            ],
            cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/robots.txt", timeout=2)
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn node did not start: " + self.log_text())

    def get(self, path: str, **headers) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Production settings serve hashed static files, so the nodes need them collected."""
    static_root = tmp_path_factory.getbasetemp().parent / "node-static"
    lock = static_root.with_suffix(".lock")
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        # Always collect: the folder may hold an older run's files (collectstatic is incremental).
        env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_STATIC_ROOT": str(static_root),
            "DJANGO_SECRET_KEY": "collect-" + "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "SITE_URL": "http://localhost",
            "DJANGO_DEFAULT_FROM_EMAIL": "innovation@localhost",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return static_root


@pytest.fixture
def node_env(transactional_db, collected_static):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn nodes must share the test database")
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER'] or 'postgres'}@{settings_dict['HOST'] or '127.0.0.1'}:"
        f"{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"),
        CACHE_KEY_PREFIX=f"nodes-{uuid.uuid4().hex[:8]}",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="node-test-secret-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL="http://127.0.0.1:8000",
        DJANGO_DEFAULT_FROM_EMAIL="innovation@localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_COOKIES="false",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_CONN_MAX_AGE="60",
        DJANGO_STATIC_ROOT=str(collected_static),
    )
    return env


@pytest.fixture
def start_node():
    nodes = []

    def start(env: dict) -> Node:
        node = Node(env)
        nodes.append(node)
        return node

    yield start
    for node in nodes:
        node.stop()
        # What the node logged is shown with a failing test's output.
        sys.stderr.write(node.log_text()[-4000:])


def pytest_terminal_summary(terminalreporter):
    """The figures of the load tests (tests/production/test_load.py) at the end of the run.

    Under xdist only when tests/production is named on the command line (the controller then
    loads this file); otherwise they are in each test's captured output (-rP, or on failure).
    """
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    for report in reports:
        for name, value in getattr(report, "user_properties", []):
            if name == "load figures" and report.when == "call":
                terminalreporter.write_sep("-", f"load test: {report.nodeid.split('::')[-1]}")
                terminalreporter.write_line(value)
