"""Handover (交接): the count handed over must match the receiving roll; a mismatch alerts the
duty leader at once and stays open until resolved with a note."""

from datetime import time

import pytest

from aftercare.errors import InvalidInput
from aftercare.models import AuditEvent, Notification
from attendance.models import Departure, Fault, Handover, HandoverStatus
from attendance.selectors.staff import staff_month
from attendance.services import handover as services
from tests.attendance.helpers import take_roll, url
from tests.attendance.world import DAY

pytestmark = pytest.mark.django_db


def hand_over(api, daily, children, **extra):
    body = {
        "from_class": str(daily.world.classes[daily.key].public_id),
        "students": [str(c.public_id) for c in children],
        **extra,
    }
    return api(daily.user("teacher")).post(
        url("api-attendance-session-handovers", daily.today.public_id), body, format="json"
    )


def test_matching_handover(daily, api):
    r = hand_over(api, daily, daily.children, count=6)
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "pending"  # no roll yet
    take_roll(daily)
    h = Handover.objects.get()
    assert (h.status, h.missing, h.extra) == (HandoverStatus.MATCHED, [], [])
    assert not Notification.objects.filter(title__contains="交接").exists()


def test_mismatch_alerts_the_duty_leader_at_once_and_stays_open(daily, api, world):
    staying = daily.children[:5]  # one child slipped away after the last period …
    hand_over(api, daily, staying)
    take_roll(daily, absent=[daily.children[1]])  # … and one handed over is not in the group
    h = Handover.objects.get()
    assert h.status == HandoverStatus.MISMATCH
    assert h.missing == [daily.children[1].pk]
    assert h.extra == [daily.children[5].pk]
    duty_leader = daily.user("teacher")
    alert = Notification.objects.get(recipient=duty_leader, url__contains=str(h.public_id))
    assert "5" in alert.body
    assert AuditEvent.objects.filter(action="handover.mismatch").count() == 1
    # The duty leader's home page shows it.
    from django.test import Client

    c = Client()
    c.force_login(duty_leader, backend="aftercare.auth.MobileOrUsernameBackend")
    home = c.get(url("teacher_home")).content.decode()
    assert str(h.public_id) in home
    # Correcting the roll to match does not close it: only a note does.
    take_roll(daily, absent=[daily.children[5]])
    h.refresh_from_db()
    assert h.status == HandoverStatus.MISMATCH and h.missing == [] and h.extra == []
    assert Notification.objects.filter(url__contains=str(h.public_id)).count() == 1
    r = api(duty_leader).post(
        url("api-attendance-handover-resolve", h.public_id), {"fault": "none"}, format="json"
    )
    assert r.status_code == 400 and "note" in r.json()["error"]["fields"]
    r = api(daily.user("care")).post(
        url("api-attendance-handover-resolve", h.public_id),
        {"fault": "none", "note": "x"},
        format="json",
    )
    assert r.status_code == 403  # the care teacher is not the duty leader
    r = api(duty_leader).post(
        url("api-attendance-handover-resolve", h.public_id),
        {"fault": "handing", "note": "科任老师少点一人，已找回"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    h.refresh_from_db()
    assert h.fault == Fault.HANDING and h.fault_staff == daily.staff["teacher"]
    month = staff_month(school=daily.school, year=DAY.year, month=DAY.month)
    assert month[daily.staff["teacher"].pk].handover_violations == 1
    assert month[daily.staff["teacher"].pk].handovers == [str(h.public_id)]
    again = api(duty_leader).post(
        url("api-attendance-handover-resolve", h.public_id),
        {"fault": "none", "note": "again"},
        format="json",
    )
    assert again.status_code == 409


def test_handover_bad_input_writes_nothing(daily, api, world):
    other_class_child = world.students["a2"]
    r = hand_over(api, daily, [*daily.children[:2], other_class_child])
    assert r.status_code == 400 and "students.2" in r.json()["error"]["fields"]
    r = hand_over(api, daily, daily.children[:2], count=3)
    assert r.status_code == 400 and "count" in r.json()["error"]["fields"]
    r = api(daily.user("teacher")).post(
        url("api-attendance-session-handovers", daily.sessions[1].public_id),
        {"from_class": str(world.classes["a1"].public_id), "students": []},
        format="json",
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "not_today"
    assert not Handover.objects.exists()


def test_handing_over_again_replaces_the_list_until_resolved(daily, api):
    hand_over(api, daily, daily.children[:3])
    hand_over(api, daily, daily.children)
    h = Handover.objects.get()
    assert h.count == 6 and h.children.count() == 6


def test_session_to_session_handover_moves_the_children(daily, api):
    movers = daily.children[:2]
    section = daily.add_section("书法", students=movers)
    later = daily.add_session(DAY, start=time(17, 30), end=time(18, 10), group=section)
    take_roll(daily)
    h = services.record_handover(
        actor=daily.user("care"),
        session=later,
        students=[c.public_id for c in movers],
        from_session=daily.today,
    )
    assert h.status == HandoverStatus.PENDING and h.count == 2
    moved = Departure.objects.filter(session=daily.today).values_list("student", "kind")
    assert set(moved) == {(c.pk, "moved") for c in movers}
    # A child not in the section is refused.
    with pytest.raises(InvalidInput):
        services.record_handover(
            actor=daily.user("care"),
            session=later,
            students=[daily.children[3].public_id],
            from_session=daily.today,
        )


def test_the_page_flow(daily, client, login):
    login(daily.user("teacher"))
    klass = daily.world.classes[daily.key]
    start = client.get(url("attendance_handover_start") + f"?class={klass.public_id}")
    assert daily.group.name in start.content.decode()
    form = url("attendance_handover_form", klass.public_id, daily.today.public_id)
    page = client.get(form)
    assert page.status_code == 200
    r = client.post(form, {"students": [str(c.public_id) for c in daily.children], "count": "6"})
    assert r.status_code == 302
    assert Handover.objects.get().count == 6
