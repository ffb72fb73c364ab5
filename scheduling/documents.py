"""Vetting documents: what may be uploaded, and how a file's type is decided.

The type is read from the file's first bytes (its signature), never from the uploader's file
name or the browser's Content-Type: a PDF starts ``%PDF-``, a PNG with its 8-byte signature,
a JPEG with ``FF D8 FF``. Anything else is refused, as is a file over ``MAX_DOCUMENT_MB``.
Files are stored under ``MEDIA_ROOT`` (outside the web root: no URL serves it; whitenoise
serves only ``STATIC_ROOT``) with an opaque name, and read back only through the guarded
download view.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from aftercare.errors import InvalidInput

MAX_DOCUMENT_MB = 5
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str


def sniff(head: bytes) -> Sniffed | None:
    for signature, content_type, ext in SIGNATURES:
        if head.startswith(signature):
            return Sniffed(content_type, ext)
    return None


def check_document(upload) -> Sniffed:
    """The sniffed type of an uploaded file. Errors: InvalidInput on ``document``."""
    if upload is None:
        raise InvalidInput(fields={"document": [_("Attach the document (PDF or image).")]})
    if upload.size > MAX_DOCUMENT_MB * 1024 * 1024:
        raise InvalidInput(
            fields={
                "document": [
                    _("The file is %(size).1f MB; documents may be at most %(max)d MB.")
                    % {"size": upload.size / 1024 / 1024, "max": MAX_DOCUMENT_MB}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    found = sniff(head)
    if found is None:
        raise InvalidInput(
            fields={
                "document": [
                    _("“%(name)s” is not a PDF, JPEG or PNG file.")
                    % {"name": (upload.name or "")[:60]}
                ]
            }
        )
    return found
