"""Writes of the enrollment app: the school roster, parent sign-up by SMS code, binding a child.

Keyword-only functions, each owning its transaction and writing an audit event. They raise
``aftercare.errors.DomainError`` subclasses (``enrollment.errors``) with translated messages;
nothing is half-written when they do. Rate limits that must survive the refusal (wrong SMS
codes, failed bindings) are committed in their own short transaction before the error is
raised.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import math
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.audit import record_event
from aftercare.auth import normalize_login
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import Role, School, SchoolClass, User, mobile_validator
from aftercare.notifications import notify, send_sms
from aftercare.services import grant_role
from aftercare.tenancy import Scope
from enrollment import rules
from enrollment.errors import (
    AlreadyRegistered,
    NoMatchingStudent,
    RosterConflict,
    RosterInvalid,
    TooManyRequests,
)
from enrollment.models import (
    SMS_CODE_MAX_ATTEMPTS,
    SMS_CODE_TTL,
    SMS_DAILY_LIMIT,
    SMS_RESEND_COOLDOWN,
    BindAttempt,
    Guardianship,
    Relation,
    SmsCode,
    SmsPurpose,
    Student,
)
from enrollment.resources import (
    FORMULA_START,
    RosterResource,
    normal_student_number,
    read_roster_file,
)

logger = logging.getLogger(__name__)

BIND_MAX_FAILURES = 5
BIND_WINDOW = timedelta(hours=1)
NAME_MAX = User._meta.get_field("full_name").max_length


def _advisory_lock(key: str) -> None:
    """Serialize work on ``key`` until the end of the transaction (PostgreSQL)."""
    digest = hashlib.sha256(key.encode()).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
        )


# =========================================================================== roster


@dataclass
class RosterImportResult:
    """Counts of an import (or of the dry run that previews it)."""

    dry_run: bool
    rows: int
    new: int
    updated: int
    unchanged: int
    classes_created: int
    homeroom_changes: int
    not_in_file: int
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "classes_created": self.classes_created,
            "homeroom_changes": self.homeroom_changes,
            "not_in_file": self.not_in_file,
            "ignored_columns": self.ignored_columns,
        }


def _lock_school(school: School) -> None:
    """Hold the school's row lock to the end of the transaction: its roster imports queue up,
    and each plans against what the one before it wrote."""
    School.objects.select_for_update().filter(pk=school.pk).first()


def _update_students(students: list[Student], *, now: datetime) -> None:
    """Write the imported fields of existing students: one ``UPDATE … FROM (VALUES …)`` per
    1000 students. (Django's ``bulk_update`` builds a CASE per field and row: 3 s in Python
    for 3000 students; this takes a few hundred milliseconds.)"""
    qn = connection.ops.quote_name
    columns = ["name", "gender", "school_class_id", "guardian_mobile", "is_active", "updated_at"]
    types = ["varchar", "varchar", "bigint", "varchar", "boolean", "timestamptz"]
    row = "(%s::bigint, " + ", ".join(f"%s::{t}" for t in types) + ")"
    sets = ", ".join(f"{qn(c)} = v.{qn(c)}" for c in columns)
    names = ", ".join(qn(c) for c in columns)
    table = qn(Student._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(students), 1000):
            chunk = students[start : start + 1000]
            params: list = []
            for s in chunk:
                s.updated_at = now
                params += [s.pk, s.name, s.gender, s.school_class.pk, s.guardian_mobile]
                params += [s.is_active, now]
            values = ", ".join([row] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS s SET {sets} FROM (VALUES {values}) AS v(id, {names}) "  # noqa: S608 - quoted names and placeholders only
                "WHERE s.id = v.id",
                params,
            )


def import_roster(
    *, actor: User, school: School, content: bytes, filename: str, dry_run: bool
) -> RosterImportResult:
    """Import a school's roster file (.xlsx/.csv), or with ``dry_run`` only check it.

    Every row is checked before anything is written; a file with any bad row is refused
    whole (``RosterInvalid`` with one ``RowError`` per bad cell). Students are matched by
    (school, 学籍号): new ones are created, changed ones updated, none duplicated. Classes
    named in the file are created when missing; a 班主任 cell sets that class's homeroom
    teacher. Students missing from the file are left alone (never deleted); blank optional
    cells keep what is on file. Writes happen in one transaction that holds the school's
    row lock, so two imports of one school never interleave; an audit event
    ``roster.imported`` records the counts.

    Errors: NotAllowed (not the school's principal/admin), RosterFileError (file level),
    RosterInvalid (rows), RosterConflict (a concurrent change broke a constraint).
    """
    if not rules.can_import_roster(Scope(actor), school):
        raise NotAllowed(_("Only the school's principal or administrators can import its roster."))
    sheet = read_roster_file(content, filename)
    with transaction.atomic():
        if not dry_run:
            _lock_school(school)
        resource = RosterResource(school=school, row_numbers=sheet.row_numbers)
        # The resource only plans (it never writes), so import-export runs it as a dry run.
        result = resource.import_data(sheet.dataset, dry_run=True, raise_errors=False)
        if result.base_errors:
            raise result.base_errors[0].error
        for _number, errors in result.row_errors():
            raise errors[0].error  # a defect, not bad input: let it surface
        problems = resource.error_report(result)
        if problems:
            raise RosterInvalid(problems)
        plan = resource.plan(result)
        summary = RosterImportResult(
            dry_run=dry_run,
            rows=len(sheet.dataset),
            new=len(plan.create),
            updated=len(plan.update),
            unchanged=plan.unchanged,
            classes_created=len(plan.new_classes),
            homeroom_changes=len(plan.homeroom_changes),
            not_in_file=plan.not_in_file,
            ignored_columns=sheet.ignored_columns,
        )
        if dry_run:
            return summary
        try:
            with transaction.atomic():
                for school_class, teacher in plan.homeroom_changes:
                    school_class.homeroom_teacher = teacher
                SchoolClass.objects.bulk_create(plan.new_classes)
                SchoolClass.objects.bulk_update(
                    [c for c, _t in plan.homeroom_changes if c not in plan.new_classes],
                    ["homeroom_teacher"],
                )
                Student.objects.bulk_create(plan.create, batch_size=1000)
                _update_students(plan.update, now=timezone.now())
        except IntegrityError as exc:
            raise RosterConflict() from exc
        record_event(
            actor=actor,
            action="roster.imported",
            obj=school,
            payload={
                "file": filename[:100],
                "sha256": hashlib.sha256(content).hexdigest(),
                **{k: v for k, v in summary.as_dict().items() if k != "dry_run"},
            },
        )
    return summary


def _csv_bytes(dataset) -> bytes:
    """UTF-8 with a BOM (so Excel reads the Chinese), text that looks like a formula quoted."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(dataset.headers)
    for row in dataset:
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in row]
        )
    return ("\ufeff" + out.getvalue()).encode()


EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def export_roster(*, actor: User, school: School, file_format: str) -> tuple[bytes, str, str]:
    """The school's students on the roll as .xlsx or .csv, in the import's columns.

    Returns (content, content type, file name). Audited as ``roster.exported`` (it is
    children's personal data). Errors: NotAllowed, InvalidInput (format).
    """
    if not rules.can_export_roster(Scope(actor), school):
        raise NotAllowed()
    if file_format not in EXPORT_TYPES:
        raise InvalidInput(fields={"format": [_("Choose xlsx or csv.")]})
    dataset = RosterResource(school=school).export_dataset()
    # escape: no xlsx cell becomes a formula
    content = _csv_bytes(dataset) if file_format == "csv" else dataset.export("xlsx", escape=True)
    record_event(
        actor=actor,
        action="roster.exported",
        obj=school,
        payload={"format": file_format, "students": len(dataset)},
    )
    filename = f"{school.name}-学生名册-{timezone.localdate():%Y%m%d}.{file_format}"
    return content, EXPORT_TYPES[file_format], filename


# =========================================================================== sign-up


def _clean_mobile(mobile: str) -> str:
    value = normalize_login(mobile or "")
    try:
        mobile_validator(value)
    except ValidationError as exc:
        raise InvalidInput(fields={"mobile": list(exc.messages)}) from exc
    return value


def _code_hash(mobile: str, purpose: str, code: str) -> str:
    return salted_hmac(
        "enrollment.SmsCode", f"{purpose}:{mobile}:{code}", algorithm="sha256"
    ).hexdigest()


def _local_midnight(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def request_signup_code(*, mobile: str, ip_address: str | None = None) -> SmsCode:
    """Send a 6-digit sign-up code by SMS to a mobile number that has no account yet.

    The code (stored only as an HMAC) is valid for 10 minutes and supersedes earlier codes.
    Limits, per mobile number: one code per 60 seconds, 10 per calendar day; per client
    address: ``settings.SMS_IP_LIMIT_PER_HOUR`` (60; generous, as carrier NAT puts many
    families behind one address; 0 turns it off). Concurrent
    requests for one number are serialized (advisory lock), so the limits hold under races.
    Errors: InvalidInput (mobile), AlreadyRegistered, TooManyRequests (``sms_cooldown``,
    ``sms_daily_limit``). The text is sent after the commit (``aftercare.notifications``); a
    failing gateway is retried there, the code stays valid meanwhile.
    """
    mobile = _clean_mobile(mobile)
    if User.objects.filter(mobile=mobile).exists():
        raise AlreadyRegistered()
    code = f"{secrets.randbelow(10**6):06d}"
    ip_limit = getattr(settings, "SMS_IP_LIMIT_PER_HOUR", 60)
    with transaction.atomic():
        if ip_address and ip_limit:
            _advisory_lock(f"sms-ip:{ip_address}")  # always before the mobile's lock
        _advisory_lock(f"sms:{mobile}")
        now = timezone.now()
        if (
            ip_address
            and ip_limit
            and SmsCode.objects.filter(
                ip_address=ip_address, created_at__gte=now - timedelta(hours=1)
            ).count()
            >= ip_limit
        ):
            raise TooManyRequests(
                _("Too many codes were requested from your network. Please try again later."),
                code="sms_ip_limit",
            )
        codes = SmsCode.objects.filter(mobile=mobile)
        latest = codes.order_by("-created_at").first()
        if latest is not None and now - latest.created_at < SMS_RESEND_COOLDOWN:
            wait = math.ceil((latest.created_at + SMS_RESEND_COOLDOWN - now).total_seconds())
            raise TooManyRequests(
                _(
                    "A code was sent less than a minute ago. You can ask for a new one in "
                    "%(seconds)d seconds."
                )
                % {"seconds": wait},
                code="sms_cooldown",
            )
        if codes.filter(created_at__gte=_local_midnight(now)).count() >= SMS_DAILY_LIMIT:
            raise TooManyRequests(
                _(
                    "This mobile number has already received %(max)d codes today, the daily "
                    "limit. Please try again tomorrow."
                )
                % {"max": SMS_DAILY_LIMIT},
                code="sms_daily_limit",
            )
        codes.filter(purpose=SmsPurpose.SIGNUP, used_at__isnull=True).update(used_at=now)
        sms = SmsCode.objects.create(
            mobile=mobile,
            purpose=SmsPurpose.SIGNUP,
            code_hash=_code_hash(mobile, SmsPurpose.SIGNUP, code),
            created_at=now,
            expires_at=now + SMS_CODE_TTL,
            ip_address=ip_address,
        )
        with translation.override(settings.LANGUAGE_CODE):  # SMS templates are Chinese
            text = _(
                "[After-school services] Your sign-up code is %(code)s. It is valid for "
                "%(minutes)d minutes. If you did not ask for it, ignore this message."
            ) % {"code": code, "minutes": SMS_CODE_TTL.seconds // 60}
        # Recorded here, sent after the commit (never under the advisory locks above).
        send_sms(mobile=mobile, text=text, key=f"signup-code:{sms.pk}")
    return sms


def sign_up_parent(
    *, mobile: str, code: str, full_name: str, password: str, ip_address: str | None = None
) -> User:
    """Create a parent's account (mobile, name, password; no user name) with an SMS code.

    The code must be the latest one sent to the mobile, unexpired and not used; each wrong
    code counts (5 per code, then a new code is needed) and the count is kept even though the
    call fails. A right code with an invalid name or password is not used up. The password
    passes Django's validators. Audited as ``account.signed_up``. The caller logs the user in.
    Errors: InvalidInput (mobile, code, full_name, password), AlreadyRegistered.
    """
    mobile = _clean_mobile(mobile)
    full_name = (full_name or "").strip()
    code = (code or "").strip()
    errors: dict[str, list[str]] = {}
    if not full_name:
        errors["full_name"] = [_("Fill in your name.")]
    elif len(full_name) > NAME_MAX:
        errors["full_name"] = [_("A name may have at most %(max)d characters.") % {"max": NAME_MAX}]
    try:
        validate_password(password or "", user=User(mobile=mobile, full_name=full_name))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if not code:
        errors["code"] = [_("Fill in the code from the text message.")]
    elif not (len(code) == 6 and code.isdigit()):
        errors["code"] = [_("The code has 6 digits.")]
    if User.objects.filter(mobile=mobile).exists():
        raise AlreadyRegistered()
    if "code" in errors:
        raise InvalidInput(fields=errors)

    user = None
    with transaction.atomic():
        _advisory_lock(f"sms:{mobile}")
        now = timezone.now()
        sms = (
            SmsCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=SmsPurpose.SIGNUP, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if sms is None or sms.expires_at <= now:
            errors["code"] = [_("The code has expired. Ask for a new one.")]
        elif sms.attempts >= SMS_CODE_MAX_ATTEMPTS:
            errors["code"] = [_("Too many wrong codes. Ask for a new one.")]
        elif not constant_time_compare(sms.code_hash, _code_hash(mobile, sms.purpose, code)):
            SmsCode.objects.filter(pk=sms.pk).update(attempts=F("attempts") + 1)
            left = SMS_CODE_MAX_ATTEMPTS - sms.attempts - 1
            errors["code"] = [
                ngettext(
                    "The code is wrong. You can try %(count)d more time.",
                    "The code is wrong. You can try %(count)d more times.",
                    left,
                )
                % {"count": left}
                if left
                else _("Too many wrong codes. Ask for a new one.")
            ]
        elif not errors:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(
                        mobile=mobile, password=password, full_name=full_name
                    )
            except IntegrityError as exc:
                raise AlreadyRegistered() from exc
            sms.used_at = now
            sms.save(update_fields=["used_at"])
            record_event(
                actor=user,
                action="account.signed_up",
                obj=user,
                payload={"via": "sms_code"},
                ip_address=ip_address,
            )
    if user is None:  # raised here, after the wrong-code count was committed
        raise InvalidInput(fields=errors)
    return user


# =========================================================================== binding


def bind_child(
    *, user: User, student_number: str, student_name: str, relation: str
) -> tuple[Guardianship, bool]:
    """Link ``user`` as a guardian of the student with exactly this 学籍号 and name.

    Both are compared exactly after trimming spaces (the number's letters in either case, as
    the roster stores them in capitals); a student no longer on the roll does not match.
    On a match: a Guardianship and a parent Membership at the student's school (idempotent:
    binding again returns the existing link, with the relation updated), an audit event, and
    an inbox message to the child's other guardians. Returns (guardianship, created).
    A failed attempt is recorded; after 5 failures within an hour further attempts are
    refused, and the message never tells whether the student number exists.
    Errors: InvalidInput (fields), NoMatchingStudent, TooManyRequests (``bind_throttled``).
    """
    number = normal_student_number(student_number)
    name = (student_name or "").strip()
    errors: dict[str, list[str]] = {}
    if not number:
        errors["student_number"] = [_("Fill in the student number.")]
    if not name:
        errors["student_name"] = [_("Fill in the child's name.")]
    if relation not in Relation.values:
        errors["relation"] = [_("Choose how you are related to the child.")]
    if errors:
        raise InvalidInput(fields=errors)

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one attempt at a time
        now = timezone.now()
        failures = list(
            BindAttempt.objects.filter(user=user, created_at__gt=now - BIND_WINDOW)
            .order_by("-created_at")
            .values_list("created_at", flat=True)[:BIND_MAX_FAILURES]
        )
        throttled = len(failures) >= BIND_MAX_FAILURES
        if not throttled:
            matches = list(
                Student.objects.filter(student_number=number, name=name, is_active=True)
                .select_related("district", "school", "school_class")
                .order_by("pk")[:2]
            )
            if len(matches) == 1:
                return _link_guardian(user=user, student=matches[0], relation=relation)
            if len(matches) > 1:
                logger.warning("student number %s with one name in several schools", number)
            BindAttempt.objects.create(user=user, created_at=now)
            left = BIND_MAX_FAILURES - len(failures) - 1
    if throttled:
        retry = failures[-1] + BIND_WINDOW - now
        raise TooManyRequests(
            _("Too many failed attempts. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, math.ceil(retry.total_seconds() / 60))},
            code="bind_throttled",
        )
    if left:
        message = ngettext(
            "No student matches this student number and name. Check both against what the "
            "school has on record; the name must be written exactly as registered. You can "
            "try %(count)d more time within the hour.",
            "No student matches this student number and name. Check both against what the "
            "school has on record; the name must be written exactly as registered. You can "
            "try %(count)d more times within the hour.",
            left,
        ) % {"count": left}
    else:
        message = _(
            "No student matches this student number and name. Check both against what the "
            "school has on record; the name must be written exactly as registered."
        )
    raise NoMatchingStudent(message)


def _link_guardian(*, user: User, student: Student, relation: str) -> tuple[Guardianship, bool]:
    guardianship, created = Guardianship.objects.get_or_create(
        district=student.district,
        student=student,
        user=user,
        defaults={"school": student.school, "relation": relation},
    )
    grant_role(
        actor=None, user=user, role=Role.PARENT, district=student.district, school=student.school
    )
    if created:
        record_event(
            actor=user,
            action="guardianship.bound",
            obj=student,
            payload={"relation": relation},
        )
        _tell_other_guardians(guardianship)
    elif guardianship.relation != relation:
        old = guardianship.relation
        guardianship.relation = relation
        guardianship.save(update_fields=["relation"])
        record_event(
            actor=user,
            action="guardianship.relation_changed",
            obj=student,
            payload={"from": old, "to": relation},
        )
    return guardianship, created


def _tell_other_guardians(guardianship: Guardianship) -> None:
    """A new guardian of a child is announced to the others: they notice a stranger."""
    from django.urls import reverse

    student, user = guardianship.student, guardianship.user
    others = Guardianship.objects.filter(student=student).exclude(user=user).select_related("user")
    mobile = user.mobile or ""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("A new guardian was linked to %(child)s") % {"child": student.name}
        body = _(
            "%(guardian)s (%(relation)s, mobile ending in %(tail)s) is now linked to "
            "%(child)s as a guardian. If you do not know this person, contact the school."
        ) % {
            "guardian": user.full_name or _("Someone"),
            "relation": guardianship.get_relation_display(),
            "tail": mobile[-4:] or "—",
            "child": student.name,
        }
    url = reverse("student_detail", args=[student.public_id])
    for other in others:
        notify(recipient=other.user, district=student.district, title=title, body=body, url=url)


def purge_stale_records(*, now: datetime | None = None) -> dict[str, int]:
    """Delete sign-up codes and failed binding attempts older than two days (daily task).

    The limits that read them look back one day at most, so nothing they need goes.
    """
    cutoff = (now or timezone.now()) - timedelta(days=2)
    codes, _ = SmsCode.objects.filter(created_at__lt=cutoff).delete()
    attempts, _ = BindAttempt.objects.filter(created_at__lt=cutoff).delete()
    return {"sms_codes": codes, "bind_attempts": attempts}
