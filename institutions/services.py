"""Writes of the institutions lifecycle: price policy, batches, accounts, applications and
their review, instructors.

Every function owns its transaction, checks the whole request before writing, raises
``InvalidInput`` (400, with the reason per field), ``NotAllowed`` (403) or ``Conflict`` (409),
and records an audit event. Nothing is half-written: an application with one course above the
ceiling writes no course and no application. The uniqueness of an application per batch and
institution is backed by a partial unique constraint (a concurrent second submission fails
there and gets the same message). Notifications go through the outbox after commit.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import District, User
from aftercare.notifications import notify
from aftercare.rules import require
from aftercare.tenancy import Scope
from institutions import rules
from institutions.models import (
    AdmissionBatch,
    Application,
    ApplicationCourse,
    ApplicationStatus,
    BatchStatus,
    Institution,
    InstitutionAccount,
    InstitutionPolicy,
    InstitutionStatus,
    Instructor,
    PaymentMode,
)
from institutions.selectors import check_problem  # noqa: F401 (used by pages and the API)

MAX_COURSES = 30


def _require_official(actor: User, district_id: int) -> None:
    require(
        rules.can_manage_admission(Scope(actor), district_id),
        _("Only the district's officials can do this."),
    )


def _require_acting_for(actor: User, institution: Institution) -> None:
    require(
        rules.acts_for(Scope(actor), institution),
        _("Only the institution's own account can do this."),
    )


def yuan(fen: int) -> str:
    return f"{fen / 100:.2f}"


# --------------------------------------------------------------------------- policy


@transaction.atomic
def save_policy(
    *,
    actor: User,
    district: District,
    price_ceiling_fen: int,
    ceiling_basis: str = "",
    families_may_pay: bool = False,
    satisfaction_threshold: int = 80,
) -> InstitutionPolicy:
    """Set the district's price ceiling per 课时, its basis, whether courses may be charged to
    families separately, and the satisfaction threshold of the exit rule."""
    _require_official(actor, district.pk)
    errors: dict[str, list] = {}
    if not isinstance(price_ceiling_fen, int) or price_ceiling_fen <= 0:
        errors["price_ceiling_fen"] = [_("Enter a ceiling above zero.")]
    if not 0 <= int(satisfaction_threshold) <= 100:
        errors["satisfaction_threshold"] = [_("Enter a percentage between 0 and 100.")]
    if errors:
        raise InvalidInput(fields=errors)
    policy, _created = InstitutionPolicy.objects.select_for_update().update_or_create(
        district=district,
        defaults={
            "price_ceiling_fen": price_ceiling_fen,
            "ceiling_basis": ceiling_basis.strip()[:200],
            "families_may_pay": bool(families_may_pay),
            "satisfaction_threshold": int(satisfaction_threshold),
        },
    )
    record_event(
        actor=actor,
        action="institutions.policy_saved",
        obj=district,
        payload={
            "price_ceiling_fen": price_ceiling_fen,
            "families_may_pay": bool(families_may_pay),
            "satisfaction_threshold": int(satisfaction_threshold),
        },
    )
    return policy


# --------------------------------------------------------------------------- batches


@transaction.atomic
def open_batch(
    *,
    actor: User,
    district: District,
    title: str,
    opens_on: date,
    closes_on: date,
    requirements: str = "",
    valid_until: date | None = None,
) -> AdmissionBatch:
    """Open a call (批次). The district's price policy must exist first (the ceilings are what
    applicants are held to)."""
    _require_official(actor, district.pk)
    title = (title or "").strip()
    errors: dict[str, list] = {}
    if not title:
        errors["title"] = [_("Enter a title.")]
    if opens_on and closes_on and closes_on < opens_on:
        errors["closes_on"] = [_("The last day comes before the first.")]
    if errors:
        raise InvalidInput(fields=errors)
    if not InstitutionPolicy.objects.filter(district=district).exists():
        raise Conflict(
            _("Set the price ceiling before opening a batch."), code="no_institution_policy"
        )
    try:
        with transaction.atomic():
            batch = AdmissionBatch.objects.create(
                district=district,
                title=title[:100],
                requirements=requirements.strip(),
                opens_on=opens_on,
                closes_on=closes_on,
                valid_until=valid_until,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise InvalidInput(
            fields={"title": [_("The district already has a batch of this title.")]}
        ) from exc
    record_event(actor=actor, action="institutions.batch_opened", obj=batch)
    return batch


@transaction.atomic
def close_batch(*, actor: User, batch: AdmissionBatch) -> AdmissionBatch:
    _require_official(actor, batch.district_id)
    batch = AdmissionBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == BatchStatus.CLOSED:
        raise Conflict(_("The batch is already closed."))
    batch.status = BatchStatus.CLOSED
    batch.save(update_fields=["status"])
    record_event(actor=actor, action="institutions.batch_closed", obj=batch)
    return batch


# --------------------------------------------------------------------------- accounts


@transaction.atomic
def open_account(
    *, actor: User, district: District, name: str, username: str, password: str
) -> InstitutionAccount:
    """Register an institution (as an applicant) with the account its staff log in with."""
    _require_official(actor, district.pk)
    name, username = (name or "").strip(), (username or "").strip()
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("Enter the institution's name.")]
    if not username:
        errors["username"] = [_("Enter a username.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is taken.")]
    if len(password or "") < 8:
        errors["password"] = [_("The password needs at least 8 characters.")]
    if not errors and Institution.objects.filter(district=district, name=name).exists():
        errors["name"] = [_("The district already lists an institution of this name.")]
    if errors:
        raise InvalidInput(fields=errors)
    institution = Institution.objects.create(
        district=district, name=name[:100], licence_number="", status=InstitutionStatus.APPLICANT
    )
    user = User(username=username, full_name=name[:64])
    user.set_password(password)
    user.save()
    account = InstitutionAccount.objects.create(
        district=district, institution=institution, user=user
    )
    record_event(actor=actor, action="institutions.account_opened", obj=institution)
    return account


# --------------------------------------------------------------------------- instructors


_RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def valid_id_card(number: str) -> bool:
    """An 18-character resident ID number with a correct check character (GB 11643)."""
    n = (number or "").strip().upper()
    if len(n) != 18 or not n[:17].isdigit() or not (n[17].isdigit() or n[17] == "X"):
        return False
    total = sum(int(d) * w for d, w in zip(n[:17], _RIC_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == n[17]


def id_card_hash(number: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, number.strip().upper().encode(), hashlib.sha256).hexdigest()


INSTRUCTOR_DATES = (
    "qualification_valid_until",
    "background_checked_on",
    "consent_given_on",
    "background_check_valid_until",
    "health_certificate_valid_until",
)


@transaction.atomic
def save_instructor(
    *,
    actor: User,
    institution: Institution,
    data: dict[str, Any],
    instructor: Instructor | None = None,
) -> Instructor:
    """Add an instructor to the institution's staff list or update their checks. The
    background check needs the person's consent, given on or before the check."""
    _require_acting_for(actor, institution)
    errors: dict[str, list] = {}
    full_name = (data.get("full_name") or (instructor.full_name if instructor else "")).strip()
    if not full_name:
        errors["full_name"] = [_("Enter the name.")]
    id_card = (data.get("id_card") or "").strip().upper()
    if (instructor is None or id_card) and not valid_id_card(id_card):
        errors["id_card"] = [_("Enter a valid 18-character ID card number.")]
    qualification = (
        data.get("qualification") or (instructor.qualification if instructor else "")
    ).strip()
    if not qualification:
        errors["qualification"] = [_("Enter the qualification (certificate and its number).")]
    dates = {
        f: data.get(f, getattr(instructor, f) if instructor else None) for f in INSTRUCTOR_DATES
    }
    if dates["background_checked_on"] and not dates["consent_given_on"]:
        errors["consent_given_on"] = [_("A background check needs the person's consent first.")]
    elif (
        dates["background_checked_on"]
        and dates["consent_given_on"]
        and dates["consent_given_on"] > dates["background_checked_on"]
    ):
        errors["consent_given_on"] = [_("The consent must come before the check.")]
    if errors:
        raise InvalidInput(fields=errors)
    target = instructor or Instructor(district=institution.district, institution=institution)
    target.full_name = full_name[:64]
    target.qualification = qualification[:120]
    target.mobile = (data.get("mobile") or target.mobile or "").strip()
    if "sexual_offence_checked" in data:
        target.sexual_offence_checked = bool(data["sexual_offence_checked"])
    for f, value in dates.items():
        setattr(target, f, value)
    if id_card:
        target.id_card_hash = id_card_hash(id_card)
        target.id_card_last4 = id_card[-4:]
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:
        raise InvalidInput(
            fields={"id_card": [_("This person is already on the institution's staff list.")]}
        ) from exc
    record_event(
        actor=actor,
        action="institutions.instructor_saved",
        obj=target,
        payload={"created": instructor is None},
    )
    return target


# --------------------------------------------------------------------------- applications


def _clean_courses(courses: list[dict], policy: InstitutionPolicy | None) -> tuple[list, dict]:
    errors: dict[str, list] = {}
    cleaned = []
    if not courses:
        errors["courses"] = [_("List at least one course.")]
    if len(courses) > MAX_COURSES:
        errors["courses"] = [_("At most %(n)d courses per application.") % {"n": MAX_COURSES}]
    problems = []
    for n, raw in enumerate(courses, start=1):
        name = (raw.get("name") or "").strip()
        content = (raw.get("content") or "").strip()
        price = raw.get("price_fen")
        payment = raw.get("payment") or PaymentMode.SERVICE_FUND
        label = name or _("course %(n)d") % {"n": n}
        if not name or not content:
            problems.append(_("%(course)s: enter its name and content.") % {"course": label})
            continue
        if not isinstance(price, int) or price <= 0:
            problems.append(_("%(course)s: enter a price above zero.") % {"course": label})
            continue
        if policy is not None and price > policy.price_ceiling_fen:
            problems.append(
                _(
                    "%(course)s: %(price)s yuan per lesson is above the district's ceiling "
                    "of %(cap)s yuan."
                )
                % {"course": label, "price": yuan(price), "cap": yuan(policy.price_ceiling_fen)}
            )
            continue
        if payment not in PaymentMode.values:
            problems.append(_("%(course)s: choose who pays.") % {"course": label})
            continue
        if payment == PaymentMode.FAMILIES and not (policy and policy.families_may_pay):
            problems.append(
                _(
                    "%(course)s: the district does not allow charging families separately; "
                    "it is paid from the school's service fund."
                )
                % {"course": label}
            )
            continue
        cleaned.append(
            {
                "name": name[:60],
                "content": content,
                "grades": (raw.get("grades") or "").strip()[:40],
                "price_fen": price,
                "payment": payment,
            }
        )
    if problems:
        errors.setdefault("courses", []).extend(problems)
    return cleaned, errors


def _duplicate() -> InvalidInput:
    return InvalidInput(
        _("The institution has already applied in this batch."),
        code="duplicate_application",
        fields={"batch": [_("The institution has already applied in this batch.")]},
    )


@transaction.atomic
def submit_application(
    *,
    actor: User,
    institution: Institution,
    batch: AdmissionBatch,
    licence_number: str,
    licence_valid_until: date | None,
    supervision_platform_no: str,
    courses: list[dict],
    staff: list[Instructor] = (),
    note: str = "",
) -> Application:
    """Apply in an open batch with the licence, the supervision platform registration number,
    the course list (content and price per 课时) and the staff list. Refused with the reason:
    the batch not open (409); an expired licence, a price above the ceiling, charging families
    where the policy does not allow it, a second application in the same batch (400)."""
    _require_acting_for(actor, institution)
    today = timezone.localdate()
    if batch.district_id != institution.district_id:
        raise InvalidInput(fields={"batch": [_("Choose a batch of your district.")]})
    if institution.status == InstitutionStatus.EXITED:
        raise Conflict(_("The institution was removed from the list and cannot apply again."))
    if not batch.is_open_on(today):
        raise Conflict(
            _("The batch takes applications from %(start)s to %(end)s.")
            % {"start": batch.opens_on, "end": batch.closes_on},
            code="batch_not_open",
        )
    errors: dict[str, list] = {}
    licence_number = (licence_number or "").strip()
    if not licence_number:
        errors["licence_number"] = [_("Enter the licence number.")]
    if licence_valid_until is None:
        errors["licence_valid_until"] = [_("Enter the date the licence is valid until.")]
    elif licence_valid_until < today:
        errors["licence_valid_until"] = [
            _("The licence expired on %(date)s.") % {"date": licence_valid_until}
        ]
    platform_no = (supervision_platform_no or "").strip()
    if not platform_no:
        errors["supervision_platform_no"] = [
            _("Enter the registration number on the national supervision platform.")
        ]
    policy = InstitutionPolicy.objects.filter(district_id=batch.district_id).first()
    cleaned, course_errors = _clean_courses(list(courses), policy)
    errors.update(course_errors)
    staff = list(staff)
    if not staff:
        errors["staff"] = [_("List the instructors who will teach.")]
    elif any(i.institution_id != institution.pk for i in staff):
        errors["staff"] = [_("List only your own instructors.")]
    if errors:
        raise InvalidInput(fields=errors)
    if (
        Application.objects.filter(batch=batch, institution=institution)
        .exclude(status=ApplicationStatus.WITHDRAWN)
        .exists()
    ):
        raise _duplicate()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                district=batch.district,
                batch=batch,
                institution=institution,
                licence_number=licence_number[:64],
                licence_valid_until=licence_valid_until,
                supervision_platform_no=platform_no[:64],
                note=(note or "").strip(),
                submitted_by=actor,
            )
    except IntegrityError as exc:
        raise _duplicate() from exc
    ApplicationCourse.objects.bulk_create(
        [ApplicationCourse(district=batch.district, application=application, **c) for c in cleaned]
    )
    application.staff.set(staff)
    record_event(
        actor=actor,
        action="institutions.applied",
        obj=application,
        payload={"courses": len(cleaned), "staff": len(staff)},
    )
    return application


@transaction.atomic
def review_application(
    *, actor: User, application: Application, approve: bool, score: int | None, reason: str = ""
) -> Application:
    """Score an application and approve or refuse it (a refusal needs its reason). Approval puts
    the institution on the district's published list with this application's courses and
    prices (licence and platform number copied onto it). The institution's accounts are told."""
    _require_official(actor, application.district_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.SUBMITTED:
        raise Conflict(
            _("This application was already decided (%(status)s).")
            % {"status": application.get_status_display()}
        )
    reason = (reason or "").strip()
    errors: dict[str, list] = {}
    if score is None or not 0 <= int(score) <= 100:
        errors["score"] = [_("Enter a score between 0 and 100.")]
    if not approve and not reason:
        errors["reason"] = [_("Give the reason for the refusal.")]
    if errors:
        raise InvalidInput(fields=errors)
    now = timezone.now()
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REFUSED
    application.score = int(score)
    application.decision_reason = reason
    application.reviewed_by = actor
    application.reviewed_at = now
    application.save(
        update_fields=["status", "score", "decision_reason", "reviewed_by", "reviewed_at"]
    )
    institution = Institution.objects.select_for_update().get(pk=application.institution_id)
    if approve:
        courses = list(application.courses.order_by("id"))
        institution.status = InstitutionStatus.APPROVED
        institution.status_note = reason[:200]
        institution.status_changed_at = now
        institution.approved_application = application
        institution.licence_number = application.licence_number
        institution.licence_valid_until = application.licence_valid_until
        institution.supervision_platform_no = application.supervision_platform_no
        institution.price_list = "\n".join(
            f"{c.name}：{yuan(c.price_fen)} 元/课时" for c in courses
        )
        institution.save()
    record_event(
        actor=actor,
        action="institutions.approved" if approve else "institutions.refused",
        obj=application,
        payload={"score": int(score), "reason": reason[:200]},
    )
    title = (
        _("Your application in “%(batch)s” was approved")
        if approve
        else _("Your application in “%(batch)s” was refused")
    ) % {"batch": application.batch.title}
    for account in InstitutionAccount.objects.filter(institution=institution).select_related(
        "user"
    ):
        notify(
            recipient=account.user,
            district=application.district,
            title=title,
            body=reason,
        )
    return application
