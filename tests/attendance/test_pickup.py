"""Pickup (接送): only authorized persons; late after the end plus the policy's grace; counted
per child; closing the group."""

import pytest

from aftercare.models import Notification
from attendance.models import Departure, FollowUp, FollowUpKind, PickupPerson, RollCall
from attendance.services import pickup as services
from tests.attendance.helpers import take_roll, url

pytestmark = pytest.mark.django_db


def add_person(api, daily, child, **body):
    data = {"name": "李奶奶", "relation": "grandparent", "phone": "13911112222", **body}
    return api(daily.parents[child.pk]).post(
        url("api-attendance-pickup-persons", child.public_id), data, format="json"
    )


def test_guardians_keep_the_list(daily, api):
    child = daily.children[0]
    r = add_person(api, daily, child)
    assert r.status_code == 201
    assert add_person(api, daily, child).status_code == 400  # the same mobile twice
    assert add_person(api, daily, child, phone="123").status_code == 400
    other = api(daily.parents[daily.children[1].pk]).post(
        url("api-attendance-pickup-persons", child.public_id),
        {"name": "x", "relation": "other", "phone": "13911113333"},
        format="json",
    )
    assert other.status_code == 404
    person = PickupPerson.objects.get()
    r = api(daily.parents[child.pk]).delete(url("api-attendance-pickup-person", person.public_id))
    assert r.status_code == 204
    person.refresh_from_db()
    assert person.removed_at is not None


def test_pickup_on_time_late_and_unknown(daily, api, clock):
    a, b, c = daily.children[:3]
    add_person(api, daily, a)
    grandma = PickupPerson.objects.get()
    take_roll(daily)
    parent_b = daily.parents[b.pk]
    # A guardian, within the grace (17:30 + 10 minutes).
    clock.set(17, 38)
    d1 = services.record_pickup(
        actor=daily.user("care"),
        session=daily.today,
        student=b.public_id,
        person=parent_b.public_id,
    )
    assert (d1.is_late, d1.minutes_late) == (False, 0)
    # An authorized person, late.
    clock.set(17, 52)
    r = api(daily.user("care")).post(
        url("api-attendance-pickups", daily.today.public_id),
        {"student": str(a.public_id), "person": str(grandma.public_id)},
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["late"] is True and r.json()["minutes_late"] == 22
    assert Notification.objects.filter(
        recipient=daily.parents[a.pk], title__contains="李奶奶"
    ).exists()
    # Someone unknown: refused, nothing written.
    r = api(daily.user("care")).post(
        url("api-attendance-pickups", daily.today.public_id),
        {"student": str(c.public_id), "person": str(grandma.public_id)},  # a's grandma, not c's
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_pickup_person"
    assert Departure.objects.count() == 2


def test_a_child_not_present_cannot_be_picked_up(daily, api):
    child = daily.children[0]
    take_roll(daily, absent=[child])
    r = api(daily.user("care")).post(
        url("api-attendance-pickups", daily.today.public_id),
        {"student": str(child.public_id), "person": str(daily.parents[child.pk].public_id)},
        format="json",
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "not_present"


def test_late_pickups_are_counted_and_flagged(daily, clock):
    child = daily.children[0]
    parent = daily.parents[child.pk]
    for offset in (-1, 0, 1):
        session = daily.sessions[offset]
        day = session.date
        clock.set(16, 0, day)
        take_roll(daily, session)
        clock.set(18, 0, day)
        services.record_pickup(
            actor=daily.user("care"),
            session=session,
            student=child.public_id,
            person=parent.public_id,
        )
    assert Departure.objects.filter(student=child, is_late=True).count() == 3
    flag = FollowUp.objects.get(student=child)
    assert (flag.kind, flag.count) == (FollowUpKind.LATE_PICKUPS, 3)


def _late_pickups(daily, clock, child, offsets):
    parent = daily.parents[child.pk]
    for offset in offsets:
        session = daily.sessions[offset]
        clock.set(16, 0, session.date)
        take_roll(daily, session)
        clock.set(18, 0, session.date)
        services.record_pickup(
            actor=daily.user("care"),
            session=session,
            student=child.public_id,
            person=parent.public_id,
        )


def test_late_pickups_have_their_own_count_not_the_absence_one(daily, clock):
    """Late pickups follow late_pickup_flag_count, not unexcused_absence_flag_count."""
    type(daily.policy).objects.filter(pk=daily.policy.pk).update(
        unexcused_absence_flag_count=9, late_pickup_flag_count=2, late_pickup_window_days=30
    )
    child = daily.children[0]
    _late_pickups(daily, clock, child, (-1, 0))
    flag = FollowUp.objects.get(student=child)
    assert (flag.kind, flag.count, flag.window_days) == (FollowUpKind.LATE_PICKUPS, 2, 30)


def test_late_pickups_have_their_own_window(daily, clock):
    """Two late pickups two days apart: outside a one-day window, no flag (the absence
    window, 30 days, would have flagged)."""
    type(daily.policy).objects.filter(pk=daily.policy.pk).update(
        unexcused_absence_flag_count=2,
        unexcused_absence_window_days=30,
        late_pickup_flag_count=2,
        late_pickup_window_days=1,
    )
    child = daily.children[0]
    _late_pickups(daily, clock, child, (-1, 1))
    assert not FollowUp.objects.filter(student=child).exists()


def test_close_the_group_only_when_everyone_left(daily, api, clock):
    take_roll(daily, absent=daily.children[2:])
    close = url("api-attendance-close", daily.today.public_id)
    r = api(daily.user("care")).post(close)
    assert r.status_code == 409 and r.json()["error"]["code"] == "children_left"
    assert daily.children[0].name in r.json()["error"]["message"]
    clock.set(17, 35)
    for child in daily.children[:2]:
        services.record_pickup(
            actor=daily.user("care"),
            session=daily.today,
            student=child.public_id,
            person=daily.parents[child.pk].public_id,
        )
    assert api(daily.user("care")).post(close).status_code == 200
    assert RollCall.objects.get().closed_at is not None


def test_the_pickup_page(daily, client, login, clock):
    take_roll(daily)
    login(daily.user("care"))
    page = url("attendance_pickup", daily.today.public_id)
    html = client.get(page).content.decode()
    child = daily.children[0]
    assert child.name in html
    clock.set(17, 31)
    r = client.post(
        page, {"student": str(child.public_id), "person": str(daily.parents[child.pk].public_id)}
    )
    assert r.status_code == 302
    assert Departure.objects.get().student == child
    r = client.post(
        page,
        {
            "student": str(daily.children[1].public_id),
            "person": "00000000-0000-0000-0000-000000000000",
        },
    )
    assert r.status_code == 400
