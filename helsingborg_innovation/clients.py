"""Who is asking: the address of the visitor, also behind the site's own proxies.

Behind a load balancer every request comes from the balancer's address, so limits kept per
address (ideas sent, admin sign-in failures) would be shared by the whole city: a handful of
ideas an hour for everyone, and staff locked out by anyone's wrong password. A proxy named in
TRUSTED_PROXIES (DJANGO_TRUSTED_PROXIES) appends the address it got the request from to
X-Forwarded-For; the visitor is the last address in that chain that is not one of ours. What a
visitor writes in the header themselves stands before it and is never believed.

Limits count a visitor by `client_network`: their IPv4 address, or the /64 network of their
IPv6 address. One subscriber is given a whole /64, so counting each of its addresses apart
would give anyone who wants more guesses or more ideas 2**64 of them.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def trusted_networks() -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES)


@receiver(setting_changed)
def _forget_networks(*, setting, **kwargs):
    if setting == "TRUSTED_PROXIES":
        trusted_networks.cache_clear()


def _ip(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address in `address`, also as some gateways write it with its port
    ("198.51.100.7:51234", "[2001:db8::1]:443"); None when there is none."""
    address = address.strip()
    if address.startswith("["):
        address = address[1:].partition("]")[0]
    elif address.count(":") == 1:
        address = address.partition(":")[0]
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def trusted_address(address: str) -> bool:
    """Whether `address` is one of the site's own proxies (TRUSTED_PROXIES)."""
    ip = _ip(address)
    return ip is not None and any(ip in network for network in trusted_networks())


def client_address(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or, when that is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one."""
    address = request.META.get("REMOTE_ADDR", "")
    if not trusted_address(address):
        return address
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = hop.strip()
        if not hop:
            continue
        if not trusted_address(hop):
            return hop
        address = hop
    return address


def client_network(request: HttpRequest) -> str:
    """What limits count a visitor by: the IPv4 address, or the /64 of an IPv6 address."""
    address = client_address(request)
    ip = _ip(address)
    if ip is None:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False))
