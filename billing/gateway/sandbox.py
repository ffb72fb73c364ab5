"""The sandbox gateway: a local stand-in for WeChat Pay v3, for development and tests only
(``BILLING_SANDBOX``; production settings turn it off and its pages answer 404).

It plays BOTH sides with real cryptography, so the app's verification code is the
production code (``WeChatPayV3.parse_notification``, inherited unchanged):
* its "platform" key pair and APIv3 key are generated locally on first use, kept in
  ``BILLING_SANDBOX_KEY_DIR`` (``.data/sandbox-gateway`` in development; a fresh temporary
  directory per test session) — nothing secret is committed;
* the cashier page (``billing.views.sandbox``) lets the payer pay or fail; the sandbox then
  records the outcome on its own side (``SandboxOrder``), signs a v3 notification with its
  private key, encrypts the resource with AES-256-GCM and POSTs it to the notification
  endpoint (``transport``), like the real gateway;
* queries, closes and refunds answer from its own tables; a refund is confirmed by a signed
  REFUND.SUCCESS notification as well.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
import urllib.error
import urllib.request
import uuid
from functools import cached_property
from pathlib import Path

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing import conf
from billing.gateway import crypto
from billing.gateway.base import (
    GatewayError,
    OrderRequest,
    OrderState,
    RefundRequest,
    RefundState,
)
from billing.gateway.wechat import WeChatPayV3
from billing.models import SandboxOrder, SandboxRefund

SP_MCHID = "1900000109"


def ensure_keys(directory: Path) -> dict:
    """The sandbox's key material in ``directory``, created once (safe when several
    processes start at the same time: each file is published with a hard link, which fails
    if another process got there first, and then that one is read)."""
    directory.mkdir(parents=True, exist_ok=True)
    key_file, apiv3_file = directory / "platform_private.pem", directory / "apiv3.key"
    for path, make in (
        (key_file, lambda: crypto.private_pem(crypto.new_private_key())),
        (apiv3_file, lambda: secrets.token_hex(16).encode()),
    ):
        if not path.exists():
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}")
            tmp.write_bytes(make())
            os.chmod(tmp, 0o600)
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
    private = crypto.load_private(key_file.read_bytes())
    public_pem = crypto.public_pem(private)
    return {
        "private": private,
        "public_pem": public_pem,
        "serial": "SANDBOX" + hashlib.sha256(public_pem).hexdigest()[:24].upper(),
        "apiv3_key": apiv3_file.read_bytes().strip(),
    }


def transport(url: str, headers: dict, body: bytes) -> int:
    """POST a notification (replaced in tests by the test client). Returns the status."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError):
        return 0


class SandboxGateway(WeChatPayV3):
    name = "sandbox"

    def __init__(self, key_dir: Path | None = None):
        self.key_dir = key_dir or conf.sandbox_key_dir()
        super().__init__(config={})

    @cached_property
    def keys(self) -> dict:
        return ensure_keys(self.key_dir)

    @property
    def config(self) -> dict:
        keys = self.keys
        return {
            "sp_mchid": SP_MCHID,
            "appid": "wxsandbox000000",
            "platform_serial": keys["serial"],
            "platform_key": keys["public_pem"],
            "apiv3_key": keys["apiv3_key"],
        }

    @config.setter
    def config(self, value):  # WeChatPayV3.__init__ assigns it; the sandbox derives it
        pass

    @cached_property
    def platform_key(self):
        return crypto.load_public(self.keys["public_pem"])

    @property
    def apiv3_key(self) -> bytes:
        return self.keys["apiv3_key"]

    # ----------------------------------------------------------------- the gateway's side

    def create_order(self, request: OrderRequest) -> str:
        SandboxOrder.objects.get_or_create(
            out_trade_no=request.out_trade_no,
            defaults={
                "merchant_id": request.merchant_id,
                "amount_fen": request.amount_fen,
                "description": request.description[:120],
                "notify_url": request.notify_url,
            },
        )
        return reverse("billing_sandbox_cashier", args=[request.out_trade_no])

    def query_order(self, *, out_trade_no: str, merchant_id: str) -> OrderState:
        order = SandboxOrder.objects.filter(out_trade_no=out_trade_no).first()
        if order is None or order.merchant_id != merchant_id:
            raise GatewayError("ORDER_NOT_EXIST")
        return OrderState(
            out_trade_no=order.out_trade_no,
            state=order.state,
            merchant_id=order.merchant_id,
            transaction_id=order.transaction_id,
            amount_fen=order.amount_fen,
            paid_at=order.paid_at,
        )

    def close_order(self, *, out_trade_no: str, merchant_id: str) -> None:
        with transaction.atomic():
            order = (
                SandboxOrder.objects.select_for_update().filter(out_trade_no=out_trade_no).first()
            )
            if order is None:
                return
            if order.state == "SUCCESS":
                raise GatewayError("ORDERPAID")
            order.state = "CLOSED"
            order.save(update_fields=["state"])

    def pay(self, out_trade_no: str, *, success: bool = True) -> tuple[str, dict, bytes]:
        """The payer pressed pay (or fail) on the cashier: record it on the gateway's side and
        return the signed notification (url, headers, body) to deliver."""
        with transaction.atomic():
            order = SandboxOrder.objects.select_for_update().get(out_trade_no=out_trade_no)
            if order.state == "NOTPAY" or (order.state == "PAYERROR" and success):
                order.state = "SUCCESS" if success else "PAYERROR"
                if success:
                    order.transaction_id = "4200" + secrets.token_hex(12)
                    order.paid_at = timezone.now()
                order.save(update_fields=["state", "transaction_id", "paid_at"])
        return order.notify_url, *self.payment_notification(order)

    def payment_notification(self, order: SandboxOrder, **overrides) -> tuple[dict, bytes]:
        resource = {
            "sp_mchid": SP_MCHID,
            "sp_appid": "wxsandbox000000",
            "sub_mchid": order.merchant_id,
            "out_trade_no": order.out_trade_no,
            "transaction_id": order.transaction_id,
            "trade_type": "MWEB",
            "trade_state": order.state,
            "trade_state_desc": "支付成功" if order.state == "SUCCESS" else "支付失败",
            "bank_type": "OTHERS",
            "success_time": (order.paid_at or timezone.now()).isoformat(),
            "amount": {
                "total": order.amount_fen,
                "payer_total": order.amount_fen,
                "currency": "CNY",
                "payer_currency": "CNY",
            },
        }
        resource.update(overrides)
        event = "TRANSACTION.SUCCESS" if order.state == "SUCCESS" else "TRANSACTION.FAIL"
        return self.sign_notification(event, "transaction", resource)

    def sign_notification(
        self, event_type: str, original_type: str, resource: dict, *, timestamp=None
    ) -> tuple[dict, bytes]:
        nonce = secrets.token_hex(6)  # 12 characters, as the gateway's
        associated = original_type
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "create_time": timezone.now().isoformat(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "sandbox",
                "resource": {
                    "original_type": original_type,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": crypto.encrypt(
                        self.apiv3_key,
                        nonce,
                        associated,
                        json.dumps(resource, ensure_ascii=False).encode(),
                    ),
                    "associated_data": associated,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        ).encode()
        ts = str(int(timestamp if timestamp is not None else time.time()))
        header_nonce = crypto.nonce()
        headers = {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": header_nonce,
            "Wechatpay-Signature": crypto.sign(
                self.keys["private"], crypto.message(ts, header_nonce, body)
            ),
            "Wechatpay-Serial": self.keys["serial"],
        }
        return headers, body

    def refund(self, request: RefundRequest) -> RefundState:
        order = SandboxOrder.objects.filter(out_trade_no=request.out_trade_no).first()
        if order is None or order.state != "SUCCESS" or order.merchant_id != request.merchant_id:
            raise GatewayError("RESOURCE_NOT_EXISTS")
        refunded = sum(
            r.amount_fen for r in order.refunds.exclude(out_refund_no=request.out_refund_no)
        )
        if refunded + request.amount_fen > order.amount_fen:
            raise GatewayError("NOT_ENOUGH")
        refund, _created = SandboxRefund.objects.get_or_create(
            out_refund_no=request.out_refund_no,
            defaults={
                "order": order,
                "amount_fen": request.amount_fen,
                "refund_id": "5030" + secrets.token_hex(12),
                "notify_url": request.notify_url,
                "state": "SUCCESS",
            },
        )
        headers, body = self.refund_notification(refund)
        transport(refund.notify_url, headers, body)
        return RefundState(
            out_refund_no=refund.out_refund_no,
            state="PROCESSING",
            refund_id=refund.refund_id,
            amount_fen=refund.amount_fen,
            merchant_id=order.merchant_id,
        )

    def refund_notification(self, refund: SandboxRefund) -> tuple[dict, bytes]:
        order = refund.order
        return self.sign_notification(
            "REFUND.SUCCESS",
            "refund",
            {
                "sp_mchid": SP_MCHID,
                "sub_mchid": order.merchant_id,
                "out_trade_no": order.out_trade_no,
                "transaction_id": order.transaction_id,
                "out_refund_no": refund.out_refund_no,
                "refund_id": refund.refund_id,
                "refund_status": refund.state,
                "success_time": timezone.now().isoformat(),
                "amount": {
                    "total": order.amount_fen,
                    "refund": refund.amount_fen,
                    "payer_total": order.amount_fen,
                    "payer_refund": refund.amount_fen,
                },
            },
        )

    def query_refund(self, *, out_refund_no: str, merchant_id: str) -> RefundState:
        refund = (
            SandboxRefund.objects.select_related("order")
            .filter(out_refund_no=out_refund_no)
            .first()
        )
        if refund is None or refund.order.merchant_id != merchant_id:
            raise GatewayError("RESOURCE_NOT_EXISTS")
        return RefundState(
            out_refund_no=refund.out_refund_no,
            state=refund.state,
            refund_id=refund.refund_id,
            amount_fen=refund.amount_fen,
            merchant_id=merchant_id,
        )
