"""API tokens that die: one per device, stored as a digest, bound to the password and the
"log out everywhere" epoch, expiring, revocable (``aftercare.services.tokens``)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.tenancy import TenantQuerySet, TenantRule

from .core import User


class ApiToken(models.Model):
    """One device's API token (``Authorization: Token <key>``).

    The key itself is never stored: ``digest`` is its SHA-256 (a 240-bit random key needs no
    slow hash), ``prefix`` its first characters, to tell tokens apart in a list. A token is
    valid while ``expires_at`` lies ahead and ``auth_hash`` equals the user's current session
    auth hash — which changes with the password and with "log out everywhere", so either
    kills every token at once (as it logs out every session). Losing a role deletes the
    user's tokens (a trigger on ``aftercare_membership``, migration 0011).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(_("device"), max_length=64, blank=True)
    auth_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    tenant_rule = TenantRule(family="user", personal=True)
    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="apitoken_expires_after_creation",
            )
        ]

    def __str__(self):
        return f"{self.prefix}… ({self.name or self.user})"
