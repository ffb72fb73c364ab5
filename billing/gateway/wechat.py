"""WeChat Pay API v3 (微信支付 APIv3), service-provider mode: the district's platform is the
service provider (``sp_mchid``, keys from the environment), each school a sub-merchant
(``sub_mchid`` = ``MerchantAccount.merchant_id``), so fees land in the school's own account.

Notifications (``parse_notification``) — the checks, in order, each a ``NotificationRejected``:
  headers      Wechatpay-Timestamp, -Nonce, -Signature, -Serial present
  serial       the serial names the platform key we hold
  stale        |now − timestamp| ≤ 5 minutes (a captured notification cannot be replayed later)
  signature    RSA-SHA256 over "timestamp\\nnonce\\nbody\\n" on the RAW body, platform key
  format       JSON with an AEAD_AES_256_GCM resource
  decrypt      AES-256-GCM with the APIv3 key, the resource's nonce and associated data
               (a tampered ciphertext, tag or associated data fails here)
  merchant     the service provider is us
What the notification claims (amount, which order, which school) is checked against our own
records by ``billing.services.payments`` before anything is applied.

Environment: WECHATPAY_SP_MCHID, WECHATPAY_APPID, WECHATPAY_MERCHANT_SERIAL,
WECHATPAY_PRIVATE_KEY (PEM or path), WECHATPAY_PLATFORM_SERIAL, WECHATPAY_PLATFORM_KEY (PEM
public key or certificate, or path), WECHATPAY_APIV3_KEY (32 characters),
WECHATPAY_API_BASE (default https://api.mch.weixin.qq.com).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from datetime import datetime
from functools import cached_property
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from billing.gateway import crypto
from billing.gateway.base import (
    Event,
    GatewayError,
    NotificationRejected,
    OrderRequest,
    OrderState,
    PaymentGateway,
    RefundRequest,
    RefundState,
)

MAX_SKEW_SECONDS = 300


class WeChatPayV3(PaymentGateway):
    name = "wechat"

    def __init__(self, config: dict | None = None):
        self.config = config if config is not None else self._config_from_env()

    @staticmethod
    def _config_from_env() -> dict:
        keys = (
            "SP_MCHID",
            "APPID",
            "MERCHANT_SERIAL",
            "PRIVATE_KEY",
            "PLATFORM_SERIAL",
            "PLATFORM_KEY",
            "APIV3_KEY",
        )
        config = {k.lower(): os.environ.get(f"WECHATPAY_{k}", "") for k in keys}
        config["api_base"] = os.environ.get("WECHATPAY_API_BASE", "https://api.mch.weixin.qq.com")
        return config

    # ----------------------------------------------------------------- keys

    @cached_property
    def platform_key(self):
        if not self.config.get("platform_key"):
            raise GatewayError("WECHATPAY_PLATFORM_KEY is not configured")
        return crypto.load_public(self.config["platform_key"])

    @cached_property
    def private_key(self):
        if not self.config.get("private_key"):
            raise GatewayError("WECHATPAY_PRIVATE_KEY is not configured")
        return crypto.load_private(self.config["private_key"])

    @property
    def apiv3_key(self) -> bytes:
        key = self.config.get("apiv3_key", "")
        key = key.encode() if isinstance(key, str) else key
        if len(key) != 32:
            raise GatewayError("WECHATPAY_APIV3_KEY must be 32 bytes")
        return key

    # ----------------------------------------------------------------- notifications

    def parse_notification(self, *, headers, body: bytes, now: datetime | None = None) -> Event:
        def header(name):
            return (headers.get(name) or "").strip()

        timestamp, nonce = header("Wechatpay-Timestamp"), header("Wechatpay-Nonce")
        signature, serial = header("Wechatpay-Signature"), header("Wechatpay-Serial")
        if not (timestamp and nonce and signature and serial):
            raise NotificationRejected("headers", "signature headers missing")
        if serial != self.config.get("platform_serial"):
            raise NotificationRejected("serial", f"unknown platform key {serial[:40]}")
        try:
            sent = int(timestamp)
        except ValueError as err:
            raise NotificationRejected("stale", "timestamp is not a number") from err
        now_ts = (now or timezone.now()).timestamp()
        if abs(now_ts - sent) > MAX_SKEW_SECONDS:
            raise NotificationRejected("stale", f"timestamp {sent} is {int(now_ts - sent)} s off")
        if not crypto.verify(self.platform_key, crypto.message(timestamp, nonce, body), signature):
            raise NotificationRejected("signature", "signature does not verify")
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            if resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise NotificationRejected("format", "unknown algorithm")
            plain = crypto.decrypt(
                self.apiv3_key,
                resource["nonce"],
                resource.get("associated_data", ""),
                resource["ciphertext"],
            )
        except (ValueError, KeyError, TypeError) as err:
            raise NotificationRejected("format", "not a v3 notification") from err
        if plain is None:
            raise NotificationRejected("decrypt", "resource does not decrypt (tampered?)")
        try:
            data = json.loads(plain)
        except ValueError as err:
            raise NotificationRejected("format", "resource is not JSON") from err
        if data.get("sp_mchid", self.config.get("sp_mchid")) != self.config.get("sp_mchid"):
            raise NotificationRejected("merchant", "another service provider's notification")
        event_type = envelope.get("event_type", "")
        nid = str(envelope.get("id", ""))
        if event_type.startswith("REFUND."):
            return Event(kind="refund", notification_id=nid, refund=self._refund_state(data))
        return Event(kind="payment", notification_id=nid, order=self._order_state(data))

    @staticmethod
    def _order_state(data: dict) -> OrderState:
        amount = data.get("amount") or {}
        return OrderState(
            out_trade_no=str(data.get("out_trade_no", "")),
            state=str(data.get("trade_state", "")),
            merchant_id=str(data.get("sub_mchid") or data.get("mchid") or ""),
            transaction_id=str(data.get("transaction_id", "")),
            amount_fen=int(amount.get("total", 0) or 0),
            paid_at=parse_datetime(data["success_time"]) if data.get("success_time") else None,
        )

    @staticmethod
    def _refund_state(data: dict) -> RefundState:
        amount = data.get("amount") or {}
        state = data.get("refund_status") or data.get("status") or ""
        return RefundState(
            out_refund_no=str(data.get("out_refund_no", "")),
            state=str(state),
            refund_id=str(data.get("refund_id", "")),
            amount_fen=int(amount.get("refund", 0) or 0),
            merchant_id=str(data.get("sub_mchid") or data.get("mchid") or ""),
        )

    def acknowledge(self):
        return 204, "application/json", b""

    def refuse(self, rejection):
        body = json.dumps({"code": "FAIL", "message": rejection.code}).encode()
        return 400, "application/json", body

    # ----------------------------------------------------------------- calls

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        url = self.config["api_base"].rstrip("/") + path
        body = json.dumps(payload, ensure_ascii=False) if payload is not None else ""
        timestamp, nonce = str(int(time.time())), crypto.nonce()
        target = urlsplit(url)
        canonical = target.path + (f"?{target.query}" if target.query else "")
        signature = crypto.sign(
            self.private_key, crypto.message(method, canonical, timestamp, nonce, body)
        )
        auth = (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.config["sp_mchid"]}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{timestamp}",'
            f'serial_no="{self.config["merchant_serial"]}"'
        )
        request = urllib.request.Request(  # noqa: S310 - the configured https API base
            url,
            data=body.encode() if body else None,
            method=method,
            headers={
                "Authorization": auth,
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "aftercare-billing/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw = response.read()
                self._verify_response(response.headers, raw)
        except urllib.error.HTTPError as err:
            raise GatewayError(f"HTTP {err.code}: {err.read()[:200]!r}") from err
        except (urllib.error.URLError, OSError) as err:
            raise GatewayError(str(err)) from err
        return json.loads(raw) if raw else {}

    def _verify_response(self, headers, raw: bytes) -> None:
        ok = crypto.verify(
            self.platform_key,
            crypto.message(
                headers.get("Wechatpay-Timestamp", ""), headers.get("Wechatpay-Nonce", ""), raw
            ),
            headers.get("Wechatpay-Signature", ""),
        )
        if not ok:
            raise GatewayError("the gateway's answer is not signed by the platform key")

    def create_order(self, request: OrderRequest) -> str:
        data = self._call(
            "POST",
            "/v3/pay/partner/transactions/h5",
            {
                "sp_appid": self.config["appid"],
                "sp_mchid": self.config["sp_mchid"],
                "sub_mchid": request.merchant_id,
                "description": request.description[:127],
                "out_trade_no": request.out_trade_no,
                "notify_url": request.notify_url,
                "attach": request.attach[:128],
                "amount": {"total": request.amount_fen, "currency": "CNY"},
                "scene_info": {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
            },
        )
        return data["h5_url"]

    def query_order(self, *, out_trade_no: str, merchant_id: str) -> OrderState:
        data = self._call(
            "GET",
            f"/v3/pay/partner/transactions/out-trade-no/{out_trade_no}"
            f"?sp_mchid={self.config['sp_mchid']}&sub_mchid={merchant_id}",
        )
        return self._order_state(data)

    def close_order(self, *, out_trade_no: str, merchant_id: str) -> None:
        self._call(
            "POST",
            f"/v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close",
            {"sp_mchid": self.config["sp_mchid"], "sub_mchid": merchant_id},
        )

    def refund(self, request: RefundRequest) -> RefundState:
        data = self._call(
            "POST",
            "/v3/refund/domestic/refunds",
            {
                "sub_mchid": request.merchant_id,
                "transaction_id": request.transaction_id,
                "out_refund_no": request.out_refund_no,
                "reason": request.reason[:80],
                "notify_url": request.notify_url,
                "amount": {
                    "refund": request.amount_fen,
                    "total": request.total_fen,
                    "currency": "CNY",
                },
            },
        )
        return self._refund_state(data)

    def query_refund(self, *, out_refund_no: str, merchant_id: str) -> RefundState:
        data = self._call(
            "GET", f"/v3/refund/domestic/refunds/{out_refund_no}?sub_mchid={merchant_id}"
        )
        return self._refund_state(data)
