"""The payment-gateway interface billing talks to. A gateway (WeChat Pay, the sandbox, later
Alipay or a provincial 统一公共支付平台) implements these methods; billing's services only see
this module's types, so adding one touches no billing code beyond ``GATEWAYS``.

Money is integer fen; times are aware datetimes. Methods that talk to the gateway are only
ever called outside database transactions (from Celery tasks or after commit).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


class GatewayError(Exception):
    """The gateway could not be reached or refused the call (transient or not)."""


class NotificationRejected(Exception):
    """A notification that must not be applied: ``code`` names the check that failed."""

    def __init__(self, code: str, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


@dataclass(frozen=True)
class OrderRequest:
    out_trade_no: str
    merchant_id: str
    amount_fen: int
    description: str
    notify_url: str
    attach: str = ""


@dataclass(frozen=True)
class OrderState:
    out_trade_no: str
    state: str  # SUCCESS NOTPAY CLOSED PAYERROR USERPAYING REFUND
    merchant_id: str = ""
    transaction_id: str = ""
    amount_fen: int = 0
    paid_at: datetime | None = None


@dataclass(frozen=True)
class RefundRequest:
    out_refund_no: str
    out_trade_no: str
    transaction_id: str
    merchant_id: str
    amount_fen: int
    total_fen: int
    reason: str
    notify_url: str


@dataclass(frozen=True)
class RefundState:
    out_refund_no: str
    state: str  # SUCCESS PROCESSING ABNORMAL CLOSED
    refund_id: str = ""
    amount_fen: int = 0
    merchant_id: str = ""


@dataclass(frozen=True)
class Event:
    """A verified, decrypted notification: a payment's outcome or a refund's."""

    kind: str  # "payment" | "refund"
    notification_id: str
    order: OrderState | None = None
    refund: RefundState | None = None


class PaymentGateway(ABC):
    """What a payment provider offers (WeChat Pay v3, the sandbox)."""

    name = ""

    @abstractmethod
    def create_order(self, request: OrderRequest) -> str:
        """Open the order; returns the URL the payer goes to (H5 / cashier page)."""

    @abstractmethod
    def query_order(self, *, out_trade_no: str, merchant_id: str) -> OrderState:
        """The order's state at the provider."""

    @abstractmethod
    def close_order(self, *, out_trade_no: str, merchant_id: str) -> None:
        """Close an unpaid order so it can no longer be paid."""

    @abstractmethod
    def refund(self, request: RefundRequest) -> RefundState:
        """Ask for a refund (idempotent by its ``out_refund_no``)."""

    @abstractmethod
    def query_refund(self, *, out_refund_no: str, merchant_id: str) -> RefundState:
        """The refund's state at the provider."""

    @abstractmethod
    def parse_notification(self, *, headers, body: bytes, now: datetime | None = None) -> Event:
        """Verify (signature on the raw body, freshness) and decrypt a notification, or raise
        ``NotificationRejected``."""

    # How the endpoint answers: (status, content type, body).
    def acknowledge(self) -> tuple[int, str, bytes]:
        return 204, "application/json", b""

    def refuse(self, rejection: NotificationRejected) -> tuple[int, str, bytes]:
        return 400, "application/json", b'{"code":"FAIL","message":"rejected"}'
