"""The school withdraws a participant (withdraw_by_school, used by the dismissal 劝退): the
same status, history event and seat release as a family's approved withdrawal, so billing's
withdrawal sweep refunds it exactly as it refunds a family's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, OutboxMessage
from billing.gateway import sandbox as sandbox_module
from billing.models import Invoice, Refund, RefundReason
from billing.money import to_fen
from billing.services import refunds
from enrollment.models import (
    ApplicationEvent,
    ApplicationStatus,
    ApplicationTransition,
    CourseRegistration,
    SeatStatus,
)
from enrollment.services.applications import withdraw_by_school
from plans.calendar import plan_calendar
from tests.billing.conftest import _sandbox_keys, bill  # noqa: F401 (fixtures)
from tests.billing.test_payments import deliver
from tests.billing.test_refunds import _bill, _pay, _withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _deliver_in_process(monkeypatch):
    monkeypatch.setattr(
        sandbox_module,
        "transport",
        lambda url, headers, body: deliver(Client(), headers, body).status_code,
    )


def test_school_withdrawal_is_refunded_like_a_family_withdrawal(bill):  # noqa: F811
    app = bill.enroll("a1", courses=["书法"])
    _bill(bill)
    _pay(bill, Invoice.objects.get(application=app))
    last_day = timezone.localdate() + timedelta(days=3)
    principal = bill.user("principal_a1")
    withdraw_by_school(
        actor=principal, application=app, last_day=last_day, reason="多次警告后劝退", source="t"
    )
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN
    assert app.withdrawal_effective_date == last_day
    step = ApplicationTransition.objects.get(application=app, event=ApplicationEvent.WITHDRAWN)
    assert (step.from_status, step.payload["by_school"]) == (ApplicationStatus.APPROVED, True)
    # the seat of the course passed on, as on every withdrawal
    reg = CourseRegistration.objects.get(application=app)
    assert reg.status == SeatStatus.CANCELLED
    event = AuditEvent.objects.get(action="application.withdrawn_by_school")
    assert app.student.name not in str(event.payload)
    assert OutboxMessage.objects.filter(
        recipient=bill.user("parent_a1"), body__contains="多次警告后劝退"
    ).exists()
    # billing's minute sweep finds it, like a family's withdrawal
    assert refunds.refund_withdrawals() == 1
    refund = Refund.objects.get()
    expected = to_fen(
        plan_calendar(bill.versions["a1"]).basic_fee(3, from_date=last_day + timedelta(days=1))
    )
    assert (refund.reason, refund.amount_fen) == (RefundReason.WITHDRAWAL, expected)
    assert refunds.refund_withdrawals() == 0


def test_same_refund_as_the_family_path(bill):  # noqa: F811
    """Control: the family's path gives the same amount for the same last day."""
    app = bill.enroll("a1")
    _bill(bill)
    _pay(bill, Invoice.objects.get(application=app))
    last_day = timezone.localdate() + timedelta(days=3)
    _withdraw(bill, app, last_day)
    assert refunds.refund_withdrawals() == 1
    expected = to_fen(
        plan_calendar(bill.versions["a1"]).basic_fee(3, from_date=last_day + timedelta(days=1))
    )
    assert Refund.objects.get().amount_fen == expected


def test_refusals_write_nothing(bill):  # noqa: F811
    app = bill.enroll("a1")
    today = timezone.localdate()
    with pytest.raises(NotAllowed):
        withdraw_by_school(
            actor=bill.user("parent_a1"), application=app, last_day=today, reason="x"
        )
    with pytest.raises(InvalidInput) as err:
        withdraw_by_school(
            actor=bill.user("principal_a1"),
            application=app,
            last_day=today - timedelta(days=1),
            reason="",
        )
    assert set(err.value.fields) == {"reason", "last_day"}
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert not ApplicationTransition.objects.filter(application=app).exists()
    withdraw_by_school(actor=bill.user("principal_a1"), application=app, last_day=today, reason="r")
    with pytest.raises(Conflict) as err:
        withdraw_by_school(
            actor=bill.user("principal_a1"), application=app, last_day=today, reason="r"
        )
    assert err.value.code == "not_participating"
