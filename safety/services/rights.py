"""A guardian's data rights: download everything about their child; ask for its deletion.

**Export** (``export_child``): a zip of ``data.json`` (every row of every model in
``CHILD_DATA`` that concerns the child, serialised field by field), the incident photos, and
``summary.pdf`` (WeasyPrint). ``CHILD_DATA`` names each model holding a child's data by label
with its path to the child — labels, not imports, so this app stays below the ones it lists.
``tests/safety/test_rights.py`` walks every installed model: one with a foreign key to
``enrollment.Student`` (directly, or through an application or a course registration) that is
neither here nor in ``EXEMPT`` fails the suite. Only the guardians export (medical notes are
the family's own); every export is audited.

**Deletion** (``request_deletion`` → ``decide_deletion``): the school reviews the request
against its retention duties (fees and the ledger, insurance, incidents under review) and
refuses with a reason, or approves — which anonymises at once, in the same transaction
(``anonymise_child``):

* the student row: name, student number and the roster's guardian mobile replaced;
* the safety profile and incident photos deleted (files after commit);
* every text column of the child's rows in the apps at or below safety (``SCRUB_TEXT``, by
  label) replaced by ``SCRUBBED`` (an empty one stays empty);
* the apps above safety run their own anonymisers, registered through
  ``aftercare.registry.register_anonymiser`` (feedback: complaints; billing: exemption notes,
  evidence files, refusal reasons) — safety imports neither;
* the audit log: the child's names (name, student number) replaced in the payload values and
  ``object_repr`` of the district's events (``redact_audit``: a SECURITY DEFINER function,
  the one narrow path the append-only trigger accepts, safety migrations 0004–0005). New
  events reference a child by id (``aftercare.audit.register_object_repr``, registered in
  ``SafetyConfig.ready``).

Rows stay, so invoices, payments, the double-entry ledger and its totals, attendance counts
and the audit log's rows are unchanged; the guardianships stay (their receipts stay theirs).
``tests/safety/test_anonymise.py`` fails when a text column of a child-data model is neither
scrubbed, covered by a registered anonymiser, nor exempt with a reason (``NO_SCRUB``).
"""

from __future__ import annotations

import io
import json
import zipfile

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare import registry
from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.notifications import notify
from aftercare.rules import require
from aftercare.tenancy import Scope
from enrollment.models import Guardianship, Student

from .. import rules, selectors
from ..anonymise import SCRUBBED, names_replaced, scrubbed
from ..models import (
    DeletionRequest,
    DeletionStatus,
    Incident,
    IncidentAmendment,
    IncidentPhoto,
    SafetyProfile,
)

# model label -> lookup from that model to the child's primary key
CHILD_DATA: dict[str, str] = {
    "enrollment.student": "pk",
    "enrollment.guardianship": "student",
    "enrollment.bindingrequest": "student",
    "enrollment.application": "student",
    "enrollment.applicationtransition": "application__student",
    "enrollment.courseregistration": "student",
    "scheduling.groupmember": "student",
    "safety.safetyprofile": "student",
    "safety.incident": "student",
    "safety.incidentamendment": "incident__student",
    "safety.incidentphoto": "incident__student",
    "safety.consentdecision": "student",
    "safety.deletionrequest": "student",
    "attendance.attendancemark": "student",
    "attendance.followup": "student",
    "attendance.attendancewarning": "student",
    "attendance.dismissal": "student",
    "attendance.leaverequest": "student",
    "attendance.pickupperson": "student",
    "attendance.departure": "student",
    "attendance.handoverchild": "student",
    "feedback.complaint": "student",
    "feedback.evaluationreceipt": "student",
    "billing.exemption": "student",
    "billing.invoice": "student",
    "reporting.studentmonth": "student",
}
# model label -> why it is not in the export (none yet: every child-data model is exported)
EXEMPT: dict[str, str] = {}

# Free text that may name the child or the family, in the apps at or below safety (by label:
# attendance sits above safety). Anonymisation replaces each non-empty value with
# ``SCRUBBED`` (an empty one stays empty, so "has a reason" constraints keep holding).
SCRUB_TEXT: dict[str, tuple[str, ...]] = {
    "enrollment.bindingrequest": ("reason",),
    "enrollment.application": (
        "parent_note",
        "review_note",
        "rejection_reason",
        "insurance_note",
        "withdrawal_reason",
        "withdrawal_decision_note",
    ),
    "scheduling.groupmember": ("note",),
    "safety.incident": ("place", "description", "action_taken"),
    "safety.incidentamendment": ("text",),
    "safety.deletionrequest": ("reason",),
    "attendance.attendancemark": ("note",),
    "attendance.followup": ("close_note",),
    "attendance.attendancewarning": ("text",),
    "attendance.dismissal": ("reason",),
    "attendance.leaverequest": ("note", "decision_note"),
    "attendance.pickupperson": ("name", "phone"),
    "attendance.departure": ("picked_up_by",),
}
# Child-data models with text that needs no scrubbing here, and why. With SCRUB_TEXT, the
# student row (below) and the registered anonymisers (``aftercare.registry``) every text
# column of every CHILD_DATA model must be accounted for: tests/safety/test_anonymise.py
# fails when a new one is not.
NO_SCRUB: dict[str, str] = {
    "enrollment.student": "replaced field by field by anonymise_child",
    "enrollment.applicationtransition": "append-only history (enrollment's trigger): its "
    "reason keeps the family's words; a redaction path like the audit log's is still to do",
    "safety.safetyprofile": "deleted on anonymisation",
    "safety.incidentphoto": "deleted on anonymisation (content_type only)",
    "safety.deletionrequest.decision_note": "the school's answer (its retention duty): the "
    "child's names in it are replaced (anonymise_child)",
    "attendance.departure.relation": "a relation word (母亲), names nobody",
    "enrollment.application.user_agent": "the browser's identification string",
}


def _rows(student: Student) -> dict[str, list]:
    out = {}
    for label, path in CHILD_DATA.items():
        try:
            model = apps.get_model(label)
        except LookupError:  # an app not installed in this deployment
            continue
        qs = model._default_manager.filter(**{path: student.pk}).order_by("pk")
        out[label] = json.loads(serializers.serialize("json", qs, cls=DjangoJSONEncoder))
    return out


def export_child(*, actor, student: Student) -> tuple[str, bytes]:
    """(file name, zip bytes). Errors: NotAllowed (not the child's guardian)."""
    from weasyprint import HTML  # heavy import; only exports need it

    require(
        rules.is_guardian(Scope(actor), student),
        _("Only the child's guardians download their data."),
    )
    rows = _rows(student)
    now = timezone.now()
    profile = SafetyProfile.objects.filter(student=student).first()
    incidents = list(Incident.objects.filter(student=student).prefetch_related("amendments"))
    html = render_to_string(
        "safety/export_summary.html",
        {
            "student": student,
            "profile": profile,
            "incidents": incidents,
            "consents": selectors.consent_state(student),
            "counts": [(label, len(items)) for label, items in rows.items()],
            "generated_at": now,
        },
    )
    pdf = HTML(string=html).write_pdf()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json",
            json.dumps(
                {"student": str(student.public_id), "generated_at": now.isoformat(), "data": rows},
                ensure_ascii=False,
                indent=1,
                cls=DjangoJSONEncoder,
            ),
        )
        archive.writestr("summary.pdf", pdf)
        for photo in IncidentPhoto.objects.filter(incident__student=student):
            try:
                with photo.file.open("rb") as fh:
                    archive.writestr(f"photos/{photo.file.name.rsplit('/', 1)[-1]}", fh.read())
            except FileNotFoundError:
                continue
    record_event(
        actor=actor,
        action="safety.data_exported",
        obj=student,
        payload={"models": sum(1 for r in rows.values() if r)},
    )
    return f"child-data-{student.public_id}.zip", buffer.getvalue()


def request_deletion(*, actor, student: Student, reason: str = "") -> DeletionRequest:
    """Errors: NotAllowed, InvalidInput (reason too long), Conflict (one already pending)."""
    require(
        rules.is_guardian(Scope(actor), student),
        _("Only the child's guardians ask for deletion."),
    )
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise InvalidInput(fields={"reason": [_("At most %(n)d characters.") % {"n": 300}]})
    try:
        with transaction.atomic():
            request = DeletionRequest.objects.create(
                district_id=student.district_id,
                school_id=student.school_id,
                student=student,
                requested_by=actor,
                requested_at=timezone.now(),
                reason=reason,
            )
            record_event(actor=actor, action="safety.deletion_requested", obj=request)
    except IntegrityError as exc:
        raise Conflict(
            _("A deletion request for this child is already waiting for the school."),
            code="deletion_pending",
        ) from exc
    return request


def decide_deletion(
    *, actor, request: DeletionRequest, approve: bool, note: str = ""
) -> DeletionRequest:
    """The school's principal or administrators approve (anonymise now) or refuse with the
    retention duty that applies. Errors: NotAllowed, InvalidInput (a refusal without a
    reason), Conflict (already decided)."""
    require(
        rules.can_decide_deletion(Scope(actor), request.school_id),
        _("Only the school's principal or administrators decide this."),
    )
    note = (note or "").strip()[:300]
    if not approve and not note:
        raise InvalidInput(
            fields={"note": [_("Say which duty requires keeping the data.")]}, code="reason_needed"
        )
    with transaction.atomic():
        locked = (
            DeletionRequest.objects.select_for_update()
            .select_related("student", "district")
            .get(pk=request.pk)
        )
        if locked.status != DeletionStatus.PENDING:
            raise Conflict(_("This request has already been decided."), code="decided")
        locked.status = DeletionStatus.APPROVED if approve else DeletionStatus.REFUSED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked.save()
        done = anonymise_child(student=locked.student) if approve else {}
        notify(
            recipient=locked.requested_by,
            district=locked.district,
            title=_("Your request to delete your child's data was approved: it is anonymised.")
            if approve
            else _("Your request to delete your child's data was refused: %(note)s")
            % {"note": note},
            url=reverse("safety_family"),
            key=f"safety:deletion:{locked.pk}",
        )
        record_event(
            actor=actor,
            action="safety.deletion_approved" if approve else "safety.deletion_refused",
            obj=locked,
            payload={"note": note, **done},
        )
    return locked


def _scrub(model, path: str, student_pk: int, fields: tuple[str, ...]) -> int:
    values = {name: scrubbed(name) for name in fields}
    return model._default_manager.filter(**{path: student_pk}).update(**values)


def redact_audit(*, student: Student, names: list[str]) -> int:
    """Replace the child's names (two characters or more) by ``SCRUBBED`` in the payload
    values and ``object_repr`` of their district's audit events, through the one SECURITY
    DEFINER function that may change an audit row (safety migrations 0004–0005: keys,
    actions, actors, objects and times stay; rows are never deleted; the marker is fixed in
    the database). Returns the number of events changed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT aftercare_redact_audit(%s, %s, %s)",
            [student.district_id, str(student.public_id), [n for n in names if n]],
        )
        return cursor.fetchone()[0]


def anonymise_child(*, student: Student) -> dict[str, int]:
    """Anonymise in the caller's transaction (see the module doc). Idempotent. Returns what
    was done (counts, for the audit event)."""
    student = Student.objects.get(pk=student.pk)
    names = [student.name, student.student_number]
    tag = student.public_id.hex[:12]
    Student.objects.filter(pk=student.pk).update(
        name="已注销学生",
        student_number=f"deleted-{tag}",
        guardian_mobile=None,
        is_active=False,
    )
    SafetyProfile.objects.filter(student=student).delete()
    photos = list(IncidentPhoto.objects.filter(incident__student=student))
    IncidentPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
    files = [p.file.name for p in photos]
    transaction.on_commit(lambda: [IncidentPhoto.file.field.storage.delete(n) for n in files])
    done = {"rows": 0}
    for label, fields in SCRUB_TEXT.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if label == "safety.incidentamendment":  # append-only: only the marker may be written
            done["rows"] += (
                IncidentAmendment.objects.filter(incident__student=student)
                .exclude(text=SCRUBBED)
                .update(text=SCRUBBED)
            )
            continue
        done["rows"] += _scrub(model, CHILD_DATA[label], student.pk, fields)
    done["rows"] += DeletionRequest.objects.filter(student=student).update(
        decision_note=names_replaced("decision_note", names)
    )
    for _covers, anonymiser in registry.anonymisers():
        done["rows"] += anonymiser(student=student, names=names, marker=SCRUBBED)
    done["audit_events"] = redact_audit(student=student, names=names)
    return done


def guardians_of(student: Student):
    return Guardianship.objects.filter(student=student).select_related("user")
