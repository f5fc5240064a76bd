"""Facts about the client of a request that services record (address, user agent)."""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.http import HttpRequest


@cache
def _trusted_proxy_networks(
    proxies: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    networks = _trusted_proxy_networks(tuple(settings.TRUSTED_PROXIES))
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The address of the client, never taken from a header the client itself could forge.

    X-Forwarded-For is read only when the peer is a trusted proxy, and only from the right: each
    trusted proxy appends the address it received from, so the first untrusted entry from the right
    is the real client.
    """
    address = request.META.get("REMOTE_ADDR") or None
    if address is None or not _is_trusted_proxy(address):
        return _valid_ip(address)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _is_trusted_proxy(hop):
            return _valid_ip(hop)
        address = hop
    return _valid_ip(address)


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:255]
