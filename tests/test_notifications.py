"""Side effects after commit (aftercare.notifications): inbox and SMS go through the outbox.

Nothing is delivered while the transaction that caused it is open (or ever, when it rolls
back); a delivery run twice, or twice at once, delivers once; a lost dispatch or a failing
gateway is picked up again by the sweeper, then given up after a bounded number of tries.
"""

import re
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftercare import notifications
from aftercare.celery import app as celery_app
from aftercare.models import Notification, OutboxMessage
from aftercare.sms import LoggingBackend
from tests.factories import DistrictFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _empty_outbox():
    LoggingBackend.outbox.clear()
    yield
    LoggingBackend.outbox.clear()


@pytest.fixture
def people(db):
    district = DistrictFactory()
    return district, [UserFactory() for _ in range(3)]


def inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


# --------------------------------------------------------------------------- after commit


def test_inbox_message_arrives_after_commit_and_never_after_rollback(people):
    district, (alice, *_rest) = people
    with transaction.atomic():
        notifications.notify(recipient=alice, district=district, title="已提交")
        assert inbox(alice) == []  # still inside the transaction that caused it
    assert inbox(alice) == ["已提交"]

    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.notify(recipient=alice, district=district, title="回滚")
        raise RuntimeError
    assert inbox(alice) == ["已提交"]
    assert not OutboxMessage.objects.filter(title="回滚").exists()


def test_a_rolled_back_savepoint_drops_only_its_own_messages(people):
    district, (alice, bob, _carol) = people
    with transaction.atomic():
        notifications.notify(recipient=alice, district=district, title="外层")
        try:
            with transaction.atomic():
                notifications.notify(recipient=bob, district=district, title="内层")
                raise ValueError
        except ValueError:
            pass
    assert inbox(alice) == ["外层"] and inbox(bob) == []


def test_the_same_key_is_one_message(people):
    district, (alice, *_rest) = people
    for _ in range(2):
        notifications.notify(recipient=alice, district=district, title="一次", key="k:1")
    assert OutboxMessage.objects.filter(key="k:1").count() == 1
    assert inbox(alice) == ["一次"]


def test_delivering_again_sends_nothing_twice(people):
    district, (alice, *_rest) = people
    message = notifications.notify(recipient=alice, district=district, title="只一次")
    assert notifications.deliver([message.pk]) == {"inbox": 0, "sms": 0, "failed": 0}
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 1
    assert inbox(alice) == ["只一次"]


def test_many_recipients_are_one_insert_and_one_task(people, monkeypatch):
    district, users = people
    queued = []
    monkeypatch.setattr(notifications, "dispatch", lambda ids: queued.append(list(ids)))

    def record(count):
        messages = [
            {"recipient": users[i % 3], "district": district, "title": f"第{i}条"}
            for i in range(count)
        ]
        with CaptureQueriesContext(connection) as ctx:
            notifications.notify_many(messages)
        return len(ctx.captured_queries)

    assert record(1) == record(60)
    assert [len(ids) for ids in queued] == [1, 60]
    assert notifications.deliver(queued[1])["inbox"] == 60
    assert Notification.objects.filter(recipient=users[0]).count() == 20


def test_a_broker_down_at_commit_delays_but_loses_nothing(people, monkeypatch):
    from kombu.exceptions import OperationalError

    district, (alice, *_rest) = people
    task = celery_app.tasks[notifications.DELIVER_TASK]

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(task, "apply_async", down)
    with transaction.atomic():
        notifications.notify(recipient=alice, district=district, title="稍后送达")
    assert inbox(alice) == []  # committed, not delivered, no error for the user
    monkeypatch.undo()
    later = timezone.now() + timedelta(minutes=2)
    assert notifications.redispatch_pending(now=later) == 1
    assert inbox(alice) == ["稍后送达"]
    assert notifications.redispatch_pending(now=later) == 0


# --------------------------------------------------------------------------- SMS


def test_a_failing_gateway_is_retried_with_pauses_then_given_up(db, monkeypatch):
    calls = []

    def broken(self, mobile, text):
        calls.append(mobile)
        raise ConnectionError("gateway down")

    monkeypatch.setattr(LoggingBackend, "send", broken)
    message = notifications.send_sms(mobile="13912345678", text="验证码 123456")
    message.refresh_from_db()
    assert (message.attempts, message.sent_at, message.failed_at) == (1, None, None)
    assert message.error == "ConnectionError: gateway down"
    assert message.body == "验证码 123456"  # kept for the next try

    start = message.attempted_at
    assert notifications.redispatch_pending(now=start + timedelta(seconds=59)) == 0
    assert notifications.redispatch_pending(now=start + timedelta(minutes=1)) == 1
    for attempt in range(3, notifications.MAX_ATTEMPTS + 1):
        message.refresh_from_db()
        notifications.redispatch_pending(
            now=message.attempted_at + notifications.retry_pause(attempt - 1)
        )
    message.refresh_from_db()
    assert message.attempts == notifications.MAX_ATTEMPTS == len(calls)
    assert message.failed_at is not None and message.body == ""

    monkeypatch.undo()
    assert notifications.redispatch_pending(now=timezone.now() + timedelta(days=1)) == 0
    assert LoggingBackend.outbox == []


def test_a_sent_text_keeps_no_copy_of_its_body(db):
    message = notifications.send_sms(mobile="13912345678", text="验证码 654321")
    message.refresh_from_db()
    assert message.sent_at is not None and message.body == ""
    assert LoggingBackend.outbox == [("13912345678", "验证码 654321")]
    assert notifications.deliver([message.pk])["sms"] == 0
    assert len(LoggingBackend.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_sign_up_code_is_texted_after_commit_without_locks(monkeypatch):
    """The sign-up took advisory locks and called the gateway under them."""
    from enrollment.services.families import request_signup_code

    seen = []

    def spy(self, mobile, text):
        with connection.cursor() as cursor:
            # This connection's locks: other sessions (a claim's gate) may hold theirs.
            cursor.execute(
                "SELECT count(*) FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
            seen.append((cursor.fetchone()[0], connection.in_atomic_block))

    monkeypatch.setattr(LoggingBackend, "send", spy)
    request_signup_code(mobile="13912345678", ip_address="198.51.100.4")
    assert seen == [(0, False)]


# --------------------------------------------------------------------------- concurrency


def _twice_at_once(deliver, message_id):
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait(5)
            deliver(message_id)
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert not errors, errors


def _pending_message(district, user):
    return OutboxMessage.objects.create(
        key=uuid.uuid4().hex, channel="inbox", district=district, recipient=user, title="并发"
    )


@pytest.mark.django_db(transaction=True)
def test_naive_check_then_insert_would_deliver_twice():
    district, alice = DistrictFactory(), UserFactory()
    message = _pending_message(district, alice)

    def naive(pk):
        row = OutboxMessage.objects.get(pk=pk)
        if row.sent_at is None:
            time.sleep(0.3)  # both readers see it pending
            Notification.objects.create(district=district, recipient=alice, title=row.title)
            OutboxMessage.objects.filter(pk=pk).update(sent_at=timezone.now())

    _twice_at_once(naive, message.pk)
    assert Notification.objects.filter(recipient=alice).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_at_once_deliver_once():
    district, alice = DistrictFactory(), UserFactory()
    message = _pending_message(district, alice)
    _twice_at_once(lambda pk: notifications.deliver([pk]), message.pk)
    assert Notification.objects.filter(recipient=alice).count() == 1


# --------------------------------------------------------------------------- the one way


def test_side_effects_are_only_sent_by_the_outbox():
    """No app creates inbox rows or calls the SMS gateway itself."""
    direct = re.compile(
        r"Notification\.objects\.(create|bulk_create)|(?<!class )Notification\(|deliver_now\("
    )
    offenders = []
    for app in ("aftercare", "plans", "enrollment", "scheduling", "attendance", "billing"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name in {"notifications.py", "sms.py"}:
                continue
            if direct.search(path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, offenders


# --------------------------------------------------------------------------- real worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_from_the_notifications_queue():
    """Through Redis to a worker process using this test's database (its own queue, so
    another test process's worker cannot take the task)."""
    from tests.workers import running_worker

    district, alice = DistrictFactory(), UserFactory()
    queue = f"notifications-test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    with (
        override_settings(NOTIFICATIONS_QUEUE=queue),
        running_worker(queues=[queue], env={"DATABASE_URL": url}),
    ):
        with transaction.atomic():
            notifications.notify(recipient=alice, district=district, title="工作进程送达")
        deadline = time.monotonic() + 15
        while not inbox(alice) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert inbox(alice) == ["工作进程送达"]
    assert OutboxMessage.objects.get(recipient=alice).sent_at is not None
