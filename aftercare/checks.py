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


@register(deploy=True)
def real_sms_backend(app_configs=None, **kwargs):
    """Production sends real texts (sign-up codes, notices): SMS_BACKEND must name a gateway
    backend that loads, not the development one (it delivers nothing)."""
    from django.utils.module_loading import import_string

    from aftercare.sms import DEVELOPMENT_BACKENDS

    path = getattr(settings, "SMS_BACKEND", "") or ""
    hint = "Set SMS_BACKEND to your SMS provider's backend class (a class with send(mobile, text))."
    if path in DEVELOPMENT_BACKENDS:
        return [
            Error(
                f"SMS_BACKEND is the development backend {path!r}: no text would be delivered.",
                hint=hint,
                id="aftercare.E002",
            )
        ]
    try:
        backend = import_string(path)
    except ImportError as error:
        return [
            Error(f"SMS_BACKEND {path!r} does not load: {error}", hint=hint, id="aftercare.E002")
        ]
    if not callable(getattr(backend, "send", None)):
        return [
            Error(
                f"SMS_BACKEND {path!r} has no send(mobile, text).", hint=hint, id="aftercare.E002"
            )
        ]
    return []
