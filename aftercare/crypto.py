"""Encryption at rest of minors' identity numbers and guardians' mobiles.

* ``encrypt`` / ``decrypt``: AES-256-GCM with a random 96-bit nonce; the stored text is
  ``enc1:<key id>:<base64url(nonce + ciphertext + tag)>``. The *kind* of value (``mobile``,
  ``student_number``) is the associated data, so a ciphertext pasted into another kind of
  column does not decrypt.
* ``blind_index``: HMAC-SHA256 of the value under a separate key, per kind: the searchable
  keyed hash used for exact lookups (login by mobile, roster matching, search by 学籍号).

Keys come from the environment (settings ``FIELD_ENCRYPTION_KEYS``: ``id:base64key,...``, the
first one encrypts, every one decrypts, so keys can be rotated; ``BLIND_INDEX_KEY``). Outside
production a development default is used; production refuses it (a ``check --deploy`` error,
aftercare.E010). Rotating the blind-index key means recomputing every hash
(``manage.py encrypt_personal_data --rehash``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DEV_BLIND_INDEX_KEY",
    "DEV_FIELD_ENCRYPTION_KEY",
    "PREFIX",
    "DecryptionError",
    "blind_index",
    "decrypt",
    "encrypt",
    "is_encrypted",
]

PREFIX = "enc1:"
# Development defaults (public: they protect nothing). Production refuses them.
DEV_FIELD_ENCRYPTION_KEY = "dev:ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="
DEV_BLIND_INDEX_KEY = "dev-only-blind-index-key-not-for-production"


class DecryptionError(ValueError):
    pass


def _parse_keys(value) -> dict[str, bytes]:
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    keys: dict[str, bytes] = {}
    for item in value or ():
        key_id, sep, material = str(item).partition(":")
        if not sep or not key_id or ":" in material:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries are id:base64key")
        try:
            raw = base64.urlsafe_b64decode(material + "=" * (-len(material) % 4))
        except ValueError as error:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS {key_id!r}: {error}") from None
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS {key_id!r} must be 32 bytes (AES-256), got {len(raw)}"
            )
        keys[key_id] = raw
    return keys


@lru_cache(maxsize=4)
def _keys(value: tuple) -> tuple[str, dict[str, AESGCM]]:
    parsed = _parse_keys(list(value))
    if not parsed:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: personal data cannot be stored")
    current = next(iter(parsed))
    return current, {key_id: AESGCM(raw) for key_id, raw in parsed.items()}


def _settings_keys():
    value = getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ()
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    return _keys(tuple(value))


def _index_key() -> bytes:
    key = getattr(settings, "BLIND_INDEX_KEY", "") or ""
    if not key:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is empty: personal data cannot be looked up")
    return key.encode()


def is_encrypted(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(value: str, *, kind: str) -> str:
    current, ciphers = _settings_keys()
    nonce = os.urandom(12)
    sealed = ciphers[current].encrypt(nonce, value.encode(), kind.encode())
    return f"{PREFIX}{current}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(value: str, *, kind: str) -> str:
    if not is_encrypted(value):
        return value  # a row written before encryption (the data migration encrypts them)
    key_id, _, body = value[len(PREFIX) :].partition(":")
    _, ciphers = _settings_keys()
    cipher = ciphers.get(key_id)
    if cipher is None:
        raise DecryptionError(f"no key {key_id!r} in FIELD_ENCRYPTION_KEYS")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cipher.decrypt(raw[:12], raw[12:], kind.encode()).decode()
    except (InvalidTag, ValueError) as error:
        raise DecryptionError(f"cannot decrypt a {kind} value") from error


def blind_index(value, *, kind: str) -> str | None:
    """The keyed hash of a value (None for no value): what exact lookups compare."""
    if value is None or value == "":
        return None
    message = f"{kind}:{value}".encode()
    return hmac.new(_index_key(), message, hashlib.sha256).hexdigest()
