"""Leave (请假): the family asks in advance, the homeroom teacher decides; the roll shows it."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Notification
from attendance.models import AttendanceMark, LeaveRequest, LeaveStatus, MarkStatus
from tests.attendance.world import DAY

pytestmark = pytest.mark.django_db


def ask(api, daily, child=None, **body):
    child = child or daily.children[0]
    data = {"student": str(child.public_id), "start_date": str(DAY), "reason": "sick", **body}
    return api(daily.parents[child.pk]).post(
        reverse("api-attendance-leave-list"), data, format="json"
    )


def test_parent_asks_teacher_is_told_and_approves(daily, api):
    r = ask(api, daily, end_date=str(DAY + timedelta(days=1)), note="发烧")
    assert r.status_code == 201, r.json()
    leave = LeaveRequest.objects.get()
    assert (leave.status, leave.days) == (LeaveStatus.PENDING, 2)
    teacher = daily.user("teacher")  # the homeroom teacher of the class
    assert Notification.objects.filter(
        recipient=teacher, title__contains=daily.children[0].name
    ).exists()
    r = api(teacher).post(
        reverse("api-attendance-leave-approve", args=[leave.public_id]), {}, format="json"
    )
    assert r.status_code == 200
    assert r.json()["status"] == "approved"
    assert (
        Notification.objects.filter(
            recipient=daily.parents[daily.children[0].pk], title__contains="批准"
        ).exists()
        or Notification.objects.filter(recipient=daily.parents[daily.children[0].pk]).count() == 1
    )
    assert AuditEvent.objects.filter(action="leave.approved").count() == 1


def test_leave_for_a_past_day_is_refused_and_nothing_written(daily, api):
    r = ask(api, daily, start_date=str(DAY - timedelta(days=1)))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "past_day"
    assert "start_date" in r.json()["error"]["fields"]
    assert not LeaveRequest.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end_date": str(DAY - timedelta(days=1))}, "end_date"),
        ({"end_date": str(DAY + timedelta(days=40))}, "end_date"),
        ({"reason": "holiday"}, "reason"),
        ({"start_date": "soon"}, "start_date"),
    ],
)
def test_bad_leave_requests(daily, api, body, field):
    r = ask(api, daily, **body)
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]
    assert not LeaveRequest.objects.exists()


def test_overlapping_live_requests_are_one(daily, api):
    assert ask(api, daily, end_date=str(DAY + timedelta(days=2))).status_code == 201
    r = ask(api, daily, start_date=str(DAY + timedelta(days=1)))
    assert r.status_code == 409 and r.json()["error"]["code"] == "overlap"
    assert LeaveRequest.objects.count() == 1


def test_only_guardians_ask_and_only_the_homeroom_teacher_or_school_decides(daily, api, world):
    other_parent = daily.parents[daily.children[1].pk]
    r = api(other_parent).post(
        reverse("api-attendance-leave-list"),
        {"student": str(daily.children[0].public_id), "start_date": str(DAY), "reason": "sick"},
        format="json",
    )
    assert r.status_code == 404  # another family's child is not found
    ask(api, daily)
    leave = LeaveRequest.objects.get()
    care = api(daily.user("care")).post(
        reverse("api-attendance-leave-approve", args=[leave.public_id])
    )
    assert care.status_code == 404  # a care teacher does not see the class's leave
    principal = api(daily.user("principal")).post(
        reverse("api-attendance-leave-refuse", args=[leave.public_id]), {}, format="json"
    )
    assert principal.status_code == 400  # refusing needs a note
    principal = api(daily.user("principal")).post(
        reverse("api-attendance-leave-refuse", args=[leave.public_id]),
        {"note": "当天有考试"},
        format="json",
    )
    assert principal.status_code == 200 and principal.json()["status"] == "refused"
    again = api(daily.user("teacher")).post(
        reverse("api-attendance-leave-approve", args=[leave.public_id])
    )
    assert again.status_code == 409


def test_approved_leave_is_on_the_roll_and_approving_after_the_roll_excuses(daily, api):
    child, late_child = daily.children[0], daily.children[1]
    ask(api, daily, child=child)
    api(daily.user("teacher")).post(
        reverse(
            "api-attendance-leave-approve", args=[LeaveRequest.objects.get(student=child).public_id]
        )
    )
    sheet = (
        api(daily.user("care"))
        .get(reverse("api-attendance-roll", args=[daily.today.public_id]))
        .json()
    )
    rows = {row["student"]: row for row in sheet["children"]}
    assert rows[str(child.public_id)]["leave"]["reason"] == "sick"
    assert rows[str(late_child.public_id)]["leave"] is None
    # The roll marks the other child absent; their leave comes in afterwards and is approved.
    api(daily.user("care")).post(
        reverse("api-attendance-roll", args=[daily.today.public_id]),
        {
            "submission_id": str(uuid.uuid4()),
            "all_present": True,
            "marks": [{"student": str(late_child.public_id), "status": "absent"}],
        },
        format="json",
    )
    assert AttendanceMark.objects.get(student=child).status == MarkStatus.LEAVE
    assert AttendanceMark.objects.get(student=late_child).status == MarkStatus.ABSENT
    ask(api, daily, child=late_child)
    leave = LeaveRequest.objects.get(student=late_child)
    r = api(daily.user("teacher")).post(
        reverse("api-attendance-leave-approve", args=[leave.public_id])
    )
    assert r.status_code == 200
    mark = AttendanceMark.objects.get(student=late_child)
    assert (mark.status, mark.leave_id) == (MarkStatus.LEAVE, leave.pk)


def test_parent_cancels_a_pending_request(daily, api):
    ask(api, daily)
    leave = LeaveRequest.objects.get()
    r = api(daily.parents[daily.children[0].pk]).post(
        reverse("api-attendance-leave-cancel", args=[leave.public_id])
    )
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert ask(api, daily).status_code == 201  # the days are free again


def test_family_leave_page_and_teacher_queue(daily, client, login):
    parent = daily.parents[daily.children[0].pk]
    login(parent)
    page = client.get(reverse("attendance_family_leave"))
    assert page.status_code == 200
    r = client.post(
        reverse("attendance_family_leave"),
        {
            "student": str(daily.children[0].public_id),
            "start_date": str(DAY - timedelta(days=2)),
            "reason": "sick",
        },
    )
    assert r.status_code == 400
    assert "已经过去" in r.content.decode() or "has passed" in r.content.decode()
    r = client.post(
        reverse("attendance_family_leave"),
        {"student": str(daily.children[0].public_id), "start_date": str(DAY), "reason": "sick"},
    )
    assert r.status_code == 302
    login(daily.user("teacher"))
    queue = client.get(reverse("attendance_leave_queue"))
    assert daily.children[0].name in queue.content.decode()
    leave = LeaveRequest.objects.get()
    r = client.post(reverse("attendance_leave_decide", args=[leave.public_id, "approve"]))
    assert r.status_code == 302
    leave.refresh_from_db()
    assert leave.status == LeaveStatus.APPROVED


def test_leave_queue_query_count_does_not_grow(daily, client, login, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(daily.user("teacher"))
    ask(api, daily, child=daily.children[0])
    client.get(reverse("attendance_leave_queue"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("attendance_leave_queue"))
    for child in daily.children[1:4]:
        ask(api, daily, child=child)
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("attendance_leave_queue"))
    assert len(four) == len(one)
