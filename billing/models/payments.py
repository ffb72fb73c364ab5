"""Paying an invoice online: the school's merchant account at a gateway, payment orders,
payments (exactly once per gateway transaction), receipts and refunds."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import District, School, User
from aftercare.tenancy import TenantQuerySet, TenantRule


class MerchantAccount(models.Model):
    """The school's own (sub-)merchant number at a gateway: money goes to the school's
    ring-fenced account; a notification naming another school's merchant is refused."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    gateway = models.CharField(max_length=16)
    merchant_id = models.CharField(_("merchant number"), max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule()
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("merchant account")
        verbose_name_plural = _("merchant accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "gateway"], name="billing_merchant_per_school"
            ),
            models.UniqueConstraint(
                fields=["gateway", "merchant_id"], name="billing_merchant_id_unique"
            ),
        ]

    def __str__(self):
        return f"{self.school} · {self.gateway} {self.merchant_id}"


class OrderStatus(models.TextChoices):
    CREATED = "created", _("Being opened at the gateway")
    PENDING = "pending", _("Waiting for payment")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Payment failed")
    CLOSED = "closed", _("Closed")


LIVE_ORDER = ["created", "pending"]


class PaymentOrder(models.Model):
    """One attempt to pay one revision of an invoice, for its whole amount (no partial
    payments). An invoice changed after the order started gets a new order."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="orders")
    revision = models.PositiveIntegerField()
    amount_fen = models.BigIntegerField(_("amount"))
    gateway = models.CharField(max_length=16)
    merchant_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=8, choices=OrderStatus.choices, default="created")
    pay_url = models.CharField(max_length=500, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_queried_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(family="invoice__student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status__in=LIVE_ORDER),
                name="billing_one_live_order_per_invoice",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="billing_order_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.out_trade_no


class Payment(models.Model):
    """Money received for an order, recorded once per gateway transaction id."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="payments"
    )
    order = models.OneToOneField(PaymentOrder, on_delete=models.PROTECT, related_name="payment")
    gateway = models.CharField(max_length=16)
    transaction_id = models.CharField(_("transaction number"), max_length=64)
    amount_fen = models.BigIntegerField(_("amount"))
    paid_at = models.DateTimeField(_("paid at"))
    created_at = models.DateTimeField(default=timezone.now)

    tenant_rule = TenantRule(family="invoice__student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "transaction_id"], name="billing_payment_transaction_once"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="billing_payment_positive"),
        ]
        indexes = [models.Index(fields=["district", "school", "-paid_at"])]

    def __str__(self):
        return self.transaction_id


class ReceiptCounter(models.Model):
    """The last receipt number of a school in a year; incremented under its row lock."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "year"], name="billing_receipt_counter_unique"
            ),
        ]

    def __str__(self):
        return f"{self.school_id}/{self.year}: {self.last}"


class Receipt(models.Model):
    """The receipt of one payment (收据, the parent's copy of the 三联单): a number without
    gaps per school and year, a PDF rendered after commit and kept."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("receipt number"), max_length=32)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    pdf_path = models.CharField(max_length=200, blank=True)
    pdf_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(family="payment__invoice__student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["school_id", "-year", "-seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "school", "year", "seq"], name="billing_receipt_number_unique"
            ),
        ]

    def __str__(self):
        return self.number


class RefundReason(models.TextChoices):
    WITHDRAWAL = "withdrawal", _("Withdrawal (退出)")
    SETTLEMENT = "settlement", _("Term-end settlement (多退)")
    EXEMPTION = "exemption", _("Exemption verified after payment (减免退费)")


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", _("Being sent to the gateway")
    PROCESSING = "processing", _("Processing at the gateway")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


class Refund(models.Model):
    """Money returned to the original payment, with the computation shown to the family.
    Written to the ledger only when the gateway confirms it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    reason = models.CharField(_("reason"), max_length=12, choices=RefundReason.choices)
    amount_fen = models.BigIntegerField(_("amount"))
    computation = models.JSONField(default=dict)
    out_refund_no = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RefundStatus.choices, default="requested"
    )
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    failure = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(family="invoice__student__guardianships__user")
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "invoice", "reason"], name="billing_refund_once_per_reason"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="billing_refund_positive"),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(succeeded_at__isnull=False),
                name="billing_refund_succeeded_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return self.out_refund_no
