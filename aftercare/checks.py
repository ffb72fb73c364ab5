"""System checks of the kernel's settings (run by ``manage.py check`` and at start-up)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.checks import Error, register


@register()
def trusted_proxies_parse(app_configs=None, **kwargs):
    """Every TRUSTED_PROXIES entry must be an address or a network (a typo would otherwise
    silently trust nobody, or crash the first request)."""
    errors = []
    value = getattr(settings, "TRUSTED_PROXIES", ()) or ()
    if isinstance(value, str):
        value = value.split(",")
    for item in value:
        try:
            ipaddress.ip_network(str(item).strip(), strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"TRUSTED_PROXIES entry {item!r} is not an IP address or network.",
                    hint="Use addresses or CIDR networks, e.g. 10.0.0.5,172.30.57.0/24.",
                    id="aftercare.E001",
                )
            )
    return errors
