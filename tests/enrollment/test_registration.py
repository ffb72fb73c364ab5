"""Extended-course registration: windows to the second, seats, waitlist, offers, limits,
lottery reproducibility, round two, pages and permissions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.models import AuditEvent, Notification
from enrollment.lottery import draw_order, mask_name
from enrollment.models import (
    Application,
    CourseCapacity,
    CourseRegistration,
    LotteryCommitment,
    LotteryDraw,
    SeatStatus,
)
from enrollment.services import registration
from enrollment.services.registration import RegistrationError
from tests.registration_world import add_student, build_rush

pytestmark = pytest.mark.django_db


def reg(rush, student, name="书法", now=None, actor=None):
    return registration.register(
        actor=actor or rush.parents[student.pk], student=student, info=rush.info(name), now=now
    )


# --------------------------------------------------------------------------- windows


def test_window_boundaries_to_the_second(world):
    rush = build_rush(world, students=1, opens_in=timedelta(hours=1))
    student = rush.students[0]
    second = timedelta(seconds=1)
    with pytest.raises(RegistrationError) as err:
        reg(rush, student, now=rush.opens_at - second)
    assert err.value.code == "window_closed"
    local = timezone.localtime(rush.opens_at).strftime("%Y-%m-%d %H:%M")
    assert local in str(err.value.message)  # the refusal names the window's times
    assert reg(rush, student, now=rush.opens_at).status == "confirmed"
    other = add_student(rush, world)
    assert reg(rush, other, now=rush.closes_at - second).status == "confirmed"
    late = add_student(rush, world)
    with pytest.raises(RegistrationError) as err:
        reg(rush, late, now=rush.closes_at)
    assert err.value.code == "window_closed"


def test_no_application_no_registration(world):
    rush = build_rush(world)
    student = add_student(rush, world, apply=False)
    with pytest.raises(RegistrationError) as err:
        reg(rush, student)
    assert err.value.code == "no_application"
    assert not CourseRegistration.objects.exists()
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 0


# --------------------------------------------------------------------------- seats


def test_full_course_waitlists_with_visible_positions(world):
    rush = build_rush(world, courses=(("书法", 2, 1),), students=4)
    outcomes = [reg(rush, s).status for s in rush.students]
    assert outcomes == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    regs = list(CourseRegistration.objects.order_by("id"))
    assert [registration.waitlist_position(r) for r in regs] == [None, None, 1, 2]
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 2
    assert AuditEvent.objects.filter(action="course.registered").count() == 4


def test_double_click_is_one_seat(world):
    rush = build_rush(world, students=1)
    student = rush.students[0]
    reg(rush, student)
    with pytest.raises(RegistrationError) as err:
        reg(rush, student)
    assert err.value.code == "already_registered"
    assert CourseRegistration.objects.count() == 1
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 1
    assert Application.objects.get(student=student).courses_taken == 1


def test_per_student_limit(world):
    rush = build_rush(
        world,
        courses=(("书法", 5, 1), ("围棋", 5, 1), ("合唱", 5, 1)),
        students=1,
        max_per_student=2,
    )
    student = rush.students[0]
    reg(rush, student, "书法")
    reg(rush, student, "围棋")
    with pytest.raises(RegistrationError) as err:
        reg(rush, student, "合唱")
    assert err.value.code == "limit_reached"
    assert CourseCapacity.objects.get(course=rush.courses["合唱"]).taken == 0


def test_released_seat_is_offered_to_the_next_in_line(world):
    rush = build_rush(world, courses=(("书法", 1, 1),), students=3)
    first, second, third = rush.students
    for s in rush.students:
        reg(rush, s)
    held = CourseRegistration.objects.get(student=first)
    registration.cancel_registration(actor=rush.parents[first.pk], registration=held)
    offer = CourseRegistration.objects.get(student=second)
    assert offer.status == SeatStatus.OFFERED
    assert offer.offer_expires_at > timezone.now() + timedelta(hours=23)
    assert Notification.objects.filter(recipient=rush.parents[second.pk]).exists()
    assert registration.waitlist_position(CourseRegistration.objects.get(student=third)) == 1
    # The offer lapses: the seat moves on to the third student.
    expired = registration.expire_offers(now=offer.offer_expires_at + timedelta(seconds=1))
    assert expired == 1
    assert CourseRegistration.objects.get(student=third).status == SeatStatus.OFFERED
    registration.accept_offer(
        actor=rush.parents[third.pk], registration=CourseRegistration.objects.get(student=third)
    )
    assert CourseRegistration.objects.get(student=third).status == SeatStatus.CONFIRMED
    capacity = CourseCapacity.objects.get(course=rush.courses["书法"])
    assert capacity.taken == 1
    assert Application.objects.get(student=first).courses_taken == 0
    assert Application.objects.get(student=second).courses_taken == 0


def test_releasing_the_last_seat_with_nobody_waiting_frees_it(world):
    rush = build_rush(world, courses=(("书法", 3, 1),), students=1)
    reg(rush, rush.students[0])
    registration.cancel_registration(
        actor=rush.parents[rush.students[0].pk], registration=CourseRegistration.objects.get()
    )
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 0


# --------------------------------------------------------------------------- lottery


def test_draw_order_is_a_pure_function_of_seed_and_entries():
    entries = [(f"token-{i}", i % 2) for i in range(20)]
    first = draw_order("abc", entries)
    assert draw_order("abc", list(reversed(entries))) == first
    assert [tier for _t, tier in first[:10]] == [0] * 10  # priority tier first
    assert draw_order("abd", entries) != first


def _lottery(world):
    rush = build_rush(world, courses=(("书法", 3, 1),), students=6, mode="lottery")
    for s in rush.students:
        assert reg(rush, s).status == "entered"
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 0
    Application.objects.filter(student=rush.students[5]).update(
        priority_groups=["hardship"], priority_verified=["hardship"]
    )
    draw = registration.draw_lottery(
        actor=world.users["principal_a1"],
        course=rush.courses["书法"],
        now=rush.closes_at + timedelta(minutes=1),
    )
    return rush, draw


def test_lottery_is_reproducible_from_its_published_seed(world):
    rush, draw = _lottery(world)
    commitment = LotteryCommitment.objects.get(course=rush.courses["书法"])
    assert (draw.seed, draw.commitment) == (commitment.seed, commitment.commitment)
    assert commitment.committed_at < CourseRegistration.objects.earliest("created_at").created_at
    tokens = {
        str(r.public_id): r for r in CourseRegistration.objects.filter(course=rush.courses["书法"])
    }
    recomputed = draw_order(draw.seed, [(e["token"], e["tier"]) for e in draw.entries])
    assert [t for t, _tier in recomputed] == [e["token"] for e in draw.entries]
    first = tokens[draw.entries[0]["token"]]
    assert first.student == rush.students[5]  # the priority group is drawn first
    results = [tokens[e["token"]].status for e in draw.entries]
    assert results == ["confirmed"] * 3 + ["waitlisted"] * 3
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 3
    waiting = [tokens[e["token"]] for e in draw.entries[3:]]
    assert [registration.waitlist_position(r) for r in waiting] == [1, 2, 3]
    assert sorted(r["name"] for r in draw.results) == sorted(
        mask_name(t.student.name) for t in tokens.values()
    )


def test_lottery_page_is_public_and_masks_names(world, client):
    rush, draw = _lottery(world)
    page = client.get(reverse("public_lottery", args=[rush.courses["书法"].public_id]))
    text = page.content.decode()
    assert page.status_code == 200 and draw.seed in text
    for student in rush.students:
        assert student.name not in text
        assert mask_name(student.name) in text


def test_lottery_waits_for_the_window_to_close(world):
    rush = build_rush(world, students=1, mode="lottery")
    reg(rush, rush.students[0])
    from aftercare.errors import Conflict

    with pytest.raises(Conflict):
        registration.draw_lottery(actor=world.users["principal_a1"], course=rush.courses["书法"])
    assert not LotteryDraw.objects.exists()


def test_mask_name():
    assert [mask_name(n) for n in ("张小明", "张三", "欧阳小明", "李")] == [
        "张*明",
        "张*",
        "欧**明",
        "李",
    ]


# --------------------------------------------------------------------------- round two


def test_courses_below_minimum_are_cancelled_and_students_get_round_two(world):
    rush = build_rush(world, courses=(("书法", 10, 3), ("围棋", 10, 1)), students=3)
    cancelled_student, other, outsider = rush.students
    reg(rush, cancelled_student, "书法")
    reg(rush, other, "围棋")
    cancelled = registration.close_round_one(
        actor=world.users["principal_a1"],
        plan_version=rush.version,
        now=rush.closes_at,  # the round has ended
    )
    assert [c.name for c in cancelled] == ["书法"]
    assert CourseRegistration.objects.get(student=cancelled_student).status == "course_cancelled"
    assert Application.objects.get(student=cancelled_student).courses_taken == 0
    assert Notification.objects.filter(recipient=rush.parents[cancelled_student.pk]).exists()
    round_two = rush.closes_at + timedelta(hours=2)
    assert reg(rush, cancelled_student, "围棋", now=round_two).status == "confirmed"
    with pytest.raises(RegistrationError) as err:
        reg(rush, outsider, "围棋", now=round_two)
    assert err.value.code == "not_eligible"
    with pytest.raises(RegistrationError):
        reg(rush, other, "书法", now=round_two)  # cancelled course takes nobody


# --------------------------------------------------------------------------- pages


def test_parent_registers_on_the_page(world, client, login):
    rush = build_rush(world, courses=(("书法", 1, 1),), students=2)
    first, second = rush.students
    login(rush.parents[first.pk])
    page = client.get(reverse("family_courses"))
    assert "书法" in page.content.decode() and "报名进行中" in page.content.decode()
    url = reverse("register_course", args=[rush.courses["书法"].public_id])
    client.post(url, {"student": first.public_id})
    assert CourseRegistration.objects.get(student=first).status == "confirmed"
    # Another family's child cannot be registered by this parent.
    assert client.post(url, {"student": second.public_id}).status_code == 404
    login(rush.parents[second.pk])
    client.post(url, {"student": second.public_id})
    page = client.get(reverse("family_courses")).content.decode()
    assert "排第 1 位" in page


def test_school_sees_seats_and_other_schools_get_404(world, client, login):
    rush = build_rush(world, students=1)
    reg(rush, rush.students[0])
    url = reverse("school_registration", args=[rush.plan.public_id])
    login(world.users["principal_a1"])
    assert "1/10" in client.get(url).content.decode()
    login(world.users["principal_a2"])
    assert client.get(url).status_code == 404
    login(world.users["official_b"])
    assert client.get(url).status_code == 404


# --------------------------------------------------------------------------- amendments


def test_published_amendment_carries_seats_over(world):
    from plans.services import plans as plan_services

    rush = build_rush(world, courses=(("书法", 2, 1), ("围棋", 5, 1)), students=3)
    a = rush.students[0]
    for s in rush.students:
        reg(rush, s, "书法")  # two seats, one waiting
    reg(rush, a, "围棋")
    principal, official = world.users["principal_a1"], world.users["official_a"]
    draft = plan_services.amend_plan(actor=principal, plan=rush.plan)
    calligraphy = draft.courses.get(name="书法")
    plan_services.save_plan_part(
        actor=principal, version=draft, kind="course", data={"capacity": 3}, part=calligraphy
    )
    plan_services.delete_plan_part(
        actor=principal, version=draft, kind="course", part=draft.courses.get(name="围棋")
    )
    draft = plan_services.update_plan_general(
        actor=principal, version=draft, data={"prohibitions_confirmed": True}
    )
    draft = plan_services.submit_plan(actor=principal, version=draft)
    draft = plan_services.approve_plan(actor=official, version=draft)
    plan_services.publish_plan(actor=principal, version=draft)

    new_course = draft.courses.get(name="书法")
    moved = CourseRegistration.objects.filter(course=new_course).order_by("id")
    # The third seat of the larger course is offered to the one who was waiting.
    assert [r.status for r in moved] == ["confirmed", "confirmed", "offered"]
    counter = CourseCapacity.objects.get(course=new_course)
    assert (counter.capacity, counter.taken) == (3, 3)
    dropped = CourseRegistration.objects.get(student=a, course__name="围棋")
    assert dropped.status == SeatStatus.COURSE_CANCELLED
    assert Application.objects.get(student=a).courses_taken == 1
    # The new version takes registrations; the superseded course takes none.
    registration.clear_cache()
    late = add_student(rush, world)
    outcome = registration.register(
        actor=rush.parents[late.pk],
        student=late,
        info=registration.course_info(new_course.public_id, fresh=True),
    )
    assert outcome.status == "waitlisted"
    with pytest.raises(RegistrationError):
        registration.register(
            actor=rush.parents[late.pk],
            student=late,
            info=registration.course_info(rush.courses["围棋"].public_id, fresh=True),
        )


def test_confirmed_seat_cannot_be_left_mid_semester_when_the_policy_says_so(world):
    from aftercare.errors import NotAllowed

    rush = build_rush(world, students=1)  # "1+X" preset: no leaving X courses mid-semester
    student = rush.students[0]
    reg(rush, student)
    held = CourseRegistration.objects.get()
    with pytest.raises(NotAllowed) as err:
        registration.cancel_registration(
            actor=rush.parents[student.pk],
            registration=held,
            now=rush.closes_at + timedelta(days=3),
        )
    assert err.value.code == "mid_semester_exit"
    assert CourseRegistration.objects.get().status == "confirmed"
    # Inside the window it is the family's choice.
    registration.cancel_registration(actor=rush.parents[student.pk], registration=held)
    assert CourseRegistration.objects.get().status == "cancelled"


def test_rush_api_endpoint(world, api):
    rush = build_rush(world, courses=(("书法", 1, 1),), students=3)
    first, second, third = rush.students
    url = f"/api/v1/courses/{rush.courses['书法'].public_id}/register/"
    client = api(rush.parents[first.pk])
    ok = client.post(url, {"student": str(first.public_id)}, format="json")
    assert ok.status_code == 201 and ok.json()["status"] == "confirmed"
    again = client.post(url, {"student": str(first.public_id)}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_registered"
    bad = client.post(url, {"student": "not-a-uuid"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"]["student"][0]["code"] == (
        "invalid"
    )
    assert (
        client.post(url, {}, format="json").json()["error"]["fields"]["student"][0]["code"]
        == "required"
    )
    # Another family's child: not found.
    assert client.post(url, {"student": str(second.public_id)}, format="json").status_code == 404
    full = api(rush.parents[second.pk]).post(url, {"student": str(second.public_id)}, format="json")
    assert full.json()["status"] == "waitlisted"
    listing = api(rush.parents[second.pk]).get("/api/v1/registrations/").json()["results"]
    assert [(r["status"], r["position"]) for r in listing] == [("waitlisted", 1)]
    late = api(rush.parents[third.pk]).post(url, {"student": str(third.public_id)}, format="json")
    assert late.status_code == 201
    assert CourseCapacity.objects.get(course=rush.courses["书法"]).taken == 1


def test_claim_lookup_agrees_with_visible_to(world):
    """The rush path's one plain query finds exactly the children ``visible_to`` gives a
    parent, and says whether the user has a role in the course's school."""
    from aftercare.tenancy import Scope
    from enrollment.models import Student

    rush = build_rush(world, students=2)
    info = rush.info("书法")
    first, second = rush.students
    parent = rush.parents[first.pk]
    visible = set(Student.objects.visible_to(Scope(parent)).values_list("public_id", flat=True))
    for student in (first, second, world.students["a1"], world.students["b1"]):
        reaches, found, same = registration.lookup_for_claim(parent, info, student.public_id)
        assert reaches and same is info
        assert (found is not None) == (student.public_id in visible), student
    assert registration.lookup_for_claim(world.users["outsider"], info, first.public_id) == (
        False,
        None,
        info,
    )
