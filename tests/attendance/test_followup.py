"""Unexcused absences: counted, flagged at the policy's pattern, warnings, dismissal (劝退)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from aftercare.models import AuditEvent, Notification
from attendance.models import AttendanceWarning, Dismissal, FollowUp, FollowUpKind
from enrollment.models import Application, ApplicationStatus, ApplicationTransition
from tests.attendance.helpers import take_roll, url
from tests.attendance.world import DAY

pytestmark = pytest.mark.django_db


def test_three_absences_within_the_window_flag_the_child_once(daily, clock):
    child = daily.children[0]
    for offset in (-1, 0):
        clock.set(16, 0, DAY + timedelta(days=offset))
        take_roll(daily, daily.sessions[offset], absent=[child])
    assert not FollowUp.objects.exists()
    clock.set(16, 0, DAY + timedelta(days=1))
    take_roll(daily, daily.sessions[1], absent=[child])
    flag = FollowUp.objects.get()
    assert (flag.student, flag.kind, flag.count, flag.window_days) == (
        child,
        FollowUpKind.ABSENCES,
        3,
        30,
    )
    assert Notification.objects.filter(
        recipient=daily.user("teacher"), title__contains=child.name
    ).exists()
    # A fourth absence keeps the one open flag.
    extra = daily.add_session(DAY + timedelta(days=2))
    clock.set(16, 0, extra.date)
    take_roll(daily, extra, absent=[child])
    assert FollowUp.objects.count() == 1


def test_the_policy_sets_the_pattern(daily, clock):
    daily.policy.__class__.objects.filter(pk=daily.policy.pk).update(unexcused_absence_flag_count=1)
    take_roll(daily, absent=[daily.children[2]])
    assert FollowUp.objects.get().student == daily.children[2]


def test_dismissal_only_after_the_recorded_warnings(daily, api):
    child = daily.children[0]
    flag = FollowUp.objects.create(
        district=daily.school.district,
        school=daily.school,
        student=child,
        kind=FollowUpKind.ABSENCES,
        count=3,
        window_days=30,
        opened_at=timezone.now(),
    )
    principal = api(daily.user("principal"))
    dismiss = url("api-attendance-followup-dismiss", flag.public_id)
    body = {"last_day": str(DAY + timedelta(days=3)), "reason": "多次无故缺席，经两次警告仍未改正"}
    r = principal.post(dismiss, body, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "warnings_missing"
    assert "0" in r.json()["error"]["message"] and "2" in r.json()["error"]["message"]
    teacher = api(daily.user("teacher"))
    for n in (1, 2):
        r = teacher.post(
            url("api-attendance-followup-warn", flag.public_id),
            {"text": f"第{n}次提醒"},
            format="json",
        )
        assert r.status_code == 200
    assert AttendanceWarning.objects.count() == 2
    assert Notification.objects.filter(recipient=daily.parents[child.pk]).count() == 2
    r = teacher.post(dismiss, body, format="json")
    assert r.status_code == 403  # managers decide
    r = principal.post(dismiss, body, format="json")
    assert r.status_code == 200
    assert Dismissal.objects.get().warnings == 2
    flag.refresh_from_db()
    assert flag.status == "closed"
    # the dismissal withdrew the child's application through enrollment (seat, billing)
    app = Application.objects.get(student=child)
    assert app.status == ApplicationStatus.WITHDRAWN
    assert str(app.withdrawal_effective_date) == body["last_day"]
    assert app.withdrawal_reason == body["reason"]
    step = ApplicationTransition.objects.get(application=app, event="withdrawn")
    assert step.payload["by_school"] is True
    assert step.payload["source"] == f"dismissal:{Dismissal.objects.get().public_id}"
    dismissed = AuditEvent.objects.get(action="attendance.dismissed")
    assert dismissed.payload["applications_withdrawn"] == [str(app.public_id)]
    assert body["reason"] not in str(dismissed.payload)  # ids, not free text naming the child
    # After the last day the child is off the roll.
    from attendance.selectors.common import roster_students

    later = daily.add_session(DAY + timedelta(days=5))
    assert child not in roster_students(later)
    assert child in roster_students(daily.today)


def test_followups_page(daily, client, login):
    FollowUp.objects.create(
        district=daily.school.district,
        school=daily.school,
        student=daily.children[0],
        kind=FollowUpKind.LATE_PICKUPS,
        count=3,
        window_days=30,
        opened_at=timezone.now(),
    )
    login(daily.user("teacher"))
    html = client.get(url("attendance_followups")).content.decode()
    assert daily.children[0].name in html
    flag = FollowUp.objects.get()
    r = client.post(
        url("attendance_followup_action", flag.public_id, "close"), {"note": "已与家长沟通"}
    )
    assert r.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "closed"


def test_a_dismissal_refused_for_warnings_withdraws_nothing(daily, api):
    child = daily.children[1]
    r = api(daily.user("principal")).post(
        url(
            "api-attendance-followup-dismiss",
            FollowUp.objects.create(
                district=daily.school.district,
                school=daily.school,
                student=child,
                kind=FollowUpKind.ABSENCES,
                count=3,
                window_days=30,
                opened_at=timezone.now(),
            ).public_id,
        ),
        {"last_day": str(DAY + timedelta(days=3)), "reason": "r"},
        format="json",
    )
    assert r.status_code == 409
    assert Application.objects.get(student=child).status == ApplicationStatus.APPROVED
    assert not ApplicationTransition.objects.filter(event="withdrawn").exists()
