"""DRF throttles keyed by the client address of ``aftercare.net`` (never a raw header).

DRF's own ``get_ident`` believes any ``X-Forwarded-For`` unless ``NUM_PROXIES`` is set, so a
client sending a new header per try escaped every throttle. These classes take the address
from the one helper (trusted proxies only); ``NUM_PROXIES = 0`` in the settings keeps any
stock DRF throttle on ``REMOTE_ADDR`` as well. ``tests/test_client_address.py`` fails when an
API view uses a throttle that does not derive its key from ``client_ip``.
"""

from __future__ import annotations

from rest_framework import throttling

from aftercare.net import client_ip


class ClientAddressMixin:
    def get_ident(self, request):
        return client_ip(request) or ""


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    pass


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass
