"""The client's address: one helper for every check that counts or records addresses.

Behind a reverse proxy ``REMOTE_ADDR`` is the proxy, and ``X-Forwarded-For`` is a list each
proxy appends the address it saw to: ``client, proxy1, proxy2``. Anything left of the last
proxy we trust was written by whoever connected to it, so it proves nothing. The rule:

* ``settings.TRUSTED_PROXIES`` lists the proxies (addresses or CIDR networks) whose
  ``X-Forwarded-For`` entries we believe. Empty (the default): ``REMOTE_ADDR`` is the client,
  and the header is ignored.
* A request whose peer (``REMOTE_ADDR``) is not a trusted proxy: the peer is the client,
  whatever headers it sent.
* From a trusted peer: walk ``X-Forwarded-For`` from the right, skipping trusted proxies;
  the first untrusted address is the client. A malformed entry stops the walk (it cannot
  come from a proxy of ours): the last address accepted is used.

Used by the pages and the API (SMS limits, application evidence, registration records),
django-axes (``AXES_CLIENT_IP_CALLABLE``) and the API throttles (``aftercare.throttling``).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def trusted_networks() -> tuple[Network, ...]:
    value = getattr(settings, "TRUSTED_PROXIES", ()) or ()
    if isinstance(value, str):
        value = value.split(",")
    return _networks(tuple(value))


def parse_address(value: str | None) -> Address | None:
    """An address as proxies write it: ``1.2.3.4``, ``1.2.3.4:5678``, ``[::1]:80``, ``::1``;
    IPv4-mapped IPv6 (``::ffff:1.2.3.4``) becomes IPv4. None when it is not an address."""
    if not value:
        return None
    text = value.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def client_address(meta: dict) -> str | None:
    """The client's address from a WSGI environ / ``request.META`` (see the module doc)."""
    peer = parse_address(meta.get("REMOTE_ADDR"))
    if peer is None:
        return meta.get("REMOTE_ADDR") or None
    networks = trusted_networks()
    if not networks or not _trusted(peer, networks):
        return str(peer)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    client = peer
    for entry in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = parse_address(entry)
        if address is None:
            break
        client = address
        if not _trusted(address, networks):
            break
    return str(client)


def client_ip(request) -> str | None:
    """The client's address of a Django or DRF request (None without a request)."""
    if request is None:
        return None
    raw = getattr(request, "_request", request)
    meta = getattr(raw, "META", None)
    if meta is None:
        return None
    return client_address(meta)
