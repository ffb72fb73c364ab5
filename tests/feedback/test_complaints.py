"""The complaint state machine, its deadlines (time frozen) and its bad input."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, Notification
from feedback.deadlines import end_of_day_after
from feedback.models import Complaint, ComplaintEvent, ComplaintStatus
from feedback.selectors.complaints import (
    complaint_summary,
    overdue_complaints,
    verified_complaints_for,
)
from feedback.services import complaints as services
from plans.models import DistrictPolicy
from tests.attendance.world import DAY, at
from tests.factories import StudentFactory
from tests.feedback.helpers import complaint

pytestmark = pytest.mark.django_db


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute, second)))


@pytest.mark.parametrize(
    ("filed", "days", "due"),
    [
        # filed on DAY (Wednesday) at 16:00, 2 days: due Friday at the end of the day
        ((DAY, 16, 0), 2, (DAY + timedelta(days=2), 23, 59, 59)),
        # filed at 23:59 still counts from that day
        ((DAY, 23, 59), 1, (DAY + timedelta(days=1), 23, 59, 59)),
        # filed at 00:10 local time (16:10 UTC the day before) counts from the local day
        ((DAY, 0, 10), 1, (DAY + timedelta(days=1), 23, 59, 59)),
        # calendar days: the weekend counts
        ((DAY + timedelta(days=2), 9, 0), 3, (DAY + timedelta(days=5), 23, 59, 59)),
    ],
)
def test_deadline_is_the_end_of_the_nth_local_day(filed, days, due):
    assert end_of_day_after(local(*filed), days) == local(*due)


def test_deadlines_come_from_the_district_policy(daily, clock):
    DistrictPolicy.objects.filter(pk=daily.policy.pk).update(
        complaint_ack_days=1, complaint_resolve_days=5
    )
    clock.set(20, 30)
    c = complaint(daily)
    assert c.semester == daily.semester
    assert c.ack_due_at == local(DAY + timedelta(days=1), 23, 59, 59)
    assert c.resolve_due_at == local(DAY + timedelta(days=5), 23, 59, 59)
    assert c.status == ComplaintStatus.SUBMITTED
    assert list(c.events.values_list("kind", flat=True)) == ["filed"]


def test_the_whole_life_of_a_verified_complaint(daily, world, clock):
    parent, principal, official = (
        daily.parents[daily.children[0].pk],
        world.users["principal_a1"],
        world.users["official_a"],
    )
    c = complaint(daily)
    assert (
        Notification.objects.filter(recipient=principal, url__contains=str(c.public_id)).count()
        == 1
    )

    clock.set(9, 0, DAY + timedelta(days=1))
    c = services.acknowledge_complaint(actor=principal, complaint=c, note="已联系看护老师")
    assert (c.status, c.missed_deadline) == (ComplaintStatus.INVESTIGATING, False)
    assert Notification.objects.filter(recipient=parent).count() == 1

    clock.set(10, 0, DAY + timedelta(days=3))
    c = services.close_complaint(
        actor=principal,
        complaint=c,
        outcome="verified",
        findings="经调查属实，已对看护老师进行批评教育。",
        deduction_percent=30,
    )
    assert c.status == ComplaintStatus.CLOSED and c.outcome == "verified"
    assert c.verified_at == clock.now
    assert (c.deduction_percent, c.deduction_month) == (30, date(2026, 12, 1))
    assert list(verified_complaints_for(daily.staff["care"], date(2026, 12, 17))) == [c]
    assert not verified_complaints_for(daily.staff["care"], date(2026, 11, 30)).exists()
    assert not verified_complaints_for(daily.staff["teacher"], date(2026, 12, 1)).exists()

    # The family disagrees; the district upholds; no second escalation.
    c = services.escalate_complaint(actor=parent, complaint=c, reason="处理太轻")
    assert c.status == ComplaintStatus.ESCALATED
    assert Notification.objects.filter(recipient=official, title__contains=c.reference).exists()
    assert list(verified_complaints_for(daily.staff["care"], DAY)) == [c]  # evidence stands
    c = services.uphold_complaint(actor=official, complaint=c, note="维持学校处理意见")
    assert c.status == ComplaintStatus.CLOSED and c.upheld_at == clock.now
    with pytest.raises(Conflict) as err:
        services.escalate_complaint(actor=parent, complaint=c, reason="再次投诉")
    assert err.value.code == "not_escalatable"

    # The district may still reopen it: the evidence is withdrawn, new deadlines run.
    clock.set(11, 0, DAY + timedelta(days=10))
    c = services.reopen_complaint(actor=official, complaint=c, note="请重新核查")
    assert c.status == ComplaintStatus.INVESTIGATING
    assert (c.outcome, c.findings, c.deduction_percent, c.verified_at, c.upheld_at) == (
        "",
        "",
        None,
        None,
        None,
    )
    assert c.resolve_due_at == local(DAY + timedelta(days=25), 23, 59, 59)  # 15 days
    assert c.reopened_count == 1
    assert not verified_complaints_for(daily.staff["care"], DAY).exists()
    reopened = c.events.get(kind="reopened")
    assert reopened.payload["before"]["deduction_percent"] == 30
    assert list(c.events.values_list("kind", flat=True)) == [
        "filed",
        "acknowledged",
        "closed",
        "escalated",
        "upheld",
        "reopened",
    ]
    actions = set(
        AuditEvent.objects.filter(object_id=str(c.public_id)).values_list("action", flat=True)
    )
    assert actions == {
        "complaint.filed",
        "complaint.acknowledged",
        "complaint.closed",
        "complaint.escalated",
        "complaint.upheld",
        "complaint.reopened",
    }


def test_overdue_complaints_and_missed_deadlines(daily, world, clock):
    principal, parent = world.users["principal_a1"], daily.parents[daily.children[0].pk]
    c = complaint(daily)  # DAY 16:00: acknowledge by DAY+2 23:59:59
    with pytest.raises(Conflict):  # not overdue yet: the school still has time
        services.escalate_complaint(actor=parent, complaint=c, reason="没人理")
    clock.set(23, 59, DAY + timedelta(days=2))
    assert not overdue_complaints(district=world.a, now=clock.now).exists()
    clock.now = local(DAY + timedelta(days=3), 0, 0, 0)
    assert list(overdue_complaints(district=world.a, now=clock.now)) == [c]
    assert not overdue_complaints(district=world.b, now=clock.now).exists()
    assert complaint_summary(district=world.a, now=clock.now)[daily.school.pk].overdue_now == 1

    c = services.acknowledge_complaint(actor=principal, complaint=c)
    assert c.missed_deadline is True
    assert c.events.get(kind="acknowledged").payload == {"late": True}
    assert not overdue_complaints(district=world.a, now=clock.now).exists()
    # investigating: the resolve deadline (15 days from filing) passes
    clock.now = local(DAY + timedelta(days=16), 0, 0, 1)
    assert list(overdue_complaints(district=world.a, now=clock.now)) == [c]
    c = services.escalate_complaint(actor=parent, complaint=c, reason="学校超期未答复")
    assert c.status == ComplaintStatus.ESCALATED
    with pytest.raises(Conflict) as err:  # the school never closed it: nothing to uphold
        services.uphold_complaint(actor=world.users["official_a"], complaint=c, note="维持")
    assert err.value.code == "never_closed"
    summary = complaint_summary(district=world.a, semester=daily.semester, now=clock.now)
    row = summary[daily.school.pk]
    assert (row.total, row.missed_deadline, row.escalated, row.open, row.overdue_now) == (
        1,
        1,
        1,
        0,
        0,
    )


def test_reopening_a_never_acknowledged_complaint_starts_over(daily, world, clock):
    c = complaint(daily)
    clock.now = local(DAY + timedelta(days=4), 8, 0)
    c = services.escalate_complaint(
        actor=daily.parents[daily.children[0].pk], complaint=c, reason="三天没人理"
    )
    c = services.reopen_complaint(actor=world.users["official_a"], complaint=c, note="请尽快受理")
    assert c.status == ComplaintStatus.SUBMITTED
    assert c.ack_due_at == local(DAY + timedelta(days=6), 23, 59, 59)
    assert c.missed_deadline is True


def test_wrong_state_and_wrong_role(daily, world):
    c = complaint(daily)
    principal = world.users["principal_a1"]
    for user in ("care_a1", "teacher_a1", "principal_a2", "official_a"):
        with pytest.raises(NotAllowed):
            services.acknowledge_complaint(actor=world.users[user], complaint=c)
    with pytest.raises(NotAllowed):
        services.reopen_complaint(actor=principal, complaint=c, note="x")
    with pytest.raises(NotAllowed):
        services.escalate_complaint(actor=world.users["parent_a2"], complaint=c, reason="x")
    c = services.acknowledge_complaint(actor=principal, complaint=c)
    with pytest.raises(Conflict) as err:
        services.acknowledge_complaint(actor=principal, complaint=c)
    assert err.value.code == "not_submitted"
    with pytest.raises(Conflict):
        services.reopen_complaint(actor=world.users["official_a"], complaint=c, note="x")
    c = services.close_complaint(
        actor=principal, complaint=c, outcome="not_verified", findings="不属实"
    )
    with pytest.raises(Conflict) as err:
        services.close_complaint(actor=principal, complaint=c, outcome="verified", findings="x")
    assert err.value.code == "not_open"
    assert c.events.count() == 3


def test_closing_a_new_complaint_acknowledges_it(daily, world, clock):
    c = complaint(daily, staff=None, category="other")
    clock.set(18, 0)
    c = services.close_complaint(
        actor=world.users["admin_a1"], complaint=c, outcome="not_verified", findings="已解释"
    )
    assert c.acknowledged_at == c.closed_at == clock.now
    assert c.deduction_month is None  # nobody to hold it against


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"findings": "  "}, "findings"),
        ({"findings": "查" * 1001}, "findings"),
        ({"deduction_percent": 5}, "deduction_percent"),
        ({"deduction_percent": 110}, "deduction_percent"),
        ({"outcome": "not_verified", "deduction_percent": 20}, "deduction_percent"),
        ({"deduction_month": date(2027, 2, 1), "deduction_percent": 20}, "deduction_month"),
    ],
)
def test_closing_refuses_bad_input_and_writes_nothing(daily, world, changes, field):
    c = complaint(daily)
    args = {"outcome": "verified", "findings": "属实", **changes}
    with pytest.raises(InvalidInput) as err:
        services.close_complaint(actor=world.users["principal_a1"], complaint=c, **args)
    assert field in err.value.fields
    c.refresh_from_db()
    assert c.status == ComplaintStatus.SUBMITTED and c.events.count() == 1


def test_deduction_message_names_the_value_and_the_limits(daily, world):
    c = complaint(daily)
    with pytest.raises(InvalidInput) as err:
        services.close_complaint(
            actor=world.users["principal_a1"],
            complaint=c,
            outcome="verified",
            findings="属实",
            deduction_percent=5,
        )
    message = str(err.value.fields["deduction_percent"][0])
    assert "5%" in message and "10%" in message and "100%" in message


def test_a_deduction_needs_a_teacher_of_that_school(daily, world):
    c = complaint(daily, staff=None, category="session")
    with pytest.raises(InvalidInput) as err:
        services.close_complaint(
            actor=world.users["principal_a1"],
            complaint=c,
            outcome="verified",
            findings="属实",
            deduction_percent=10,
        )
    assert "staff" in err.value.fields
    c = services.close_complaint(
        actor=world.users["principal_a1"],
        complaint=c,
        outcome="verified",
        findings="属实",
        staff=daily.staff["teacher"],
        deduction_percent=10,
    )
    assert list(verified_complaints_for(daily.staff["teacher"], DAY)) == [c]


def test_a_complaint_about_a_child_the_parent_does_not_guard_is_refused(daily, world):
    other_child = daily.children[1]
    with pytest.raises(NotAllowed) as err:
        services.file_complaint(
            actor=daily.parents[daily.children[0].pk],
            student=other_child,
            category="fee",
            description="多收费",
            incident_date=DAY,
        )
    assert err.value.code == "not_guardian"
    assert not Complaint.objects.exists() and not ComplaintEvent.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"incident_date": DAY + timedelta(days=1)}, "incident_date"),
        ({"incident_date": DAY - timedelta(days=400)}, "incident_date"),
    ],
)
def test_filing_refuses_bad_input(daily, kwargs, field):
    with pytest.raises(InvalidInput) as err:
        complaint(daily, **kwargs)
    assert field in err.value.fields
    assert not Complaint.objects.exists()


def test_a_session_or_teacher_of_another_school_is_refused(daily, world):
    from scheduling.models import StaffKind, StaffMember

    stranger = StaffMember.objects.create(
        district=world.a, school=world.schools["a2"], kind=StaffKind.VOLUNTEER, full_name="外校老师"
    )
    with pytest.raises(InvalidInput) as err:
        services.file_complaint(
            actor=daily.parents[daily.children[0].pk],
            student=daily.children[0],
            category="teacher",
            description="x",
            incident_date=DAY,
            staff=stranger,
        )
    assert "staff" in err.value.fields


def test_fee_and_coercion_complaints_are_flagged_to_the_district_at_once(daily, world):
    official = world.users["official_a"]
    quiet = complaint(daily, category="safety")
    assert quiet.flagged_at is None
    assert not Notification.objects.filter(recipient=official).exists()
    for category in ("fee", "coercion"):
        c = complaint(daily, category=category, staff=None)
        assert c.flagged_at == c.submitted_at
        assert c.events.filter(kind="flagged", side="district").exists()
    titles = list(Notification.objects.filter(recipient=official).values_list("title", flat=True))
    assert len(titles) == 2 and all(daily.school.name in t for t in titles)
    assert not Notification.objects.filter(recipient=world.users["official_b"]).exists()


def test_a_rolled_back_filing_sends_nothing(daily, world):
    with pytest.raises(RuntimeError), transaction.atomic():
        complaint(daily, category="fee", staff=None)
        raise RuntimeError
    assert not Notification.objects.exists()


def test_hotline_complaint_links_the_guardian_by_number(daily, world):
    child = daily.children[1]
    parent = daily.parents[child.pk]
    c = services.record_hotline_complaint(
        actor=world.users["official_a"],
        school=daily.school,
        caller_name="张女士",
        caller_mobile=parent.mobile,
        category="safety",
        description="放学时校门口秩序混乱",
        incident_date=DAY,
        student=child,
        anonymous=True,
    )
    assert (c.channel, c.filed_by, c.recorded_by) == ("hotline", parent, world.users["official_a"])
    assert c.events.get().kind == "recorded"
    assert Notification.objects.filter(recipient=parent).exists()
    # a caller the roll does not know
    c2 = services.record_hotline_complaint(
        actor=world.users["official_a"],
        school=daily.school,
        caller_name="路人",
        caller_mobile="0531-8888888",
        category="other",
        description="x",
        incident_date=DAY,
    )
    assert c2.filed_by is None and c2.student is None
    with pytest.raises(NotAllowed):
        services.record_hotline_complaint(
            actor=world.users["principal_a1"],
            school=daily.school,
            caller_name="x",
            caller_mobile="",
            category="other",
            description="x",
            incident_date=DAY,
        )
    with pytest.raises(InvalidInput) as err:
        services.record_hotline_complaint(
            actor=world.users["official_a"],
            school=daily.school,
            caller_name="x",
            caller_mobile="",
            category="other",
            description="x",
            incident_date=DAY,
            student=StudentFactory(school_class=world.classes["a2"]),
        )
    assert "student" in err.value.fields


def test_the_timeline_is_append_only_in_the_database(daily):
    c = complaint(daily)
    event = c.events.get()
    for sql in (
        "UPDATE feedback_complaintevent SET note = 'x' WHERE id = %s",
        "DELETE FROM feedback_complaintevent WHERE id = %s",
    ):
        with pytest.raises(Exception) as err, transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
        assert "append-only" in str(err.value)


def test_constraints_back_the_evidence(daily):
    c = complaint(daily)
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=c.pk).update(deduction_percent=50)  # open, not verified
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(pk=c.pk).update(status="closed")  # no outcome nor findings


def test_notes_reach_the_other_parties(daily, world, clock):
    c = complaint(daily)
    parent, principal = daily.parents[daily.children[0].pk], world.users["principal_a1"]
    before = Notification.objects.filter(recipient=principal).count()
    services.add_note(actor=parent, complaint=c, side="family", note="补充：当天是周三")
    assert Notification.objects.filter(recipient=principal).count() == before + 1
    services.add_note(actor=principal, complaint=c, side="school", note="收到")
    assert Notification.objects.filter(recipient=parent).count() == 1
    with pytest.raises(NotAllowed):
        services.add_note(actor=world.users["care_a1"], complaint=c, side="school", note="x")
    with pytest.raises(InvalidInput):
        services.add_note(actor=parent, complaint=c, side="family", note=" ")
    assert at(16) == clock.now
