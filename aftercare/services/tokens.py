"""API tokens that die (issue 14): issued per device, expiring, listed and revoked by their
owner, dead after a password change, "log out everywhere" or the loss of a role.

How each death works, with no signal and no per-request write:

* **Expiry** — ``expires_at`` (``settings.API_TOKEN_TTL_DAYS`` after issue); the one
  authentication query asks ``expires_at > now()``. Beat purges expired and dead rows daily.
* **Password change** (page, admin, ``changepassword``, any ``set_password`` + save) and
  **log out everywhere** — a token stores the user's session auth hash of its issue
  (``User.get_session_auth_hash``: an HMAC of the password hash and ``session_epoch``); a
  token whose hash no longer equals the user's is refused and deleted on its next use. Log
  out everywhere bumps ``session_epoch``: Django refuses every session of the old hash too.
* **Losing a role** — a trigger on ``aftercare_membership`` (migration ``api_tokens``)
  deletes the user's tokens when one of their memberships is deleted or changed, whichever
  code path (a service, the admin, SQL) does it. Their sessions need nothing: the scope is
  read from the memberships on every request.

Only the SHA-256 of a key is stored; the key is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from aftercare.audit import record_event
from aftercare.models import ApiToken, User

__all__ = [
    "IssuedToken",
    "authenticate_key",
    "issue_token",
    "issue_tokens",
    "live_tokens",
    "log_out_everywhere",
    "purge_dead_tokens",
    "revoke_token",
]

# A token's last use is written at most this often (not on every request of a rush).
TOUCH_INTERVAL = timedelta(minutes=10)


@dataclass(frozen=True)
class IssuedToken:
    key: str  # shown to the client once; never stored
    token: ApiToken


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_ttl() -> timedelta:
    return timedelta(days=settings.API_TOKEN_TTL_DAYS)


def issue_token(*, user: User, name: str = "") -> IssuedToken:
    """A new token for one device of ``user`` (each login gets its own)."""
    key = secrets.token_urlsafe(30)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        digest=digest(key),
        prefix=key[:8],
        name=(name or "").strip()[:64],
        auth_hash=user.get_session_auth_hash(),
        created_at=now,
        expires_at=now + token_ttl(),
    )
    return IssuedToken(key=key, token=token)


def issue_tokens(*, users, name: str = "") -> list[str]:
    """One new token per user in one INSERT (benchmarks, bulk seeding); the keys in order."""
    now, keys, rows = timezone.now(), [], []
    for user in users:
        key = secrets.token_urlsafe(30)
        keys.append(key)
        rows.append(
            ApiToken(
                user=user,
                digest=digest(key),
                prefix=key[:8],
                name=name[:64],
                auth_hash=user.get_session_auth_hash(),
                created_at=now,
                expires_at=now + token_ttl(),
            )
        )
    ApiToken.objects.bulk_create(rows, batch_size=2000)
    return keys


_AUTH_SQL = (
    "SELECT u.*, t.id AS token_pk, t.public_id AS token_public_id, "
    "t.auth_hash AS token_auth_hash, t.last_used_at AS token_last_used_at, "
    "t.expires_at AS token_expires_at "
    "FROM aftercare_apitoken t JOIN aftercare_user u ON u.id = t.user_id "
    "WHERE t.digest = %s AND t.expires_at > now()"
)


def authenticate_key(key: str) -> tuple[User, ApiToken] | None:
    """The user and token of a presented key, or None (unknown, expired or dead). One plain
    query on the hot path; a write only to delete a dead token or, every ``TOUCH_INTERVAL``,
    to note the last use."""
    rows = list(User.objects.raw(_AUTH_SQL, [digest(key)]))
    if not rows:
        return None
    user = rows[0]
    if not constant_time_compare(user.get_session_auth_hash(), user.token_auth_hash):
        ApiToken.objects.filter(pk=user.token_pk).delete()
        return None
    now = timezone.now()
    if user.token_last_used_at is None or now - user.token_last_used_at > TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=user.token_pk).update(last_used_at=now)
    token = ApiToken(
        pk=user.token_pk,
        public_id=user.token_public_id,
        user=user,
        expires_at=user.token_expires_at,
        last_used_at=now,
    )
    return user, token


def live_tokens(*, user: User):
    """The tokens of ``user`` that still work, newest first."""
    return ApiToken.objects.filter(
        user=user, expires_at__gt=timezone.now(), auth_hash=user.get_session_auth_hash()
    ).order_by("-created_at", "-pk")


def revoke_token(*, user: User, token: ApiToken, ip_address: str | None = None) -> None:
    """Delete one of the caller's own tokens (callers look it up in ``live_tokens``)."""
    assert token.user_id == user.pk
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()
        record_event(
            actor=user,
            action="token.revoked",
            payload={"token": token.prefix, "name": token.name},
            ip_address=ip_address,
        )


def log_out_everywhere(*, user: User, ip_address: str | None = None) -> int:
    """End every session and every API token of ``user`` (this one's too); returns how many
    tokens died. The caller logs its own request out."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
        user.refresh_from_db(fields=["session_epoch"])
        deleted, _ = ApiToken.objects.filter(user=user).delete()
        record_event(
            actor=user,
            action="auth.logged_out_everywhere",
            payload={"tokens": deleted},
            ip_address=ip_address,
        )
    return deleted


def purge_dead_tokens(*, batch: int = 2000) -> int:
    """Beat, daily: delete expired tokens, and tokens whose user changed the password or
    logged out everywhere since (their hash is an HMAC: compared here, in batches)."""
    purged, _ = ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()
    last = 0
    while True:
        rows = list(
            ApiToken.objects.filter(pk__gt=last)
            .select_related("user")
            .only("pk", "auth_hash", "user__password", "user__session_epoch")
            .order_by("pk")[:batch]
        )
        if not rows:
            return purged
        dead = [
            t.pk
            for t in rows
            if not constant_time_compare(t.user.get_session_auth_hash(), t.auth_hash)
        ]
        if dead:
            purged += ApiToken.objects.filter(pk__in=dead).delete()[0]
        last = rows[-1].pk
