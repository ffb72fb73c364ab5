"""Billing pages and API: what each role sees and does, list queries that do not grow with
the rows, the OpenAPI schema."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import BillingRun, Invoice, RunStatus
from billing.services import runs

pytestmark = pytest.mark.django_db


def _bill(bill, key="a1"):
    version = bill.versions[key]
    run = BillingRun.objects.create(
        district=version.district,
        school=version.school,
        semester=bill.semesters[key[0]],
        plan_version=version,
        total=runs.participants(version).count(),
    )
    return runs.process_run(run_id=run.pk)


def test_principal_starts_billing_in_the_browser_and_sees_progress(bill, client, login):
    bill.enroll("a1", courses=["书法"])
    login(bill.user("principal_a1"))
    url = reverse("billing_school", args=[bill.world.schools["a1"].public_id])
    page = client.get(url).content.decode()
    assert 'data-testid="start-billing"' in page
    response = client.post(
        reverse("billing_start", args=[bill.world.schools["a1"].public_id, "bill"]),
        {"semester": str(bill.semesters["a"].public_id)},
    )
    assert response.status_code == 302
    run = BillingRun.objects.get()
    assert run.status == RunStatus.DONE  # the task ran after commit (eager in tests)
    progress = client.get(reverse("billing_run_progress", args=[run.public_id]))
    body = progress.content.decode()
    assert progress.status_code == 200 and 'value="100"' in body and "hx-get" not in body


def test_refusal_is_shown_with_its_reason(bill, client, login):
    from plans.models import PlanStatus, PlanVersion

    PlanVersion.objects.filter(pk=bill.versions["a1"].pk).update(status=PlanStatus.SUPERSEDED)
    login(bill.user("principal_a1"))
    page = client.get(reverse("billing_school", args=[bill.world.schools["a1"].public_id]))
    assert 'data-testid="refusals"' in page.content.decode()
    assert 'data-testid="start-billing"' not in page.content.decode()


def test_a_parent_may_not_open_the_school_page_nor_start_billing(bill, client, login):
    login(bill.user("parent_a1"))
    school = bill.world.schools["a1"].public_id
    assert client.get(reverse("billing_school", args=[school])).status_code == 403
    assert client.post(reverse("billing_start", args=[school, "bill"])).status_code == 403
    login(bill.user("official_a"))
    assert client.get(reverse("billing_school", args=[school])).status_code == 200
    assert client.post(reverse("billing_start", args=[school, "bill"])).status_code == 403


def test_family_pages_show_the_fee_notice_and_how_it_is_computed(bill, client, login):
    bill.enroll("a1", courses=["书法"])
    _bill(bill)
    invoice = Invoice.objects.get()
    login(bill.user("parent_a1"))
    listing = client.get(reverse("billing_family")).content.decode()
    assert str(invoice.public_id) in listing
    home = client.get(reverse("family_home")).content.decode()
    assert 'data-testid="fee-notices"' in home
    detail = client.get(reverse("billing_invoice", args=[invoice.public_id])).content.decode()
    assert "书法" in detail and 'data-testid="pay"' in detail
    assert detail.count('data-testid="line"') == 2


def _query_count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_invoice_lists_do_not_query_per_row(bill, client, login):
    bill.enroll("a1")
    _bill(bill)
    login(bill.user("principal_a1"))
    school = bill.world.schools["a1"].public_id
    urls = [
        reverse("billing_school_invoices", args=[school]),
        reverse("billing_ledger", args=[school]),
        reverse("billing_school", args=[school]),
    ]
    one = [_query_count(client, u) for u in urls]
    for _ in range(3):
        bill.enroll("a1", student=bill.child("a1"))
    BillingRun.objects.update(status=RunStatus.DONE)
    _bill(bill)
    assert Invoice.objects.count() == 4
    assert [_query_count(client, u) for u in urls] == one
    login(bill.user("parent_a1"))
    assert _query_count(client, reverse("billing_family")) == _query_count(
        client, reverse("billing_family")
    )


def test_api_parent_pays_and_school_reads_its_fund(bill, api):
    bill.enroll("a1")
    _bill(bill)
    invoice = Invoice.objects.get()
    parent = api(bill.user("parent_a1"))
    listing = parent.get("/api/v1/billing/invoices/").json()
    assert [i["id"] for i in listing["results"]] == [str(invoice.public_id)]
    detail = parent.get(f"/api/v1/billing/invoices/{invoice.public_id}/").json()
    assert detail["amount_fen"] == invoice.amount_fen and len(detail["lines"]) == 1
    order = parent.post(f"/api/v1/billing/invoices/{invoice.public_id}/pay/")
    assert order.status_code == 201 and order.json()["pay_url"].startswith("/billing/sandbox/")
    other = api(bill.user("parent_a2"))
    assert other.get(f"/api/v1/billing/invoices/{invoice.public_id}/").status_code == 404
    assert other.post(f"/api/v1/billing/invoices/{invoice.public_id}/pay/").status_code == 404
    school = bill.world.schools["a1"].public_id
    fund = api(bill.user("principal_a1")).get(f"/api/v1/billing/funds/{school}/")
    assert fund.status_code == 200
    assert fund.json()["balances"]["receivable"] == invoice.amount_fen
    assert parent.get(f"/api/v1/billing/funds/{school}/").status_code == 403
    assert api(bill.user("principal_a2")).get(f"/api/v1/billing/funds/{school}/").status_code == 404


def test_api_starts_a_run_and_refuses_with_the_reason(bill, api):
    bill.enroll("a1")
    principal = api(bill.user("principal_a1"))
    body = {
        "school": str(bill.world.schools["a1"].public_id),
        "semester": str(bill.semesters["a"].public_id),
    }
    created = principal.post("/api/v1/billing/runs/", body)
    assert created.status_code == 201 and created.json()["status"] == "done"
    BillingRun.objects.update(status=RunStatus.DONE)
    from plans.models import PlanStatus, PlanVersion

    PlanVersion.objects.filter(pk=bill.versions["a1"].pk).update(status=PlanStatus.SUPERSEDED)
    refused = principal.post("/api/v1/billing/runs/", body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "billing_refused"


def test_api_exemption_upload_and_decision(bill, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    parent = api(bill.user("parent_a1"))
    response = parent.post(
        "/api/v1/billing/exemptions/",
        {
            "student": str(bill.world.students["a1"].public_id),
            "semester": str(bill.semesters["a"].public_id),
            "category": "hardship",
            "evidence": SimpleUploadedFile(
                "a.pdf", b"%PDF-1.4 test", content_type="application/pdf"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    eid = response.json()["id"]
    assert parent.post(f"/api/v1/billing/exemptions/{eid}/verify/").status_code == 403
    refused = api(bill.user("principal_a1")).post(
        f"/api/v1/billing/exemptions/{eid}/refuse/", {"reason": "材料不全"}
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"


def test_schema_documents_billing(api, world):
    schema = api(world.users["official_a"]).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/billing/invoices/{public_id}/pay/",
        "/api/v1/billing/exemptions/",
        "/api/v1/billing/runs/",
        "/api/v1/billing/funds/{public_id}/",
        "/api/v1/billing/receipts/{public_id}/pdf/",
    ):
        assert path in paths, path
