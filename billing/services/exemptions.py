"""Exemptions and reductions (减免, 建档立卡 free, hardship reduced …).

A guardian applies with one of the district policy's categories (``DistrictPolicy.exemptions``:
``{"code", "name", "reduction_percent"}``, optionally ``"applies_to_unpaid": false``) and an
evidence file; the school's principal or administrator verifies it or refuses with a reason.
A verified exemption reduces every line of the child's next billing. Where the category
applies to the current semester (``applies_to_unpaid``, the default) the child's open
invoice is re-issued at once (``billing.services.invoices.reissue``; a payment already
started gets a new order), and an invoice already paid is never changed: the difference is
refunded through the gateway to the original payment (``refunds.refund_exemption``, with
its computation shown to the family), and later refunds count the fee at the new rate.

Evidence: PDF, JPEG or PNG recognised by their first bytes (not the name or the browser's
word), at most ``BILLING_EVIDENCE_MAX_MB``, stored under ``BILLING_PRIVATE_ROOT`` (outside
the web root) with a random name, and served only through ``evidence_for`` to the family,
that school's staff and the district's officials (``Exemption.objects.visible_to``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, Membership, Semester, User
from aftercare.notifications import notify
from aftercare.rules import require_school_manager
from billing import conf
from billing.models import Exemption, ExemptionStatus, Invoice, InvoiceKind, InvoiceStatus
from billing.services import invoices as invoice_services
from billing.services import refunds as refund_services
from enrollment.models import Guardianship, Student
from plans.selectors import current_policy

SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)
REASON_MAX = 200


def categories(semester: Semester) -> list[dict]:
    policy = current_policy(semester)
    out = []
    for item in (policy.exemptions if policy else []) or []:
        try:
            percent = int(item.get("reduction_percent", 0))
        except (TypeError, ValueError):
            continue
        if item.get("code") and 1 <= percent <= 100:
            out.append(
                {
                    "code": str(item["code"]),
                    "name": str(item.get("name") or item["code"]),
                    "reduction_percent": percent,
                    "applies_to_unpaid": bool(item.get("applies_to_unpaid", True)),
                }
            )
    return out


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def _store(upload, school_id: int) -> tuple[Path, str, str, int]:
    limit = conf.evidence_max_bytes()
    if upload is None:
        raise InvalidInput(fields={"evidence": [_("Attach the evidence (PDF, JPG or PNG).")]})
    if upload.size > limit:
        raise InvalidInput(
            fields={
                "evidence": [
                    _("The file is %(size)s MB; at most %(limit)s MB.")
                    % {"size": round(upload.size / 1024 / 1024, 1), "limit": limit // 1024 // 1024}
                ]
            }
        )
    upload.seek(0)
    kind = sniff(upload.read(16))
    if kind is None:
        raise InvalidInput(fields={"evidence": [_("Only PDF, JPG or PNG files are accepted.")]})
    content_type, ext = kind
    relative = Path("exemptions") / str(school_id) / f"{uuid.uuid4().hex}{ext}"
    target = conf.private_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    upload.seek(0)
    size = 0
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise InvalidInput(fields={"evidence": [_("The file is too large.")]})
            out.write(chunk)
    return target, str(relative), content_type, size


def apply_exemption(
    *,
    actor: User,
    student: Student,
    semester: Semester,
    category: str,
    evidence,
    note: str = "",
    now: datetime | None = None,
) -> Exemption:
    """A guardian applies for an exemption of ``student`` in ``semester``. Audited as
    ``billing.exemption_applied``; the school's managers are told.

    Errors: NotAllowed (not a guardian); InvalidInput (category, evidence, note); Conflict
    ``exemption_exists`` (one pending or verified per child and semester)."""
    now = now or timezone.now()
    if not Guardianship.objects.filter(student=student, user=actor).exists():
        raise NotAllowed(_("Only the child's guardians can apply."))
    if semester.district_id != student.district_id:
        raise InvalidInput(fields={"semester": [_("Choose a semester of the child's school.")]})
    by_code = {c["code"]: c for c in categories(semester)}
    chosen = by_code.get(category)
    if chosen is None:
        raise InvalidInput(
            fields={"category": [_("Choose one of the district's exemption categories.")]}
        )
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise InvalidInput(
            fields={"note": [_("At most %(limit)s characters.") % {"limit": REASON_MAX}]}
        )
    path, relative, content_type, size = _store(evidence, student.school_id)
    try:
        with transaction.atomic():
            exemption = Exemption.objects.create(
                district_id=student.district_id,
                school_id=student.school_id,
                semester=semester,
                student=student,
                category=chosen["code"],
                category_name=chosen["name"][:60],
                reduction_percent=chosen["reduction_percent"],
                applies_to_unpaid=chosen["applies_to_unpaid"],
                note=note,
                evidence_path=relative,
                evidence_name=(getattr(evidence, "name", "") or "evidence")[-120:],
                evidence_type=content_type,
                evidence_size=size,
                applied_by=actor,
                applied_at=now,
            )
            record_event(
                actor=actor,
                action="billing.exemption_applied",
                obj=exemption,
                payload={"category": chosen["code"], "percent": chosen["reduction_percent"]},
            )
            _tell_managers(exemption)
    except IntegrityError as err:
        path.unlink(missing_ok=True)
        raise Conflict(
            _("%(student)s already has an exemption application for %(semester)s.")
            % {"student": student.name, "semester": semester.name},
            code="exemption_exists",
        ) from err
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return exemption


def _tell_managers(exemption: Exemption) -> None:
    url = reverse("billing_school", args=[exemption.school.public_id]) + "#exemptions"
    for m in Membership.objects.filter(
        school_id=exemption.school_id, role__in=MANAGER_ROLES
    ).select_related("user"):
        notify(
            recipient=m.user,
            district=exemption.district,
            title=_("Exemption to verify: %(student)s, %(category)s")
            % {"student": exemption.student.name, "category": exemption.category_name},
            url=url,
            key=f"exemption-applied:{exemption.pk}:{m.user_id}",
        )


def _tell_family(exemption: Exemption, title: str, body: str = "") -> None:
    for g in Guardianship.objects.filter(student_id=exemption.student_id).select_related("user"):
        notify(
            recipient=g.user,
            district=exemption.district,
            title=title,
            body=body,
            url=reverse("billing_family"),
        )


@transaction.atomic
def verify_exemption(
    *, actor: User, exemption: Exemption, now: datetime | None = None
) -> Exemption:
    """The school verifies the evidence: the exemption applies to the child's next billing
    and (per its category) re-issues the child's unpaid invoice. Audited as
    ``billing.exemption_verified``. Errors: NotAllowed; Conflict ``not_pending``."""
    now = now or timezone.now()
    exemption = (
        Exemption.objects.select_for_update()
        .select_related("school", "student")
        .get(pk=exemption.pk)
    )
    require_school_manager(actor, exemption.school)
    if exemption.status != ExemptionStatus.PENDING:
        raise Conflict(_("This exemption has already been decided."), code="not_pending")
    exemption.status = ExemptionStatus.VERIFIED
    exemption.decided_by, exemption.decided_at = actor, now
    exemption.save(update_fields=["status", "decided_by", "decided_at"])
    record_event(
        actor=actor,
        action="billing.exemption_verified",
        obj=exemption,
        payload={"category": exemption.category, "percent": exemption.reduction_percent},
    )
    reissued = refund = None
    if exemption.applies_to_unpaid:
        invoice = Invoice.objects.filter(
            district_id=exemption.district_id,
            semester_id=exemption.semester_id,
            student_id=exemption.student_id,
            kind=InvoiceKind.SEMESTER,
            status__in=[InvoiceStatus.OPEN, InvoiceStatus.PAID],
        ).first()
        if invoice is not None and invoice.status == InvoiceStatus.OPEN:
            reissued = invoice_services.reissue(
                invoice=invoice, actor=actor, exemption=exemption, reason="exemption"
            )
        elif invoice is not None:
            # Paid already: never re-priced; the difference goes back to the payment.
            refund = refund_services.refund_exemption(
                invoice=invoice, exemption=exemption, actor=actor
            )
    if reissued is not None:
        body = _("Your open invoice was re-issued: %(amount)s yuan now.") % {
            "amount": f"{reissued.amount_fen / 100:.2f}"
        }
    elif refund is not None:
        body = _(
            "You had already paid: %(amount)s yuan is refunded to the original payment; the "
            "invoice page shows how it was computed."
        ) % {"amount": f"{refund.amount_fen / 100:.2f}"}
    else:
        body = _("It applies to the next billing.")
    _tell_family(
        exemption,
        _("Exemption verified: %(category)s, %(percent)s%% off")
        % {"category": exemption.category_name, "percent": exemption.reduction_percent},
        body,
    )
    return exemption


@transaction.atomic
def refuse_exemption(
    *, actor: User, exemption: Exemption, reason: str, now: datetime | None = None
) -> Exemption:
    """Refuse with a reason (required, shown to the family). Errors: NotAllowed, Conflict
    ``not_pending``, InvalidInput (reason)."""
    now = now or timezone.now()
    exemption = (
        Exemption.objects.select_for_update()
        .select_related("school", "student")
        .get(pk=exemption.pk)
    )
    require_school_manager(actor, exemption.school)
    if exemption.status != ExemptionStatus.PENDING:
        raise Conflict(_("This exemption has already been decided."), code="not_pending")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Give the reason for refusing.")]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            fields={"reason": [_("At most %(limit)s characters.") % {"limit": REASON_MAX}]}
        )
    exemption.status = ExemptionStatus.REFUSED
    exemption.refusal_reason = reason
    exemption.decided_by, exemption.decided_at = actor, now
    exemption.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    record_event(
        actor=actor, action="billing.exemption_refused", obj=exemption, payload={"reason": reason}
    )
    _tell_family(
        exemption,
        _("Exemption refused: %(category)s") % {"category": exemption.category_name},
        _("Reason: %(reason)s") % {"reason": reason},
    )
    return exemption


def evidence_file(exemption: Exemption) -> Path:
    root = conf.private_root().resolve()
    path = (root / exemption.evidence_path).resolve()
    if root not in path.parents:
        raise NotAllowed()
    return path
