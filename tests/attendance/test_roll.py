"""Roll call: one request for the whole list, applied once, corrected by resubmitting."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from aftercare.models import AuditEvent, Notification
from attendance.models import (
    AttendanceMark,
    LeaveRequest,
    LeaveStatus,
    MarkStatus,
    RollCall,
    RollSubmission,
)
from scheduling.models import Assignment, DutyRole
from tests.attendance.world import DAY, at

pytestmark = pytest.mark.django_db


def roll_url(session):
    return reverse("api-attendance-roll", args=[session.public_id])


def marks_for(daily, absent=(), late=()):
    out = []
    for child in daily.children:
        status = "absent" if child in absent else "late" if child in late else "present"
        out.append({"student": str(child.public_id), "status": status})
    return out


def nothing_written():
    return (
        RollCall.objects.count(),
        RollSubmission.objects.count(),
        AttendanceMark.objects.count(),
        AuditEvent.objects.filter(action__startswith="roll.").count(),
    ) == (0, 0, 0, 0)


def test_teacher_submits_the_whole_list_in_one_request(daily, api):
    absent = daily.children[2]
    body = {"submission_id": str(uuid.uuid4()), "marks": marks_for(daily, absent=[absent])}
    r = api(daily.user("care")).post(roll_url(daily.today), body, format="json")
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["duplicate"] is False
    assert data["counts"] == {
        "total": 6,
        "present": 5,
        "late": 0,
        "absent": 1,
        "leave": 0,
        "unmarked": 0,
    }
    assert data["newly_absent"] == 1
    assert AttendanceMark.objects.filter(session=daily.today).count() == 6
    assert AttendanceMark.objects.get(student=absent).status == MarkStatus.ABSENT
    event = AuditEvent.objects.get(action="roll.taken")
    assert event.payload["counts"]["absent"] == 1
    # The absent child's guardian is told (after the commit), nobody else.
    notes = Notification.objects.filter(title__contains=absent.name)
    assert [n.recipient for n in notes] == [daily.parents[absent.pk]]
    assert Notification.objects.filter(recipient=daily.parents[daily.children[0].pk]).count() == 0


def test_the_same_submission_twice_is_applied_once(daily, api):
    client = api(daily.user("care"))
    body = {
        "submission_id": str(uuid.uuid4()),
        "marks": marks_for(daily, absent=[daily.children[1]]),
    }
    first = client.post(roll_url(daily.today), body, format="json")
    second = client.post(roll_url(daily.today), body, format="json")
    assert first.status_code == second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["counts"] == first.json()["counts"]
    assert RollSubmission.objects.count() == 1
    assert AuditEvent.objects.filter(action__startswith="roll.").count() == 1
    assert set(AttendanceMark.objects.values_list("revision", flat=True)) == {0}
    assert RollCall.objects.get().submissions == 1
    assert Notification.objects.filter(title__contains=daily.children[1].name).count() == 1


def test_a_submission_id_reused_for_other_marks_is_refused(daily, api):
    client = api(daily.user("care"))
    sid = str(uuid.uuid4())
    client.post(
        roll_url(daily.today), {"submission_id": sid, "marks": marks_for(daily)}, format="json"
    )
    r = client.post(
        roll_url(daily.today),
        {"submission_id": sid, "marks": marks_for(daily, absent=[daily.children[0]])},
        format="json",
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "submission_reused"
    assert not AttendanceMark.objects.filter(status=MarkStatus.ABSENT).exists()


def test_resubmitting_corrects_never_duplicates(daily, api):
    client = api(daily.user("care"))
    child = daily.children[3]
    client.post(
        roll_url(daily.today),
        {"submission_id": str(uuid.uuid4()), "marks": marks_for(daily, absent=[child])},
        format="json",
    )
    r = client.post(
        roll_url(daily.today),
        {
            "submission_id": str(uuid.uuid4()),
            "marks": [{"student": str(child.public_id), "status": "late"}],
        },
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["changed"] == 1
    assert AttendanceMark.objects.filter(session=daily.today).count() == 6
    mark = AttendanceMark.objects.get(student=child)
    assert (mark.status, mark.revision) == (MarkStatus.LATE, 1)
    event = AuditEvent.objects.get(action="roll.corrected")
    assert event.payload["corrections"] == [
        {"student": str(child.public_id), "name": child.name, "from": "absent", "to": "late"}
    ]
    # The family hears the absence was a mistake.
    titles = list(
        Notification.objects.filter(recipient=daily.parents[child.pk]).values_list(
            "title", flat=True
        )
    )
    assert len(titles) == 2


def test_all_present_shortcut_with_exceptions_and_leave(daily, api):
    on_leave, absent = daily.children[1], daily.children[4]
    LeaveRequest.objects.create(
        district=daily.school.district,
        school=daily.school,
        student=on_leave,
        start_date=DAY,
        end_date=DAY,
        reason="sick",
        status=LeaveStatus.APPROVED,
        requested_by=daily.parents[on_leave.pk],
        requested_at=at(7),
        decided_at=at(8),
        decided_by=daily.user("teacher"),
    )
    r = api(daily.user("care")).post(
        roll_url(daily.today),
        {
            "submission_id": str(uuid.uuid4()),
            "all_present": True,
            "marks": [{"student": str(absent.public_id), "status": "absent"}],
        },
        format="json",
    )
    assert r.status_code == 200, r.json()
    assert r.json()["counts"]["present"] == 4
    statuses = dict(AttendanceMark.objects.values_list("student_id", "status"))
    assert statuses[on_leave.pk] == MarkStatus.LEAVE
    assert statuses[absent.pk] == MarkStatus.ABSENT
    assert AttendanceMark.objects.get(student=on_leave).leave.status == LeaveStatus.APPROVED


def test_absent_with_approved_leave_is_excused_and_nobody_is_told(daily, api):
    child = daily.children[0]
    LeaveRequest.objects.create(
        district=daily.school.district,
        school=daily.school,
        student=child,
        start_date=DAY,
        end_date=DAY + timedelta(days=2),
        reason="personal",
        status=LeaveStatus.APPROVED,
        requested_by=daily.parents[child.pk],
        requested_at=at(7),
        decided_at=at(8),
        decided_by=daily.user("teacher"),
    )
    r = api(daily.user("care")).post(
        roll_url(daily.today),
        {"submission_id": str(uuid.uuid4()), "marks": marks_for(daily, absent=[child])},
        format="json",
    )
    assert r.status_code == 200
    assert AttendanceMark.objects.get(student=child).status == MarkStatus.LEAVE
    assert r.json()["newly_absent"] == 0
    assert not Notification.objects.filter(recipient=daily.parents[child.pk]).exists()


# --------------------------------------------------------------------------- bad input


def test_roll_for_tomorrow_is_409_and_nothing_is_written(daily, api):
    r = api(daily.user("care")).post(
        roll_url(daily.sessions[1]),
        {"submission_id": str(uuid.uuid4()), "marks": marks_for(daily)},
        format="json",
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_today"
    assert "12月3日" in r.json()["error"]["message"] or "2026" in r.json()["error"]["message"]
    assert nothing_written()


def test_past_day_needs_a_reason_and_is_audited_with_it(daily, api):
    client = api(daily.user("care"))
    body = {
        "submission_id": str(uuid.uuid4()),
        "marks": marks_for(daily, absent=[daily.children[0]]),
    }
    r = client.post(roll_url(daily.sessions[-1]), body, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_today"
    assert nothing_written()
    body["reason"] = "当天网络故障，补录"
    r = client.post(roll_url(daily.sessions[-1]), body, format="json")
    assert r.status_code == 200
    event = AuditEvent.objects.get(action="roll.corrected_after_day")
    assert event.payload["reason"] == "当天网络故障，补录"


def test_a_child_not_in_the_group_is_refused_and_nothing_written(daily, api, world):
    outsider = world.students["a2"]
    marks = [*marks_for(daily), {"student": str(outsider.public_id), "status": "present"}]
    r = api(daily.user("care")).post(
        roll_url(daily.today), {"submission_id": str(uuid.uuid4()), "marks": marks}, format="json"
    )
    assert r.status_code == 400
    assert f"marks.{len(marks) - 1}.student" in r.json()["error"]["fields"]
    assert "不在" in str(r.json()) or "not on the roll" in str(r.json())
    assert nothing_written()


@pytest.mark.parametrize(
    ("mark", "field"),
    [
        ({"student": "nope", "status": "present"}, "marks.0.student"),
        ({"status": "present"}, "marks.0.student"),
        ({"student": None, "status": "maybe"}, "marks.0.student"),
        ({"student": "STUDENT", "status": "maybe"}, "marks.0.status"),
        ({"student": "STUDENT", "status": "leave"}, "marks.0.status"),
    ],
)
def test_bad_marks_are_400_naming_the_entry(daily, api, mark, field):
    mark = {k: (str(daily.children[0].public_id) if v == "STUDENT" else v) for k, v in mark.items()}
    r = api(daily.user("care")).post(
        roll_url(daily.today), {"submission_id": str(uuid.uuid4()), "marks": [mark]}, format="json"
    )
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]
    assert nothing_written()


def test_the_same_child_twice_in_one_list_is_refused(daily, api):
    child = str(daily.children[0].public_id)
    r = api(daily.user("care")).post(
        roll_url(daily.today),
        {
            "submission_id": str(uuid.uuid4()),
            "marks": [
                {"student": child, "status": "present"},
                {"student": child, "status": "absent"},
            ],
        },
        format="json",
    )
    assert r.status_code == 400
    assert nothing_written()


def test_missing_submission_id_is_400(daily, api):
    r = api(daily.user("care")).post(
        roll_url(daily.today), {"marks": marks_for(daily)}, format="json"
    )
    assert r.status_code == 400
    assert "submission_id" in r.json()["error"]["fields"]


# --------------------------------------------------------------------------- who


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("teacher_a1", 404),
        ("care_a2", 404),
        ("parent_a1", 404),
        ("official_a", 403),
        ("principal_a1", 200),
    ],
)
def test_who_may_take_the_roll(daily, api, world, user, status):
    r = api(world.users[user]).post(
        roll_url(daily.today),
        {"submission_id": str(uuid.uuid4()), "marks": marks_for(daily)},
        format="json",
    )
    assert r.status_code == status, r.content


def test_a_teacher_of_the_group_on_another_weekday_is_403(daily, api):
    Assignment.objects.filter(
        staff=daily.staff["care"], role=DutyRole.TEACHER, weekday=DAY.weekday()
    ).delete()
    r = api(daily.user("care")).post(
        roll_url(daily.today),
        {"submission_id": str(uuid.uuid4()), "marks": marks_for(daily)},
        format="json",
    )
    assert r.status_code == 403
    assert nothing_written()


# --------------------------------------------------------------------------- the page


def test_the_page_works_without_javascript(daily, client, login):
    login(daily.user("care"))
    url = reverse("attendance_roll", args=[daily.today.public_id])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for child in daily.children:
        assert child.name in html
    sid = str(uuid.uuid4())
    form = {"submission_id": sid, "all_present": "1", f"m-{daily.children[2].public_id}": "absent"}
    r = client.post(url, form)
    assert r.status_code == 302
    again = client.post(url, form)  # the browser posts the same form twice
    assert again.status_code == 302
    assert AttendanceMark.objects.filter(session=daily.today).count() == 6
    assert AttendanceMark.objects.get(student=daily.children[2]).status == MarkStatus.ABSENT
    assert RollSubmission.objects.count() == 1
    followed = client.get(url).content.decode()
    assert "缺" in followed or "Absent" in followed


def test_the_roll_page_query_count_does_not_grow_with_the_group(
    daily, client, login, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(daily.user("care"))
    url = reverse("attendance_roll", args=[daily.today.public_id])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(10):
        daily.add_child()
    with CaptureQueriesContext(connection) as big:
        client.get(url)
    assert len(big) == len(small)
