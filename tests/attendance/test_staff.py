"""Staff attendance: append-only, corrections as new rows, the month billing reads."""

import pytest
from django.db import DatabaseError, connection, transaction

from attendance.models import StaffAttendance, StaffStatus
from attendance.selectors.staff import staff_month
from attendance.services import staff as services
from tests.attendance.helpers import url
from tests.attendance.world import DAY, at

pytestmark = pytest.mark.django_db


def test_check_in_late_and_leave_early(daily, api, clock):
    care = daily.user("care")
    clock.set(15, 42)
    r = api(care).post(
        url("api-attendance-session-staff", daily.today.public_id),
        {"action": "check_in"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["minutes_late"] == 12
    again = api(care).post(
        url("api-attendance-session-staff", daily.today.public_id),
        {"action": "check_in"},
        format="json",
    )
    assert again.status_code == 409
    clock.set(17, 10)
    r = api(care).post(
        url("api-attendance-session-staff", daily.today.public_id),
        {"action": "check_out"},
        format="json",
    )
    assert r.status_code == 201
    assert (r.json()["minutes_late"], r.json()["minutes_early"]) == (12, 20)
    rows = list(StaffAttendance.objects.order_by("pk"))
    assert len(rows) == 2 and rows[1].supersedes == rows[0]
    month = staff_month(school=daily.school, year=DAY.year, month=DAY.month)[daily.staff["care"].pk]
    assert (month.sessions_served, month.late_arrivals, month.early_leaves) == (1, 1, 1)
    assert month.early == [str(rows[1].public_id)]


def test_a_teacher_of_another_group_cannot_check_in(daily, api):
    r = api(daily.user("teacher")).post(
        url("api-attendance-session-staff", daily.today.public_id),
        {"action": "check_in"},
        format="json",
    )
    assert r.status_code == 403
    assert not StaffAttendance.objects.exists()


def test_duty_leader_corrects_with_a_reason_and_nothing_is_overwritten(daily, clock):
    care = daily.staff["care"]
    leader = daily.user("teacher")
    clock.set(17, 50)
    first = services.record_staff_attendance(
        actor=leader, session=daily.today, staff=care, status=StaffStatus.MISSED
    )
    from aftercare.errors import InvalidInput

    with pytest.raises(InvalidInput):  # a correction without a reason
        services.record_staff_attendance(
            actor=leader,
            session=daily.today,
            staff=care,
            status=StaffStatus.PRESENT,
            checked_in_at=at(15, 30),
            checked_out_at=at(17, 30),
        )
    second = services.record_staff_attendance(
        actor=leader,
        session=daily.today,
        staff=care,
        status=StaffStatus.PRESENT,
        checked_in_at=at(15, 30),
        checked_out_at=at(17, 30),
        note="看护老师在操场带队，误记空堂",
    )
    assert second.supersedes == first and second.source == "correction"
    month = staff_month(school=daily.school, year=DAY.year, month=DAY.month)[care.pk]
    assert (month.missed_sessions, month.sessions_served) == (0, 1)
    # Append-only in the database itself.
    for sql in (
        "UPDATE attendance_staffattendance SET status = 'missed'",
        "DELETE FROM attendance_staffattendance",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert StaffAttendance.objects.count() == 2


def test_substitution_and_missed_sessions_in_the_month(daily, clock):
    care, principal = daily.staff["care"], daily.staff["principal"]
    leader = daily.user("teacher")
    clock.set(18, 0, daily.sessions[-1].date)
    services.record_staff_attendance(
        actor=leader,
        session=daily.sessions[-1],
        staff=care,
        status=StaffStatus.SUBSTITUTED,
        substitute=principal,
        note="病假，校长批准替班",
    )
    clock.set(18, 0)
    services.record_staff_attendance(
        actor=leader, session=daily.today, staff=care, status=StaffStatus.MISSED
    )
    month = staff_month(school=daily.school, year=DAY.year, month=DAY.month)
    assert (month[care.pk].missed_sessions, month[care.pk].substituted_sessions) == (1, 1)
    assert month[principal.pk].sessions_served == 1
    # Tomorrow's session has nothing recorded yet: it is listed, not counted.
    assert str(daily.sessions[1].public_id) in month[care.pk].unrecorded


def test_the_substitute_may_then_take_the_roll(daily, api, clock):
    principal_staff = daily.staff["principal"]
    other = daily.world.users["admin_a1"]
    from tests.attendance.world import staff_member

    sub = staff_member(daily.school, other, "代课老师")
    services.record_staff_attendance(
        actor=daily.user("principal"),
        session=daily.today,
        staff=daily.staff["care"],
        status=StaffStatus.SUBSTITUTED,
        substitute=sub,
        note="替班",
    )
    assert principal_staff  # the principal recorded it
    import uuid

    r = api(other).post(
        url("api-attendance-roll", daily.today.public_id),
        {"submission_id": str(uuid.uuid4()), "all_present": True},
        format="json",
    )
    assert r.status_code == 200
