"""Minors' data at rest (issue 14): 学籍号 and mobiles encrypted, matched through a keyed hash.

The decisive test dumps the test database with pg_dump and greps it: no plaintext 学籍号 or
mobile may be found anywhere (tables, audit rows, outbox), nor in the logs or the roster export.
"""

import logging
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from aftercare import crypto
from aftercare.checks import personal_data_keys
from aftercare.models import User
from enrollment.models import SmsCode, Student
from enrollment.selectors.families import student_number_match, students_by_number
from tests.factories import (
    PASSWORD,
    ParentUserFactory,
    SchoolClassFactory,
    StudentFactory,
    UserFactory,
    member,
)

NUMBER = "G4403051234567"  # distinctive: found in a dump only if stored in plaintext
MOBILE = "13912345678"
GUARDIAN_MOBILE = "13787654321"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_values_are_encrypted_in_the_table_and_plain_in_python():
    student = StudentFactory(student_number=NUMBER, guardian_mobile=GUARDIAN_MOBILE)
    stored = _raw("enrollment_student", "student_number", student.pk)
    assert stored.startswith(crypto.PREFIX) and NUMBER not in stored
    assert GUARDIAN_MOBILE not in _raw("enrollment_student", "guardian_mobile", student.pk)
    again = Student.objects.get(pk=student.pk)
    assert again.student_number == NUMBER and again.guardian_mobile == GUARDIAN_MOBILE
    # Random nonce: the same value twice gives two ciphertexts, one hash.
    other = StudentFactory(student_number="X1", guardian_mobile=GUARDIAN_MOBILE)
    assert _raw("enrollment_student", "guardian_mobile", other.pk) != _raw(
        "enrollment_student", "guardian_mobile", student.pk
    )
    assert other.guardian_mobile_hash == student.guardian_mobile_hash


@pytest.mark.django_db
def test_exact_lookups_use_the_hash_and_other_lookups_are_refused():
    student = StudentFactory(student_number=NUMBER)
    StudentFactory(student_number=NUMBER + "9")
    assert list(Student.objects.filter(student_number=NUMBER)) == [student]
    assert list(Student.objects.filter(student_number__in=[NUMBER, "nope"])) == [student]
    assert not Student.objects.filter(student_number=NUMBER[:-1]).exists()
    assert list(Student.objects.filter(student_number_match(NUMBER))) == [student]
    assert not Student.objects.filter(student_number_match("")).exists()
    with pytest.raises(FieldError):
        list(Student.objects.filter(student_number__icontains=NUMBER[:4]))
    with pytest.raises(FieldError):
        list(Student.objects.filter(student_number__startswith="G"))


@pytest.mark.django_db
def test_students_by_number_is_scoped_to_who_asks():
    from aftercare.tenancy import Scope

    student = StudentFactory(student_number=NUMBER)
    stranger = StudentFactory(student_number=NUMBER)  # same number in another district
    principal = UserFactory()
    member(principal, "principal", school=student.school)
    found = list(students_by_number(scope=Scope(principal), number=f" {NUMBER} "))
    assert found == [student] and stranger not in found


@pytest.mark.django_db
def test_update_and_bulk_update_keep_the_hash_in_step():
    student = StudentFactory(student_number=NUMBER)
    Student.objects.filter(pk=student.pk).update(student_number="NEW-1")
    assert not Student.objects.filter(student_number=NUMBER).exists()
    assert Student.objects.get(student_number="NEW-1").pk == student.pk
    student.refresh_from_db()
    student.student_number = "NEW-2"
    Student.objects.bulk_update([student], ["student_number"])
    assert Student.objects.get(student_number="NEW-2").pk == student.pk
    student.student_number = "NEW-3"
    student.save()
    assert Student.objects.get(student_number="NEW-3").pk == student.pk
    assert not Student.objects.filter(student_number="NEW-2").exists()


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_number_in_a_school():
    student = StudentFactory(student_number=NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(
            district=student.district,
            school=student.school,
            school_class=student.school_class,
            student_number=NUMBER,
            name="重复",
            gender="M",
        )


@pytest.mark.django_db
def test_login_by_mobile_still_works(client):
    parent = ParentUserFactory(mobile=MOBILE)
    assert MOBILE not in _raw("aftercare_user", "mobile", parent.pk)
    assert User.objects.get(mobile=MOBILE) == parent
    response = client.post("/accounts/login/", {"username": MOBILE, "password": PASSWORD})
    assert response.status_code == 302
    assert response.wsgi_request.user == parent
    # a second account with the same mobile is refused by the database (unique hash)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(mobile=MOBILE, password="x")


def test_wrong_key_does_not_decrypt_and_rotation_keeps_old_values():
    sealed = crypto.encrypt(NUMBER, kind="student_number")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed, kind="mobile")  # the kind is authenticated
    new_key = "k2:" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, crypto.DEV_FIELD_ENCRYPTION_KEY]):
        assert crypto.decrypt(sealed, kind="student_number") == NUMBER  # old key still reads
        assert crypto.encrypt(NUMBER, kind="student_number").startswith("enc1:k2:")
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[new_key]),
        pytest.raises(crypto.DecryptionError),
    ):
        crypto.decrypt(sealed, kind="student_number")
    with override_settings(FIELD_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        crypto.encrypt(NUMBER, kind="student_number")


def test_production_refuses_missing_or_development_keys():
    with override_settings(FIELD_ENCRYPTION_KEYS=[], BLIND_INDEX_KEY=""):
        assert {e.id for e in personal_data_keys()} == {"aftercare.E010"}
        assert len(personal_data_keys()) == 2
    with override_settings(
        FIELD_ENCRYPTION_KEYS=[crypto.DEV_FIELD_ENCRYPTION_KEY],
        BLIND_INDEX_KEY=crypto.DEV_BLIND_INDEX_KEY,
    ):
        assert len(personal_data_keys()) == 2
    with override_settings(FIELD_ENCRYPTION_KEYS=["k:c2hvcnQ="], BLIND_INDEX_KEY="x" * 40):
        assert len(personal_data_keys()) == 1  # a 5-byte key
    with override_settings(
        FIELD_ENCRYPTION_KEYS=["k1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="],
        BLIND_INDEX_KEY="a-real-random-blind-index-key-0123456789",
    ):
        assert personal_data_keys() == []


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_holds_no_plaintext_number_or_mobile(client, caplog):
    """Through the real flows: roster rows, a parent account, a binding, an SMS code, an
    audit trail, the roster export; then pg_dump the whole database and grep it."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed")
    caplog.set_level(logging.DEBUG)
    klass = SchoolClassFactory()
    student = StudentFactory(
        school_class=klass, student_number=NUMBER, guardian_mobile=MOBILE, name="王小明"
    )
    parent = ParentUserFactory(mobile=MOBILE, full_name="")
    SmsCode.objects.create(
        mobile=GUARDIAN_MOBILE,
        purpose="signup",
        code_hash="x",
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    # The parent binds the child by 学籍号 + name (matched through the hash, audited).
    client.force_login(parent)
    response = client.post(
        "/family/children/add/",
        {"student_number": NUMBER, "student_name": "王小明", "relation": "mother"},
    )
    assert response.status_code == 302
    assert student.guardianships.filter(user=parent).exists()
    client.get("/")
    # Staff read the child's record (audited), the roster and its export.
    principal = UserFactory()
    member(principal, "principal", school=student.school)
    client.force_login(principal)
    assert client.get(f"/students/{student.public_id}/").status_code == 200
    assert client.get(f"/school/{student.school.public_id}/roster/").status_code == 200
    export = client.get(f"/school/{student.school.public_id}/roster/export/")
    assert export.status_code == 200
    exported = b"".join(export.streaming_content) if export.streaming else export.content
    assert exported  # the export is where staff get the numbers they need (xlsx, staff only)
    Student.objects.filter(pk=student.pk).update(guardian_mobile=GUARDIAN_MOBILE)

    settings = connection.settings_dict
    dump = subprocess.run(
        [
            pg_dump,
            "--data-only",
            "-h",
            settings.get("HOST") or "127.0.0.1",
            "-p",
            str(settings.get("PORT") or 5432),
            "-U",
            "postgres",
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert "enrollment_student" in dump and crypto.PREFIX in dump  # the dump is real
    for secret in (NUMBER, MOBILE, GUARDIAN_MOBILE):
        assert secret not in dump, f"{secret} in plaintext in the database dump"
        assert secret not in caplog.text, f"{secret} in the logs"
