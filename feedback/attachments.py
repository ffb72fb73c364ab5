"""Complaint attachments: photos and PDFs, checked before anything is written.

* Type: read from the file's first bytes (``scheduling.documents.sniff``: ``%PDF-``, the PNG
  signature, ``FF D8 FF``), never from the name or the browser's Content-Type.
* Size: at most ``MAX_MB`` each, ``MAX_FILES`` per complaint (what is already attached
  counts).
* Photos are decoded and written again without their metadata: a phone photo carries the
  place it was taken (EXIF GPS) and the device, which would unmask an anonymous complaint. A
  file that does not decode as the image it claims to be is refused; so is one over
  ``MAX_PIXELS`` (a decompression bomb).
* Storage: ``MEDIA_ROOT/complaints/<district>/<school>/<random>.<ext>`` — outside the web
  root, no URL serves it; ``feedback.views.complaints.attachment`` streams it to the parties
  (``feedback.rules.can_read_files``).

``check_files`` validates every file first (nothing is written when one is refused);
``store`` writes them and returns the names, which the caller deletes if its transaction
fails (``feedback.services.complaints``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from aftercare.errors import InvalidInput
from scheduling.documents import sniff

MAX_MB = 5
MAX_FILES = 4
MAX_PIXELS = 40_000_000
FIELD = "attachments"


@dataclass
class CheckedFile:
    name: str
    content_type: str
    extension: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(fields={FIELD: [message]}, code="bad_attachment")


def _clean_image(data: bytes, content_type: str, name: str) -> bytes:
    fmt = "PNG" if content_type == "image/png" else "JPEG"
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise _refuse(
                    _("“%(name)s” is %(w)d×%(h)d pixels; photos may have at most %(max)d million.")
                    % {"name": name, "w": width, "h": height, "max": MAX_PIXELS // 1_000_000}
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)  # keep the orientation, drop the rest
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=fmt, quality=88) if fmt == "JPEG" else image.save(out, fmt)
            return out.getvalue()
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise _refuse(_("“%(name)s” could not be read as a photo.") % {"name": name}) from exc


def check_files(files, *, already: int = 0) -> list[CheckedFile]:
    """Every upload checked and cleaned, or InvalidInput on ``attachments`` naming the file
    and the limit. Nothing is stored here."""
    files = [f for f in (files or []) if f is not None]
    if already + len(files) > MAX_FILES:
        raise _refuse(
            _("A complaint may have at most %(max)d attachments (this would make %(n)d).")
            % {"max": MAX_FILES, "n": already + len(files)}
        )
    checked = []
    for upload in files:
        name = (getattr(upload, "name", "") or "attachment")[-100:]
        if upload.size > MAX_MB * 1024 * 1024:
            raise _refuse(
                _("“%(name)s” is %(size).1f MB; attachments may be at most %(max)d MB.")
                % {"name": name, "size": upload.size / 1024 / 1024, "max": MAX_MB}
            )
        upload.seek(0)
        data = upload.read(MAX_MB * 1024 * 1024 + 1)
        upload.seek(0)
        if len(data) > MAX_MB * 1024 * 1024:  # a size the client lied about
            raise _refuse(_("“%(name)s” is over %(max)d MB.") % {"name": name, "max": MAX_MB})
        found = sniff(data[:16])
        if found is None:
            raise _refuse(
                _("“%(name)s” is not a photo (JPEG, PNG) or a PDF file.") % {"name": name}
            )
        if found.content_type.startswith("image/"):
            data = _clean_image(data, found.content_type, name)
        checked.append(CheckedFile(name, found.content_type, found.extension, data))
    return checked


def store(attachment, checked: CheckedFile) -> str:
    """Write the file under the attachment's opaque name (not saving the row)."""
    attachment.file.save(f"file.{checked.extension}", ContentFile(checked.content), save=False)
    return attachment.file.name
