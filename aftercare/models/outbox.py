"""The outbox: side effects (inbox messages, text messages) recorded inside the transaction
that causes them and delivered after it commits (``aftercare.notifications``)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.fields import EncryptedCharField
from aftercare.models.core import District, User


class OutboxChannel(models.TextChoices):
    INBOX = "inbox", _("inbox")
    SMS = "sms", _("text message")


class OutboxMessage(models.Model):
    """One message to deliver, exactly once for the inbox, at least once for a gateway.

    ``key`` is unique: recording the same intent twice (a retried request) keeps one row.
    Pending rows have neither ``sent_at`` nor ``failed_at``; ``claimed_until`` is the lease
    of the worker sending a text message (no transaction or lock is held meanwhile).
    A text message's body is cleared once it is sent or given up (codes are not kept).
    """

    key = models.CharField(max_length=191, unique=True)
    channel = models.CharField(max_length=8, choices=OutboxChannel.choices)
    district = models.ForeignKey(
        District, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    mobile = EncryptedCharField(max_length=20, blank=True, kind="mobile")  # no lookups by it
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    message = models.JSONField(null=True, blank=True)  # an inbox message's texts to translate
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempted_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        channel="inbox",
                        recipient__isnull=False,
                        district__isnull=False,
                    )
                    | (Q(channel="sms") & ~Q(mobile=""))
                ),
                name="outbox_channel_has_its_address",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True),
                name="outbox_sent_or_failed_not_both",
            ),
        ]
        indexes = [
            # The sweeper reads only what is pending.
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            models.Index(fields=["sent_at"], name="outbox_sent_idx"),
        ]

    def __str__(self):
        return f"{self.channel}:{self.key}"
