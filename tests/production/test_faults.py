"""With the database gone the site answers a friendly 503, and it recovers by itself."""

import time

import pytest

from tests.production.tcp_proxy import TcpProxy


@pytest.fixture
def database_proxy(node_env):
    host, rest = node_env["DATABASE_URL"].split("@", 1)[1].split(":", 1)
    port, name = rest.split("/", 1)
    proxy = TcpProxy(host, int(port))
    proxy.start()
    user = node_env["DATABASE_URL"].split("//", 1)[1].split("@", 1)[0]
    node_env["DATABASE_URL"] = f"postgres://{user}@127.0.0.1:{proxy.port}/{name}"
    yield proxy
    proxy.cut()


def test_database_outage_gives_503_and_recovers_within_seconds(
    node_env, database_proxy, start_node, make_challenge
):
    challenge = make_challenge(title="Utmaning under avbrott")
    node = start_node({**node_env, "PAGE_CACHE_ENABLED": "false"})
    path = challenge.get_absolute_url()
    assert node.get("/healthz")[0] == 200
    assert node.get(path)[0] == 200

    database_proxy.cut()
    status, body = node.get(path)
    assert status == 503
    assert "Traceback" not in body and "OperationalError" not in body
    assert node.get("/healthz")[0] == 503

    database_proxy.start()
    restored = time.monotonic()
    while node.get(path)[0] != 200:
        assert time.monotonic() - restored < 5, "the site did not recover within 5 seconds"
        time.sleep(0.1)
    assert node.get("/healthz")[0] == 200
