"""Complaint attachments: size-limited, type sniffed, metadata stripped, stored outside the
web root, served only to the parties; a refused file leaves nothing behind."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from aftercare.errors import InvalidInput
from feedback.attachments import MAX_FILES, MAX_MB
from feedback.models import Complaint, ComplaintAttachment, ComplaintEvent
from feedback.services import complaints as services
from tests.feedback.helpers import complaint, jpeg, pdf

pytestmark = pytest.mark.django_db


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_photos_and_pdfs_are_stored_outside_the_web_root(daily, _media, settings):
    c = complaint(daily, files=[jpeg(), pdf()])
    files = list(c.attachments.order_by("id"))
    assert [f.content_type for f in files] == ["image/jpeg", "application/pdf"]
    assert [f.original_name for f in files] == ["photo.jpg", "receipt.pdf"]
    for f in files:
        path = Path(f.file.path)
        assert path.is_relative_to(_media) and path.exists()
        assert "photo" not in path.name and "receipt" not in path.name  # opaque names
        assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert c.events.filter(kind="attached").count() == 1


def test_photo_metadata_is_removed(daily):
    c = complaint(daily, files=[jpeg(exif_gps=True)], anonymous=True)
    item = c.attachments.get()
    with item.file.open("rb") as handle, Image.open(handle) as image:
        exif = image.getexif()
        assert 0x8825 not in exif and 0x010F not in exif  # no GPS, no camera make
        assert image.size == (40, 30)


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (lambda: pdf("big.pdf", size=MAX_MB * 1024 * 1024 + 1), ["big.pdf", f"{MAX_MB} MB"]),
        (
            lambda: SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo", "image/jpeg"),
            ["photo.jpg"],
        ),
        (lambda: SimpleUploadedFile("note.txt", "你好".encode(), "text/plain"), ["note.txt"]),
        (
            lambda: SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff\xe0garbage", "image/jpeg"),
            ["broken.jpg"],
        ),
    ],
)
def test_a_bad_attachment_refuses_the_complaint_and_writes_nothing(daily, _media, upload, words):
    with pytest.raises(InvalidInput) as err:
        complaint(daily, files=[jpeg("ok.jpg"), upload()])
    message = str(err.value.fields["attachments"][0])
    assert all(w in message for w in words), message
    assert not Complaint.objects.exists()
    assert not ComplaintAttachment.objects.exists() and not ComplaintEvent.objects.exists()
    assert stored_files(_media) == []


def test_too_many_files(daily, _media):
    with pytest.raises(InvalidInput) as err:
        complaint(daily, files=[jpeg(f"{i}.jpg") for i in range(MAX_FILES + 1)])
    assert str(MAX_FILES) in str(err.value.fields["attachments"][0])
    c = complaint(daily, files=[jpeg(f"{i}.jpg") for i in range(MAX_FILES)])
    with pytest.raises(InvalidInput):
        services.add_note(
            actor=daily.parents[daily.children[0].pk],
            complaint=c,
            side="family",
            note="再补一张",
            files=[jpeg()],
        )
    assert c.attachments.count() == MAX_FILES
    assert len(stored_files(_media)) == MAX_FILES


def test_files_written_before_a_failure_are_removed(daily, _media, monkeypatch):
    from feedback.services.complaints import common as module

    def boom(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(module, "record_event", boom)
    with pytest.raises(RuntimeError):
        complaint(daily, files=[jpeg(), pdf()])
    assert stored_files(_media) == []
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("filer", 200),
        ("principal_a1", 200),
        ("admin_a1", 200),
        ("official_a", 200),
        ("care_a1", 404),  # the teacher complained about
        ("teacher_a1", 404),
        ("parent_a2", 404),
        ("principal_a2", 404),
        ("official_b", 404),
    ],
)
def test_attachments_are_visible_only_to_the_parties(daily, world, client, login, user_key, status):
    c = complaint(daily, files=[pdf()])
    item = c.attachments.get()
    user = daily.parents[daily.children[0].pk] if user_key == "filer" else world.users[user_key]
    login(user)
    response = client.get(reverse("complaint_attachment", args=[item.public_id]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_school_gets_numbered_file_names_for_an_anonymous_complaint(
    daily, world, client, login
):
    c = complaint(daily, anonymous=True, files=[pdf("王小明妈妈的收据.pdf")])
    item = c.attachments.get()
    login(world.users["principal_a1"])
    response = client.get(reverse("complaint_attachment", args=[item.public_id]))
    assert "王小明" not in response["Content-Disposition"]
    page = client.get(reverse("complaint_detail", args=[c.public_id])).content.decode()
    assert "王小明" not in page and "1.pdf" in page
    login(world.users["official_a"])
    response = client.get(reverse("complaint_attachment", args=[item.public_id]))
    assert "%E7%8E%8B%E5%B0%8F%E6%98%8E" in response["Content-Disposition"]  # 王小明


def test_upload_through_the_page(daily, world, client, login, _media):
    parent = daily.parents[daily.children[0].pk]
    login(parent)
    bad = io.BytesIO(b"#!/bin/sh\nrm -rf /\n")
    bad.name = "run.jpg"
    response = client.post(
        reverse("complaint_new"),
        {
            "student": str(daily.children[0].public_id),
            "category": "safety",
            "incident_date": "2026-12-02",
            "description": "门口有积水",
            "files": [bad],
        },
    )
    assert response.status_code == 400
    assert "run.jpg" in response.content.decode()
    assert not Complaint.objects.exists() and stored_files(_media) == []
