"""Exemptions and reductions: evidence handling, the school's decision, re-issue of unpaid
invoices, who may see the evidence, the district's overview."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from billing import conf
from billing.models import (
    BillingRun,
    ExemptionStatus,
    Invoice,
    InvoiceStatus,
    OrderStatus,
)
from billing.services import exemptions, ledger, payments, runs

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def upload(content=PDF, name="建档立卡证明.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def apply(bill, category="poverty_registered", **kw):
    return exemptions.apply_exemption(
        actor=kw.pop("actor", bill.user("parent_a1")),
        student=kw.pop("student", bill.world.students["a1"]),
        semester=bill.semesters["a"],
        category=category,
        evidence=kw.pop("evidence", upload()),
        **kw,
    )


def _bill(bill):
    version = bill.versions["a1"]
    run = BillingRun.objects.create(
        district=version.district,
        school=version.school,
        semester=bill.semesters["a"],
        plan_version=version,
        total=runs.participants(version).count(),
    )
    runs.process_run(run_id=run.pk)


def test_apply_stores_sniffed_evidence_outside_the_web_root(bill, settings):
    e = apply(bill)
    assert e.status == ExemptionStatus.PENDING and e.reduction_percent == 100
    path = exemptions.evidence_file(e)
    assert path.read_bytes() == PDF and e.evidence_type == "application/pdf"
    root = Path(settings.BASE_DIR).resolve()
    assert conf.private_root().resolve() in path.parents
    assert not str(path).startswith(str(root / "static")) and "media" not in path.parts


@pytest.mark.parametrize(
    ("content", "name", "field"),
    [
        (b"<html><script>alert(1)</script>", "证明.pdf", "evidence"),  # a .pdf that is not one
        (b"%PDF-" + b"x" * (5 * 1024 * 1024), "big.pdf", "evidence"),
    ],
)
def test_bad_evidence_is_refused(bill, content, name, field):
    before = set(conf.private_root().glob("exemptions/**/*.*"))
    with pytest.raises(InvalidInput) as err:
        apply(bill, evidence=upload(content, name))
    assert field in err.value.fields
    assert set(conf.private_root().glob("exemptions/**/*.*")) == before  # nothing left behind


def test_category_must_be_the_policys_and_one_live_application(bill):
    with pytest.raises(InvalidInput):
        apply(bill, category="made_up")
    apply(bill, evidence=upload(PNG, "card.png"))
    with pytest.raises(Conflict):
        apply(bill, category="hardship")
    with pytest.raises(NotAllowed):
        apply(bill, actor=bill.user("parent_a2"))


def test_verified_exemption_reissues_the_unpaid_invoice_and_closes_its_order(bill):
    bill.enroll("a1", courses=["书法"])
    _bill(bill)
    invoice = Invoice.objects.get()
    full = invoice.amount_fen
    order = payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)
    e = apply(bill, category="hardship")
    exemptions.verify_exemption(actor=bill.user("principal_a1"), exemption=e)
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert invoice.revision == 2 and invoice.exemption == e
    assert invoice.reduction_fen == full - invoice.amount_fen
    assert abs(invoice.amount_fen - full / 2) <= 1
    assert order.status == OrderStatus.CLOSED
    bal = ledger.balances(school_id=invoice.school_id, district_id=invoice.district_id)
    assert bal["receivable"] == invoice.amount_fen
    assert bal["exemptions"] == invoice.reduction_fen
    assert -bal["fee_income"] == invoice.gross_fen


def test_a_free_category_makes_the_invoice_nothing_due(bill):
    bill.enroll("a1")
    _bill(bill)
    e = apply(bill)
    exemptions.verify_exemption(actor=bill.user("principal_a1"), exemption=e)
    invoice = Invoice.objects.get()
    assert invoice.amount_fen == 0 and invoice.status == InvoiceStatus.NOTHING_DUE


def test_verified_before_billing_applies_to_the_next_billing(bill):
    bill.enroll("a1")
    e = apply(bill, category="hardship")
    exemptions.verify_exemption(actor=bill.user("admin_a1"), exemption=e)
    _bill(bill)
    invoice = Invoice.objects.get()
    assert invoice.exemption == e and invoice.revision == 1 and invoice.reduction_fen > 0


def test_refusal_needs_a_reason_and_only_managers_decide(bill):
    e = apply(bill)
    with pytest.raises(NotAllowed):
        exemptions.verify_exemption(actor=bill.user("teacher_a1"), exemption=e)
    with pytest.raises(NotAllowed):
        exemptions.verify_exemption(actor=bill.user("principal_a2"), exemption=e)
    with pytest.raises(InvalidInput):
        exemptions.refuse_exemption(actor=bill.user("principal_a1"), exemption=e, reason=" ")
    exemptions.refuse_exemption(actor=bill.user("principal_a1"), exemption=e, reason="证明过期")
    e.refresh_from_db()
    assert e.status == ExemptionStatus.REFUSED and e.refusal_reason == "证明过期"
    with pytest.raises(Conflict):
        exemptions.verify_exemption(actor=bill.user("principal_a1"), exemption=e)


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("parent_a1", 200),
        ("principal_a1", 200),
        ("admin_a1", 200),
        ("official_a", 200),
        ("parent_a2", 404),
        ("principal_a2", 404),
        ("official_b", 404),
        ("outsider", 404),
    ],
)
def test_evidence_is_served_only_to_family_school_and_district(
    bill, client, login, user_key, status
):
    e = apply(bill)
    login(bill.user(user_key))
    response = client.get(reverse("billing_exemption_evidence", args=[e.public_id]))
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_family_form_uploads_and_school_page_decides(bill, client, login):
    login(bill.user("parent_a1"))
    bill.enroll("a1")
    page = client.get(reverse("billing_exemption_new"))
    assert page.status_code == 200 and "建档立卡" in page.content.decode()
    response = client.post(
        reverse("billing_exemption_new"),
        {
            "student": str(bill.world.students["a1"].public_id),
            "category": "hardship",
            "evidence": upload(),
            "note": "失业",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    e = bill.world.students["a1"].exemptions.get()
    login(bill.user("principal_a1"))
    school_page = client.get(reverse("billing_school", args=[bill.world.schools["a1"].public_id]))
    assert "失业" in school_page.content.decode()
    client.post(reverse("billing_exemption_decide", args=[e.public_id, "verify"]))
    e.refresh_from_db()
    assert e.status == ExemptionStatus.VERIFIED


def test_district_sees_exemptions_by_school_and_category(bill, client, login):
    bill.enroll("a1")
    _bill(bill)
    e = apply(bill, category="hardship")
    exemptions.verify_exemption(actor=bill.user("principal_a1"), exemption=e)
    login(bill.user("official_a"))
    page = client.get(reverse("billing_district")).content.decode()
    assert "家庭经济困难" in page and bill.world.schools["a1"].name in page
