"""Compressed HTML, JSON and CSV for school networks (production; settings_production.py).

Static files are compressed ahead of time (whitenoise's CompressedManifestStaticFilesStorage
writes .gz and .br next to each hashed file, and its middleware answers before this one is
reached). This middleware gzips the dynamic responses whose content type is text: pages, API
JSON, CSV exports — never PDFs, spreadsheets, images or uploads, already compressed.

BREACH (a secret in a compressed body guessed byte by byte through attacker-chosen reflected
input) is answered three ways: Django masks the CSRF token afresh in every response (so it
never repeats), Django's GZipMiddleware pads each gzip stream with 0–100 random bytes in the
file-name field ("Heal the Breach", Django ≥ 4.2), and session and API credentials travel in
headers, never in bodies. A view that must show a long-lived secret in a page can still opt
out with ``response.compress = False`` (or the ``no_compression`` decorator).
"""

from __future__ import annotations

from functools import wraps

from django.middleware.gzip import GZipMiddleware

TEXT_TYPES = (
    "text/",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/problem+json",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)


class TextGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(TEXT_TYPES) or getattr(response, "compress", True) is False:
            return response
        return super().process_response(request, response)


def no_compression(view):
    """Serve the view's responses uncompressed (a page that shows a secret to copy)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.compress = False
        return response

    return wrapper
