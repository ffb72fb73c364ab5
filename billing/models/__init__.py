"""Models of billing: the ring-fenced double-entry ledger (ledger.py), exemptions
(exemptions.py), invoices and billing runs (invoices.py), payments, receipts and refunds
(payments.py), and the sandbox gateway's own records (sandbox.py)."""

from .exemptions import Exemption, ExemptionStatus
from .invoices import (
    BillingRun,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    LineService,
    RunKind,
    RunStatus,
)
from .ledger import Category, Journal, JournalKind, JournalLine
from .payments import (
    MerchantAccount,
    OrderStatus,
    Payment,
    PaymentOrder,
    Receipt,
    ReceiptCounter,
    Refund,
    RefundReason,
    RefundStatus,
)
from .sandbox import SandboxOrder, SandboxRefund

__all__ = [
    "BillingRun",
    "Category",
    "Exemption",
    "ExemptionStatus",
    "Invoice",
    "InvoiceKind",
    "InvoiceLine",
    "InvoiceStatus",
    "Journal",
    "JournalKind",
    "JournalLine",
    "LineService",
    "MerchantAccount",
    "OrderStatus",
    "Payment",
    "PaymentOrder",
    "Receipt",
    "ReceiptCounter",
    "Refund",
    "RefundReason",
    "RefundStatus",
    "RunKind",
    "RunStatus",
    "SandboxOrder",
    "SandboxRefund",
]
