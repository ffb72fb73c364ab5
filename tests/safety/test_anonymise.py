"""Anonymisation (a deletion approved) is complete: every text column of every model holding
a child's data is accounted for (a guard that fails on a new one), the apps above safety
scrub theirs through the registry, the audit log keeps its rows but loses the child's name
(through the one narrow redaction path), and the ledger's totals stay."""

from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from aftercare import registry
from aftercare.audit import record_event
from aftercare.models import AuditEvent
from billing.models import Exemption, Invoice
from billing.services import ledger
from feedback.models import Complaint
from safety.anonymise import SCRUBBED
from safety.services import rights
from tests.billing.conftest import _sandbox_keys, bill  # noqa: F401 (fixtures)
from tests.billing.test_refunds import _bill, _deliver_in_process, _pay  # noqa: F401

pytestmark = pytest.mark.django_db


def _text_columns(label: str) -> set[str]:
    model = apps.get_model(label)
    return {
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.choices
        and not f.name.endswith("_hash")
    }


def test_every_text_column_of_child_data_is_anonymised_or_exempt_with_a_reason():
    covered_models = set(rights.NO_SCRUB)
    for covers, _fn in registry.anonymisers():
        covered_models.update(covers)
    missing = []
    for label in rights.CHILD_DATA:
        if label in covered_models:
            continue
        scrubbed = set(rights.SCRUB_TEXT.get(label, ()))
        exempt = {key.rsplit(".", 1)[1] for key in rights.NO_SCRUB if key.startswith(f"{label}.")}
        left = _text_columns(label) - scrubbed - exempt
        missing += [f"{label}.{name}" for name in sorted(left)]
    assert not missing, f"child text not covered by an anonymiser: {missing}"
    # the registered anonymisers are the apps above safety, found without importing them
    assert {"feedback.complaint", "billing.exemption"} <= {
        label for covers, _fn in registry.anonymisers() for label in covers
    }


def test_the_guard_fails_for_a_new_text_column(monkeypatch):
    """The guard can fail: take one column out of the scrub list and it names it."""
    reduced = dict(rights.SCRUB_TEXT)
    reduced["attendance.dismissal"] = ()
    monkeypatch.setattr(rights, "SCRUB_TEXT", reduced)
    with pytest.raises(AssertionError, match=r"attendance\.dismissal\.reason"):
        test_every_text_column_of_child_data_is_anonymised_or_exempt_with_a_reason()


def test_audit_changes_only_through_the_redaction_function(bill):  # noqa: F811
    district = bill.versions["a1"].district
    event = record_event(
        actor=None,
        action="x.y",
        district=district,
        payload={"who": "学生张小明", "list": ["张小明来了", 3], "张小明": "张小明"},
    )
    # directly: refused (the trigger; with the least-privilege role, the grant too), even
    # with the redaction setting on
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('aftercare.audit_redaction', 'on', true)")
        for sql in (
            "DELETE FROM aftercare_auditevent WHERE id = %s",
            "UPDATE aftercare_auditevent SET action = 'z' WHERE id = %s",
            "UPDATE aftercare_auditevent SET payload = '{}' WHERE id = %s",
        ):
            with pytest.raises(DatabaseError), transaction.atomic():
                cursor.execute(sql, [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(payload={"who": "x"})
    # the function: values only, the fixed marker, keys kept, the row stays
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT aftercare_redact_audit(%s, %s, %s)", [district.pk, "none", ["张小明", "x"]]
        )
        assert cursor.fetchone()[0] == 1
    event.refresh_from_db()
    assert event.payload == {
        "who": f"学生{SCRUBBED}",
        "list": [f"{SCRUBBED}来了", 3],
        "张小明": SCRUBBED,
    }
    assert event.action == "x.y"
    # and the setting the function used does not outlive it
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(payload={"who": "y"})


def test_anonymisation_is_complete_and_keeps_ledger_totals_and_audit_rows(bill):  # noqa: F811
    app = bill.enroll("a1")
    _bill(bill)
    invoice = _pay(bill, Invoice.objects.get(application=app))
    student = app.student
    name, number = student.name, student.student_number
    school, district = student.school, student.district
    parent, principal = bill.user("parent_a1"), bill.user("principal_a1")
    now = timezone.now()
    complaint = Complaint.objects.create(
        district=district,
        school=school,
        channel="hotline",
        recorded_by=bill.user("official_a"),
        student=student,
        caller_name="张妈妈",
        caller_mobile="13900000000",
        category="safety",
        incident_date=date.today(),
        description=f"{name}在操场摔倒",
        submitted_at=now,
        ack_due_at=now + timedelta(days=2),
        resolve_due_at=now + timedelta(days=15),
        findings=f"经核实，{name}（学号{number}）摔倒时有老师在场。",
    )
    exemption = Exemption.objects.create(
        district=district,
        school=school,
        semester=app.semester,
        student=student,
        category="dibao",
        category_name="低保家庭",
        reduction_percent=50,
        note=f"{name}家低保证明",
        status="refused",
        refusal_reason=f"{name}的证明已过期",
        evidence_path="exemptions/none.pdf",
        evidence_name=f"{name}-低保.pdf",
        evidence_type="application/pdf",
        evidence_size=10,
        applied_by=parent,
    )
    record_event(actor=principal, action="x.named", obj=school, payload={"who": f"学生{name}"})
    balances = ledger.balances(school_id=school.pk, district_id=district.pk)
    audit_ids = set(AuditEvent.objects.values_list("pk", flat=True))
    request = rights.request_deletion(actor=parent, student=student, reason="转学")
    rights.decide_deletion(actor=principal, request=request, approve=True)

    complaint.refresh_from_db()
    assert (complaint.caller_name, complaint.caller_mobile) == ("", "")
    assert complaint.description == SCRUBBED
    assert name not in complaint.findings and "有老师在场" in complaint.findings
    assert number not in complaint.findings
    exemption.refresh_from_db()
    assert exemption.note == SCRUBBED and exemption.evidence_path == ""
    assert name not in exemption.refusal_reason and name not in exemption.evidence_name
    assert (exemption.reduction_percent, exemption.status) == (50, "refused")
    # the audit log: every row still there, none names the child any more
    assert audit_ids <= set(AuditEvent.objects.values_list("pk", flat=True))
    for event in AuditEvent.objects.all():
        assert name not in str(event.payload) and name not in event.object_repr, event.action
    approved = AuditEvent.objects.get(action="safety.deletion_approved")
    assert approved.payload["audit_events"] >= 2 and approved.payload["rows"] >= 3
    # money: same invoice, same ledger
    invoice.refresh_from_db()
    assert Invoice.objects.get(pk=invoice.pk).amount_fen == invoice.amount_fen
    assert ledger.balances(school_id=school.pk, district_id=district.pk) == balances


def test_future_audit_events_reference_a_child_by_id(bill):  # noqa: F811
    app = bill.enroll("a1")
    student = app.student
    event = record_event(actor=None, action="x.y", obj=student)
    assert student.name not in event.object_repr
    assert student.public_id.hex[:8] in event.object_repr
    assert event.object_id == str(student.public_id)
