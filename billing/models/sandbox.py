"""The sandbox gateway's own records: what a real gateway keeps on its side (orders it was
asked to open, their state, refunds). Development and tests only; never tenant data."""

from django.db import models
from django.utils import timezone


class SandboxOrder(models.Model):
    out_trade_no = models.CharField(max_length=32, unique=True)
    merchant_id = models.CharField(max_length=32)
    amount_fen = models.BigIntegerField()
    description = models.CharField(max_length=120)
    notify_url = models.CharField(max_length=300)
    state = models.CharField(max_length=12, default="NOTPAY")  # NOTPAY SUCCESS PAYERROR CLOSED
    transaction_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.out_trade_no} {self.state}"


class SandboxRefund(models.Model):
    out_refund_no = models.CharField(max_length=64, unique=True)
    order = models.ForeignKey(SandboxOrder, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.BigIntegerField()
    refund_id = models.CharField(max_length=64)
    state = models.CharField(max_length=12, default="PROCESSING")  # PROCESSING SUCCESS
    notify_url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.out_refund_no} {self.state}"
