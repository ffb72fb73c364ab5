"""Every role's home page is its to-do list: the parent's next step per child, the homeroom
teacher's pending reviews, the principal's approvals and plan, a care teacher's useful home."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from enrollment.models import (
    Application,
    ApplicationStatus,
    CourseRegistration,
    SeatStatus,
    ServiceAgreement,
)
from plans.models import PlanStatus
from tests.registration_world import add_student, build_rush

pytestmark = pytest.mark.django_db


def _todos(response, testid):
    for section in response.context["sections"]:
        if section.context.get("testid") == testid:
            return section.context["todos"]
    return []


def _child_todos(response):
    for section in response.context["sections"]:
        if "rows" in section.context:
            return {row.student.pk: todos for row, todos in section.context["rows"]}
    raise AssertionError("no children section")


@pytest.fixture
def rush(world):
    return build_rush(world)


def test_parent_sees_each_childs_next_step(world, rush, login):
    parent = world.users["parent_a1"]
    child = add_student(rush, world, parent=parent)
    app = Application.objects.get(student=child)
    client = login(parent)
    url = reverse("family_home")

    todos = _child_todos(client.get(url))[child.pk]
    assert [t.state for t in todos] == ["wait"]  # waiting for the class teacher

    Application.objects.filter(pk=app.pk).update(
        status=ApplicationStatus.APPROVED, approved_at=timezone.now()
    )
    todos = _child_todos(client.get(url))[child.pk]
    sign_url = reverse("application_agreement", args=[app.public_id])
    assert [(t.state, t.url) for t in todos] == [("todo", sign_url), ("todo", sign_url)]

    now = timezone.now()
    agreement = ServiceAgreement.objects.create(
        district=child.district,
        school=child.school,
        semester=rush.semester,
        title="课后服务协议",
        body="……",
    )
    Application.objects.filter(pk=app.pk).update(
        agreement=agreement,
        signed_at=now,
        signed_by=parent,
        insurance_confirmed_at=now,
        insurance_confirmed_by=parent,
    )
    CourseRegistration.objects.create(
        district=child.district,
        school=child.school,
        course=rush.courses["书法"],
        student=child,
        application=app,
        status=SeatStatus.OFFERED,
        created_by=parent,
        offer_expires_at=now + timedelta(hours=5),
    )
    response = client.get(url)
    todos = _child_todos(response)[child.pk]
    assert [(t.state, t.url) for t in todos] == [
        ("warn", reverse("family_courses")),  # the offer and its deadline first
        ("ok", reverse("family_courses")),  # enrolled
    ]
    assert "书法" in todos[0].label
    assert response.content.decode().count('data-testid="todo"') >= 2


def test_parent_without_application_is_asked_to_apply_or_told_when(world, rush, login):
    parent = world.users["parent_a1"]
    child = add_student(rush, world, parent=parent, apply=False)
    todos = _child_todos(login(parent).get(reverse("family_home")))[child.pk]
    assert len(todos) == 1
    assert todos[0].state in ("todo", "wait")


def test_homeroom_teacher_sees_pending_reviews_first(world, rush, login):
    add_student(rush, world)
    add_student(rush, world)
    response = login(world.users["teacher_a1"]).get(reverse("teacher_home"))
    (todo,) = _todos(response, "teacher-review-todos")
    assert todo.count == 2
    assert todo.url == reverse("teacher_applications")
    assert response.context["sections"][0].context["testid"] == "teacher-review-todos"
    # Another school's teacher has nothing to review.
    response = login(world.users["teacher_a2"]).get(reverse("teacher_home"))
    assert _todos(response, "teacher-review-todos") == []


def test_principal_sees_approvals_and_the_plan(world, rush, login):
    child = add_student(rush, world)
    Application.objects.filter(student=child).update(status=ApplicationStatus.CLASS_APPROVED)
    school = world.schools["a1"]
    response = login(world.users["principal_a1"]).get(
        reverse("school_home", args=[school.public_id])
    )
    approvals = _todos(response, "school-application-todos")
    assert approvals[0].count == 1
    assert approvals[0].url.endswith("?status=class_approved")
    (plan,) = _todos(response, "plan-todos")
    assert plan.state == "ok"  # published
    assert plan.url == reverse("plan_detail", args=[rush.plan.public_id])


def test_returned_plan_shows_the_districts_comment(world, login):
    from plans.services import plans as plan_services
    from plans.services import policy as policy_services

    semester = world.semesters["a"]
    policy_services.create_policy_from_preset(
        actor=world.users["official_a"], semester=semester, preset="one_plus_x"
    )
    plan = plan_services.create_plan(
        actor=world.users["principal_a1"], school=world.schools["a1"], semester=semester
    )
    plan.versions.update(status=PlanStatus.RETURNED, review_comment="请补充安全预案")
    response = login(world.users["principal_a1"]).get(
        reverse("school_home", args=[world.schools["a1"].public_id])
    )
    (todo,) = _todos(response, "plan-todos")
    assert (todo.state, todo.detail) == ("warn", "请补充安全预案")
    assert "请补充安全预案" in response.content.decode()


def test_care_teacher_home_has_no_empty_homeroom_message(world, login):
    response = login(world.users["care_a1"]).get(reverse("teacher_home"))
    assert response.status_code == 200
    templates = [s.template for s in response.context["sections"]]
    assert "enrollment/home/teacher_classes.html" not in templates
