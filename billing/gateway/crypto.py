"""WeChat Pay API v3 primitives (the sandbox uses the same ones, from the other side).

* Signatures: RSA PKCS#1 v1.5 with SHA-256 over a message of lines each ending in "\\n":
  notifications and responses sign ``timestamp\\nnonce\\nbody\\n``; requests sign
  ``METHOD\\nURL\\ntimestamp\\nnonce\\nbody\\n``. Base64 on the wire.
* Notification resources: AEAD_AES_256_GCM with the merchant's 32-byte APIv3 key, the
  resource's ``nonce`` (12 bytes) and ``associated_data``; base64 ciphertext ending in the
  16-byte tag.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def message(*parts: str | bytes) -> bytes:
    out = b""
    for part in parts:
        out += (part if isinstance(part, bytes) else part.encode()) + b"\n"
    return out


def sign(private_key, data: bytes) -> str:
    return base64.b64encode(private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(public_key, data: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def encrypt(key: bytes, nonce: str, associated_data: str, plaintext: bytes) -> str:
    return base64.b64encode(
        AESGCM(key).encrypt(nonce.encode(), plaintext, associated_data.encode())
    ).decode()


def decrypt(key: bytes, nonce: str, associated_data: str, ciphertext_b64: str) -> bytes | None:
    """The plaintext, or None when the ciphertext, tag, nonce or associated data were
    tampered with (or the key is wrong)."""
    try:
        data = base64.b64decode(ciphertext_b64, validate=True)
        return AESGCM(key).decrypt(nonce.encode(), data, (associated_data or "").encode())
    except (InvalidTag, ValueError, TypeError):
        return None


def nonce(length: int = 32) -> str:
    return base64.b32encode(os.urandom(length)).decode()[:length]


def new_private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private(pem_or_path: str | bytes):
    data = _pem(pem_or_path)
    return serialization.load_pem_private_key(data, password=None)


def load_public(pem_or_path: str | bytes):
    data = _pem(pem_or_path)
    if b"CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def _pem(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    if "-----BEGIN" in value:
        return value.encode()
    return Path(value).read_bytes()
