"""Side effects after commit: inbox messages and text messages go through an outbox.

A service never sends anything while its transaction (and the locks it holds) is open. It
*records the intent* — ``notify(...)``, ``notify_many(...)``, ``send_sms(...)`` write
``OutboxMessage`` rows in the caller's transaction — and ``transaction.on_commit`` hands the
new ids to the Celery task ``aftercare.deliver_messages`` on the ``notifications`` queue.

* Rolled back: the rows vanish with the transaction; nothing is ever sent.
* Committed: the task delivers. Inbox messages: one statement claims the pending rows and
  inserts the ``Notification`` rows (``UPDATE … RETURNING`` feeding an ``INSERT``), so a task
  run twice, or two workers at once, deliver each message exactly once. Text messages: a
  conditional UPDATE takes a short lease, the gateway is called with no transaction open,
  then the row is marked sent and its body (a sign-up code) cleared. A worker dying between
  the gateway's answer and that mark may send the text again once the lease expires
  (at least once: gateways do not offer more).
* Lost dispatch (broker down at commit) or a failed gateway: ``redispatch_pending`` (beat,
  every minute) sends pending rows again with a growing pause, and gives up after
  ``MAX_ATTEMPTS`` (``failed_at``, the error kept). Delivered rows are deleted after
  ``KEEP_DAYS``.
* ``key`` (unique) makes the intent idempotent too: recording the same key twice keeps one
  message. Without a key each call is a new message.
* Inbox titles and bodies may be ``aftercare.texts.Text`` (a msgid with its parameters): the
  message keeps them (``Notification.message``) and the inbox renders them in the reader's
  language when read; the text rendered now (the active language) is kept as the fallback.
  Text messages (SMS) are rendered now, in the language active when they are recorded.

The kernel imports no feature app: callers pass users, districts and texts, nothing else.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError

from aftercare import sms
from aftercare.celery import app as celery_app
from aftercare.models import District, OutboxChannel, OutboxMessage, User
from aftercare.texts import Text

logger = logging.getLogger("aftercare.notifications")

DELIVER_TASK = "aftercare.deliver_messages"  # on settings.NOTIFICATIONS_QUEUE
BATCH = 200  # ids per delivery task
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)  # a text message's sender has this long before another may try
KEEP_DAYS = 30


# --------------------------------------------------------------------------- record


def notify(
    *,
    recipient: User,
    district: District,
    title: str,
    body: str = "",
    url: str = "",
    key: str | None = None,
) -> OutboxMessage:
    """Put a message in a user's in-app inbox once the current transaction commits.
    ``title`` and ``body`` may be ``Text``: the inbox then shows them in the reader's
    language."""
    return _record(
        key=key,
        channel=OutboxChannel.INBOX,
        district=district,
        recipient=recipient,
        title=str(title)[:200],
        body=str(body),
        message=_message(title, body),
        url=url[:300],
    )


def _message(title, body) -> dict | None:
    """The texts to translate at read time, or None when both are plain text."""
    message = {k: v.to_json() for k, v in (("title", title), ("body", body)) if isinstance(v, Text)}
    return message or None


INSERT_INBOX = """
INSERT INTO aftercare_outboxmessage
    (key, channel, district_id, recipient_id, mobile, title, body, message, url, created_at,
     attempts, error)
SELECT m.key, 'inbox', m.district, m.recipient, '', m.title, m.body, m.message, m.url,
       %(now)s, 0, ''
  FROM unnest(%(keys)s::varchar[], %(districts)s::bigint[], %(recipients)s::bigint[],
              %(titles)s::varchar[], %(bodies)s::text[], %(messages)s::jsonb[],
              %(urls)s::varchar[])
       AS m(key, district, recipient, title, body, message, url)
ON CONFLICT (key) DO NOTHING
RETURNING id
"""
INSERT_CHUNK = 1000


def notify_many(messages: Iterable[dict]) -> int:
    """Several inbox messages at once (dicts with ``notify``'s arguments): one INSERT … SELECT
    FROM unnest(…) per ``INSERT_CHUNK`` messages (no model instance per row), one dispatch
    per ``BATCH``, however many recipients. Returns the number recorded."""
    rows = [
        (
            m.get("key") or _new_key(),
            m["district"].pk,
            m["recipient"].pk,
            str(m["title"])[:200],
            str(m.get("body", "")),
            (m.get("url") or "")[:300],
            bool(m.get("key")),
            _json(_message(m["title"], m.get("body", ""))),
        )
        for m in messages
    ]
    if not rows:
        return 0
    now = timezone.now()
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[start : start + INSERT_CHUNK]
            columns = list(zip(*chunk, strict=True))
            cursor.execute(
                INSERT_INBOX,
                {
                    "now": now,
                    "keys": list(columns[0]),
                    "districts": list(columns[1]),
                    "recipients": list(columns[2]),
                    "titles": list(columns[3]),
                    "bodies": list(columns[4]),
                    "urls": list(columns[5]),
                    "messages": list(columns[7]),
                },
            )
            ids += [row[0] for row in cursor.fetchall()]
    given = [r[0] for r in rows if r[6]]
    if given:  # a keyed message recorded before and still pending is dispatched again
        ids += list(
            OutboxMessage.objects.filter(
                key__in=given, sent_at__isnull=True, failed_at__isnull=True
            )
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
    _dispatch_on_commit(ids)
    return len(rows)


def _json(message: dict | None) -> str | None:
    return json.dumps(message, ensure_ascii=False) if message else None


def send_sms(*, mobile: str, text: str, key: str | None = None) -> OutboxMessage:
    """Send a text message through ``settings.SMS_BACKEND`` once the transaction commits."""
    return _record(key=key, channel=OutboxChannel.SMS, mobile=mobile, body=text)


def _new_key() -> str:
    return uuid.uuid4().hex


def _record(*, key: str | None, **fields) -> OutboxMessage:
    if key is None:
        message = OutboxMessage.objects.create(key=_new_key(), **fields)
    else:
        message, _created = OutboxMessage.objects.get_or_create(key=key, defaults=fields)
    if message.sent_at is None and message.failed_at is None:
        _dispatch_on_commit([message.pk])
    return message


# --------------------------------------------------------------------------- dispatch


def _dispatch_on_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(partial(dispatch, list(ids)))


def dispatch(ids: list[int]) -> None:
    """Queue delivery tasks for ``ids``. A broker that is down only delays them: the rows
    stay pending and the sweeper queues them again."""
    task = celery_app.tasks[DELIVER_TASK]  # by name: aftercare.tasks imports this module
    queue = getattr(settings, "NOTIFICATIONS_QUEUE", "notifications")
    for start in range(0, len(ids), BATCH):
        try:
            task.apply_async(args=[ids[start : start + BATCH]], queue=queue)
        except (OperationalError, OSError):
            logger.warning("broker unavailable; %d message(s) left to the sweeper", len(ids))
            return


# --------------------------------------------------------------------------- deliver


CLAIM_INBOX = """
WITH claimed AS (
    UPDATE aftercare_outboxmessage
    SET sent_at = %(now)s, attempted_at = %(now)s, attempts = attempts + 1
    WHERE id = ANY(%(ids)s) AND channel = 'inbox'
      AND sent_at IS NULL AND failed_at IS NULL
    RETURNING district_id, recipient_id, title, body, message, url, created_at
)
INSERT INTO aftercare_notification
    (district_id, recipient_id, title, body, message, url, created_at)
SELECT district_id, recipient_id, title, body, message, url, created_at FROM claimed
"""


def deliver(ids: list[int], *, now: datetime | None = None) -> dict[str, int]:
    """Deliver the pending messages among ``ids`` (the task's body). Returns counts of
    ``inbox`` messages and ``sms`` sent and of ``failed`` text messages (left pending)."""
    now = now or timezone.now()
    ids = [int(i) for i in ids]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(CLAIM_INBOX, {"ids": ids, "now": now})
        inbox = cursor.rowcount
    sent = failed = 0
    texts = OutboxMessage.objects.filter(
        pk__in=ids, channel=OutboxChannel.SMS, sent_at__isnull=True, failed_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(texts):
        outcome = _deliver_text(pk)
        sent += outcome == "sent"
        failed += outcome == "failed"
    return {"inbox": inbox, "sms": sent, "failed": failed}


def _deliver_text(pk: int) -> str:
    now = timezone.now()
    # The lease: one conditional UPDATE (autocommit), then no transaction while the gateway
    # is called.
    claimed = OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=pk,
        sent_at__isnull=True,
        failed_at__isnull=True,
    ).update(claimed_until=now + LEASE, attempted_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return "skipped"
    message = OutboxMessage.objects.only("mobile", "body", "attempts").get(pk=pk)
    try:
        sms.deliver_now(message.mobile, message.body)
    except Exception as exc:
        logger.warning("SMS gateway failed (message %s, attempt %s)", pk, message.attempts)
        fields = {"claimed_until": None, "error": f"{type(exc).__name__}: {exc}"[:200]}
        if message.attempts >= MAX_ATTEMPTS:
            fields.update(failed_at=timezone.now(), body="")
        OutboxMessage.objects.filter(pk=pk).update(**fields)
        return "failed"
    OutboxMessage.objects.filter(pk=pk).update(
        sent_at=timezone.now(), claimed_until=None, body="", error=""
    )
    return "sent"


# --------------------------------------------------------------------------- sweep


def retry_pause(attempts: int) -> timedelta:
    """How long a message that failed ``attempts`` times waits: 1, 2, 4 … 60 minutes."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def redispatch_pending(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Queue again what is still pending after its pause (beat, every minute): messages
    whose dispatch was lost and text messages whose gateway failed. Gives up after
    ``MAX_ATTEMPTS``; deletes delivered messages after ``KEEP_DAYS``. Returns the number
    queued."""
    now = now or timezone.now()
    OutboxMessage.objects.filter(
        sent_at__isnull=True, failed_at__isnull=True, attempts__gte=MAX_ATTEMPTS
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
        failed_at=now, body="", claimed_until=None
    )
    pending = OutboxMessage.objects.filter(
        sent_at__isnull=True,
        failed_at__isnull=True,
        created_at__lt=now - timedelta(minutes=1),
    ).filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    due = [
        pk
        for pk, attempts, attempted_at in pending.order_by("created_at").values_list(
            "pk", "attempts", "attempted_at"
        )[:limit]
        if attempted_at is None or attempted_at <= now - retry_pause(attempts)
    ]
    dispatch(due)
    cutoff = now - timedelta(days=KEEP_DAYS)
    old = OutboxMessage.objects.filter(Q(sent_at__lt=cutoff) | Q(failed_at__lt=cutoff))
    OutboxMessage.objects.filter(pk__in=old.values("pk")[:10000]).delete()
    return len(due)
