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


@register(deploy=True)
def personal_data_keys(app_configs=None, **kwargs):
    """Production encrypts minors' identity numbers and guardians' mobiles with its own keys:
    FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY must be set, valid and not the development ones."""
    from django.core.exceptions import ImproperlyConfigured

    from aftercare import crypto

    hint = (
        "Set FIELD_ENCRYPTION_KEYS=id:<base64 of 32 random bytes> and BLIND_INDEX_KEY=<random "
        "string of 32+ characters> in the environment (keep them apart from the database backups)."
    )
    keys = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or []
    if isinstance(keys, str):
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    errors = []
    try:
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is not set")
        crypto._parse_keys(list(keys))
        if crypto.DEV_FIELD_ENCRYPTION_KEY in keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds the development key")
    except ImproperlyConfigured as error:
        errors.append(Error(str(error), hint=hint, id="aftercare.E010"))
    index_key = getattr(settings, "BLIND_INDEX_KEY", "") or ""
    if len(index_key) < 32 or index_key == crypto.DEV_BLIND_INDEX_KEY:
        errors.append(
            Error(
                "BLIND_INDEX_KEY is missing, too short or the development key.",
                hint=hint,
                id="aftercare.E010",
            )
        )
    return errors
