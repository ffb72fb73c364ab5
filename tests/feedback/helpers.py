"""Builders for the feedback tests (on top of ``tests.attendance.world``)."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from feedback.services import complaints as services


def complaint(daily, *, child=None, category="teacher", staff="care", **kwargs):
    child = child or daily.children[0]
    return services.file_complaint(
        actor=daily.parents[child.pk],
        student=child,
        category=category,
        description=kwargs.pop("description", "看护老师17点就离开了，孩子们无人看管。"),
        incident_date=kwargs.pop("incident_date", daily.today.date),
        staff=daily.staff[staff] if staff else None,
        **kwargs,
    )


def jpeg(name="photo.jpg", *, size=(40, 30), exif_gps=False) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPSInfo
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name="receipt.pdf", size=None) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    if size:
        body = body + b"0" * (size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")
