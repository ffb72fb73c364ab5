"""Online payment through the gateway: exactly once, and every adversarial notification
refused with nothing recorded as paid and an audit event."""

import base64
import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent
from billing import gateway
from billing.gateway import sandbox as sandbox_module
from billing.models import (
    Invoice,
    InvoiceStatus,
    MerchantAccount,
    OrderStatus,
    Payment,
    Receipt,
    SandboxOrder,
)
from billing.services import ledger, payments, runs

pytestmark = pytest.mark.django_db

NOTIFY = "/billing/notify/sandbox/"


def deliver(client, headers, body):
    return client.post(
        NOTIFY,
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "Content-Type"},
    )


def bill_and_order(bill, key="a1"):
    bill.enroll(key, courses=["书法"])
    version = bill.versions[key]
    from billing.models import BillingRun

    run = BillingRun.objects.create(
        district=version.district,
        school=version.school,
        semester=bill.semesters[key[0]],
        plan_version=version,
        total=1,
    )
    runs.process_run(run_id=run.pk)
    invoice = Invoice.objects.get(student=bill.world.students[key])
    order = payments.start_payment(actor=bill.user(f"parent_{key}"), invoice=invoice)
    order.refresh_from_db()
    return invoice, order


@pytest.fixture
def paying(bill):
    invoice, order = bill_and_order(bill)
    return bill, invoice, order


def rejected(check):
    return AuditEvent.objects.filter(
        action="billing.notification_rejected", payload__check=check
    ).count()


def test_order_opened_at_the_gateway_after_commit(paying):
    _bill, invoice, order = paying
    assert order.status == OrderStatus.PENDING
    assert order.pay_url == reverse("billing_sandbox_cashier", args=[order.out_trade_no])
    assert order.amount_fen == invoice.amount_fen > 0
    remote = SandboxOrder.objects.get(out_trade_no=order.out_trade_no)
    assert remote.amount_fen == invoice.amount_fen and remote.state == "NOTPAY"


def test_paid_once_however_often_the_notification_comes(paying, client):
    _bill, invoice, order = paying
    gw = gateway.get("sandbox")
    _url, headers, body = gw.pay(order.out_trade_no)
    for _ in range(5):
        assert deliver(client, headers, body).status_code == 204
    payment = Payment.objects.get()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and payment.amount_fen == invoice.amount_fen
    receipt = Receipt.objects.get()
    assert receipt.number.endswith("-000001") and receipt.seq == 1
    bal = ledger.balances(school_id=invoice.school_id, district_id=invoice.district_id)
    assert bal["gateway_clearing"] == invoice.amount_fen and bal["receivable"] == 0
    assert AuditEvent.objects.filter(action="billing.payment_received").count() == 1
    assert receipt.pdf_at is not None  # rendered by the task after commit


def test_concurrent_duplicate_deliveries_record_one_payment(transactional_db, world):
    """Five threads deliver the same notification at once (real transactions)."""
    from tests.billing.world import build_billing

    bill = build_billing(world)
    _invoice, order = bill_and_order(bill)
    _url, headers, body = gateway.get("sandbox").pay(order.out_trade_no)
    statuses, barrier = [], threading.Barrier(5)

    def worker():
        barrier.wait()
        statuses.append(deliver(Client(), headers, body).status_code)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [204] * 5
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1


def _tamper(body: bytes, **change) -> bytes:
    data = json.loads(body)
    data["resource"].update(change)
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "attack",
    [
        "bad_signature",
        "stale",
        "tampered_ciphertext",
        "tampered_tag",
        "tampered_associated_data",
        "unknown_serial",
        "wrong_amount",
        "another_schools_merchant",
        "unknown_order",
    ],
)
def test_adversarial_notifications_are_refused(paying, client, attack):
    _bill, invoice, order = paying
    gw = gateway.get("sandbox")
    remote = SandboxOrder.objects.get(out_trade_no=order.out_trade_no)
    remote.state, remote.transaction_id, remote.paid_at = "SUCCESS", "4200evil", timezone.now()
    headers, body = gw.payment_notification(remote)
    expected = {
        "bad_signature": "signature",
        "stale": "stale",
        "tampered_ciphertext": "signature",
        "tampered_tag": "signature",
        "tampered_associated_data": "signature",
        "unknown_serial": "serial",
        "wrong_amount": "amount",
        "another_schools_merchant": "merchant",
        "unknown_order": "unknown_order",
    }[attack]
    if attack == "bad_signature":
        sig = base64.b64decode(headers["Wechatpay-Signature"])
        headers["Wechatpay-Signature"] = base64.b64encode(bytes([sig[0] ^ 1]) + sig[1:]).decode()
    elif attack == "stale":
        headers, body = gw.sign_notification(
            "TRANSACTION.SUCCESS",
            "transaction",
            json.loads(_decrypt(gw, body)),
            timestamp=time.time() - 301,
        )
    elif attack.startswith("tampered"):
        resource = json.loads(body)["resource"]
        raw = bytearray(base64.b64decode(resource["ciphertext"]))
        if attack == "tampered_ciphertext":
            raw[3] ^= 1
            body = _tamper(body, ciphertext=base64.b64encode(bytes(raw)).decode())
        elif attack == "tampered_tag":
            raw[-1] ^= 1
            body = _tamper(body, ciphertext=base64.b64encode(bytes(raw)).decode())
        else:
            body = _tamper(body, associated_data="refund")
    elif attack == "unknown_serial":
        headers["Wechatpay-Serial"] = "ATTACKER0001"
    elif attack == "wrong_amount":
        headers, body = gw.payment_notification(remote, amount={"total": 1, "currency": "CNY"})
    elif attack == "another_schools_merchant":
        other = payments.merchant_for(_bill.world.schools["a2"], "sandbox")
        headers, body = gw.payment_notification(remote, sub_mchid=other.merchant_id)
    elif attack == "unknown_order":
        headers, body = gw.payment_notification(remote, out_trade_no="KH-not-ours")
    response = deliver(client, headers, body)
    assert response.status_code == 400
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert rejected(expected) == 1, list(AuditEvent.objects.values_list("action", "payload"))


def test_tampered_ciphertext_with_a_valid_signature_fails_decryption(paying, client):
    """An attacker who could sign (they cannot) still cannot forge the encrypted resource."""
    _bill, _invoice, order = paying
    gw = gateway.get("sandbox")
    remote = SandboxOrder.objects.get(out_trade_no=order.out_trade_no)
    remote.state, remote.transaction_id = "SUCCESS", "4200x"
    headers, body = gw.payment_notification(remote)
    data = json.loads(body)
    raw = bytearray(base64.b64decode(data["resource"]["ciphertext"]))
    raw[-1] ^= 1
    data["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    headers, body = _resign(gw, json.dumps(data).encode())
    assert deliver(client, headers, body).status_code == 400
    assert rejected("decrypt") == 1 and not Payment.objects.exists()


def test_a_replay_later_is_stale_and_a_replay_now_changes_nothing(paying, client):
    _bill, _invoice, order = paying
    gw = gateway.get("sandbox")
    _url, headers, body = gw.pay(order.out_trade_no)
    assert deliver(client, headers, body).status_code == 204
    assert deliver(client, headers, body).status_code == 204  # the gateway's own retry
    assert Payment.objects.count() == 1
    old = dict(headers, **{"Wechatpay-Timestamp": str(int(time.time()) - 600)})
    assert deliver(client, old, body).status_code == 400  # signature no longer matches either
    assert Payment.objects.count() == 1


def test_reconciliation_applies_a_payment_whose_notification_never_came(paying, monkeypatch):
    _bill, invoice, order = paying
    gateway.get("sandbox").pay(order.out_trade_no)  # paid at the gateway, nothing delivered
    assert not Payment.objects.exists()
    assert payments.reconcile(now=timezone.now() + timedelta(minutes=3)) >= 1
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and Payment.objects.count() == 1


def test_a_failed_payment_leaves_the_invoice_open_and_a_new_order_can_start(paying, client):
    bill, invoice, order = paying
    _url, headers, body = gateway.get("sandbox").pay(order.out_trade_no, success=False)
    assert deliver(client, headers, body).status_code == 204
    order.refresh_from_db()
    invoice.refresh_from_db()
    assert order.status == OrderStatus.FAILED and invoice.status == InvoiceStatus.OPEN
    again = payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)
    assert again.pk != order.pk


def test_the_same_order_is_reused_until_the_invoice_changes(paying):
    bill, invoice, order = paying
    same = payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)
    assert same.pk == order.pk
    Invoice.objects.filter(pk=invoice.pk).update(revision=2)
    invoice.refresh_from_db()
    new = payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)
    order.refresh_from_db()
    assert new.pk != order.pk and order.status == OrderStatus.CLOSED
    assert SandboxOrder.objects.get(out_trade_no=order.out_trade_no).state == "CLOSED"


def test_only_guardians_pay_and_not_twice(paying, client):
    from aftercare.errors import Conflict, NotAllowed

    bill, invoice, order = paying
    with pytest.raises(NotAllowed):
        payments.start_payment(actor=bill.user("parent_a2"), invoice=invoice)
    _url, headers, body = gateway.get("sandbox").pay(order.out_trade_no)
    deliver(client, headers, body)
    invoice.refresh_from_db()
    with pytest.raises(Conflict):
        payments.start_payment(actor=bill.user("parent_a1"), invoice=invoice)


def test_cashier_page_pays_through_the_notification_endpoint(paying, client, login, monkeypatch):
    bill, invoice, order = paying
    monkeypatch.setattr(
        sandbox_module,
        "transport",
        lambda url, headers, body: deliver(Client(), headers, body).status_code,
    )
    login(bill.user("parent_a1"))
    page = client.get(order.pay_url)
    assert page.status_code == 200 and order.out_trade_no in page.content.decode()
    response = client.post(order.pay_url, {"outcome": "pay"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    detail = client.get(reverse("billing_invoice", args=[invoice.public_id]))
    assert Receipt.objects.get().number in detail.content.decode()
    pdf = client.get(reverse("billing_receipt_pdf", args=[Receipt.objects.get().public_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_sandbox_is_off_where_disabled(paying, client, login, monkeypatch):
    bill, _invoice, order = paying
    monkeypatch.setenv("BILLING_SANDBOX", "0")
    gateway.reset()
    try:
        login(bill.user("parent_a1"))
        assert client.get(order.pay_url).status_code == 404
        assert client.post(NOTIFY, data=b"{}", content_type="application/json").status_code == 404
    finally:
        monkeypatch.setenv("BILLING_SANDBOX", "1")
        gateway.reset()


def test_production_settings_turn_the_sandbox_off():
    import subprocess
    import sys

    code = (
        "import django,os;os.environ['SECRET_KEY']='x'*60;"
        "django.setup();from billing import conf;print(conf.sandbox_enabled())"
    )
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "aftercare.settings_production"}
    env.pop("BILLING_SANDBOX", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_merchant_accounts_are_per_school(bill):
    a1 = payments.merchant_for(bill.world.schools["a1"], "sandbox")
    a2 = payments.merchant_for(bill.world.schools["a2"], "sandbox")
    assert a1.merchant_id != a2.merchant_id
    assert payments.merchant_for(bill.world.schools["a1"], "wechat") is None
    assert MerchantAccount.objects.count() == 2


def test_receipt_numbers_count_up_per_school(bill, client):
    for _ in range(3):
        student = bill.child("a1")
        bill.enroll("a1", student=student)
    bill_and_order(bill)
    gw = gateway.get("sandbox")
    for inv in Invoice.objects.filter(status="open").order_by("pk"):
        guardian = inv.student.guardianships.first().user
        o = payments.start_payment(actor=guardian, invoice=inv)
        _u, h, b = gw.pay(o.out_trade_no)
        deliver(client, h, b)
    numbers = list(Receipt.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == [1, 2, 3, 4]


def _decrypt(gw, body):
    from billing.gateway import crypto

    r = json.loads(body)["resource"]
    return crypto.decrypt(gw.apiv3_key, r["nonce"], r["associated_data"], r["ciphertext"])


def _resign(gw, body):
    from billing.gateway import crypto

    ts, nonce = str(int(time.time())), "n" * 32
    return (
        {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": crypto.sign(gw.keys["private"], crypto.message(ts, nonce, body)),
            "Wechatpay-Serial": gw.keys["serial"],
        },
        body,
    )
