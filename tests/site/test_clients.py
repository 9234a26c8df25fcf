"""Limits kept per visitor count visitors, not the load balancer in front of them."""

import pytest
from django.test import RequestFactory

from helsingborg_innovation.clients import client_address

PROXY = "10.0.0.5"


def _request(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # No proxy of ours: the header is the visitor's own writing, never believed.
        ("198.51.100.7", "203.0.113.1", "198.51.100.7"),
        (PROXY, "198.51.100.7", "198.51.100.7"),
        # What the visitor wrote stands before what our proxy appended.
        (PROXY, "203.0.113.1, 198.51.100.7", "198.51.100.7"),
        (PROXY, "not an address, 198.51.100.7", "198.51.100.7"),
        # Through two of our proxies.
        (PROXY, "198.51.100.7, 10.2.3.4", "198.51.100.7"),
        ("fd00::1", "2001:db8::42", "2001:db8::42"),
        # Our proxy without a header, or only ours in it: the nearest of ours.
        (PROXY, None, PROXY),
        (PROXY, "10.2.3.4", "10.2.3.4"),
    ],
)
def test_the_visitor_is_the_nearest_address_that_is_not_one_of_our_proxies(
    settings, remote, forwarded, expected
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert client_address(_request(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(_request(PROXY, "198.51.100.7")) == PROXY


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("198.51.100.7", "198.51.100.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
        ("", ""),
    ],
)
def test_limits_count_an_ipv6_subscriber_by_their_64(remote, expected):
    from helsingborg_innovation.clients import client_network

    assert client_network(_request(remote)) == expected


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.7:51234", "198.51.100.7"),
        ("198.51.100.7:443", "198.51.100.7"),
        ("[2001:db8:1:2::1]:51234", "2001:db8:1:2::/64"),
        ("203.0.113.1, 198.51.100.7:60000, 10.2.3.4:8080", "198.51.100.7"),
    ],
)
def test_a_proxy_that_writes_the_port_still_counts_the_visitor_once(settings, forwarded, expected):
    """Some gateways append "address:port". Each port was counted as a visitor of its own
    (and our own proxies, with a port, as visitors): the idea limit and the sign-in lockout
    did not hold for anyone (found by review)."""
    from helsingborg_innovation.clients import client_network

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_network(_request(PROXY, forwarded)) == expected
