"""Tenancy: every route that takes an id answers 404 for another tenant's object."""

from datetime import time

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aftercare.models import CalendarException, CalendarKind, District, School, SchoolClass
from aftercare.tenancy import Scope
from enrollment.models import Student
from tests.attendance.routes import foreign_attendance_routes
from tests.billing.payout_routes import PUBLIC_PAYOUT_ROUTES, foreign_payout_routes
from tests.billing.world import foreign_billing_routes
from tests.feedback.routes import foreign_feedback_routes
from tests.institutions.world import foreign_institution_routes
from tests.reporting.assessment_routes import foreign_assessment_routes
from tests.reporting.routes import foreign_reporting_routes
from tests.safety.routes import foreign_safety_routes

pytestmark = pytest.mark.django_db


def test_scope_resolves_roles_per_school(world):
    scope = Scope(world.users["principal_a1"])
    assert scope.manager_schools == {world.schools["a1"].pk}
    assert not scope.is_official()
    assert Scope(world.users["official_a"]).official_districts == {world.a.pk}


@pytest.mark.parametrize(
    ("user_key", "expected"),
    [
        ("official_a", {"a1", "a2"}),
        ("principal_a1", {"a1"}),
        ("admin_a2", {"a2"}),
        ("teacher_a1", {"a1"}),
        ("care_a1", set()),  # care teachers see students of their groups only (none yet)
        ("parent_a1", {"a1"}),
        ("outsider", {"b2"}),
    ],
)
def test_students_visible_by_role(world, user_key, expected):
    seen = set(Student.objects.visible_to(Scope(world.users[user_key])))
    assert seen == {world.students[k] for k in expected}


def test_homeroom_teacher_sees_only_own_class(world):
    other_class = SchoolClass.objects.create(
        district=world.a, school=world.schools["a1"], grade=4, number=1
    )
    scope = Scope(world.users["teacher_a1"])
    assert set(SchoolClass.objects.visible_to(scope)) == {world.classes["a1"]}
    assert other_class not in SchoolClass.objects.visible_to(Scope(world.users["parent_a1"]))


def test_district_level_rows_visible_to_members_of_that_district_only(world):
    assert set(District.objects.visible_to(Scope(world.users["parent_a1"]))) == {world.a}
    assert set(School.objects.visible_to(Scope(world.users["outsider"]))) == {world.schools["b2"]}


def test_anonymous_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Student.objects.visible_to(Scope(AnonymousUser())).exists()


# --------------------------------------------------------------------- the route matrix


def _foreign_routes(world):
    """Every route with an object id, pointed at district b's objects."""
    semester = world.semesters["b"]
    exc = CalendarException.objects.create(
        district=world.b, semester=semester, date=semester.start_date, kind=CalendarKind.HOLIDAY
    )
    school, klass, student = world.schools["b1"], world.classes["b1"], world.students["b1"]
    return {
        "school_home": ("get", reverse("school_home", args=[school.public_id])),
        "class_detail": ("get", reverse("class_detail", args=[klass.public_id])),
        "student_detail": ("get", reverse("student_detail", args=[student.public_id])),
        "semester_detail": ("get", reverse("semester_detail", args=[semester.public_id])),
        "calendar_exception_delete": (
            "post",
            reverse("calendar_exception_delete", args=[semester.public_id, exc.pk]),
        ),
        "district-detail": ("get", reverse("district-detail", args=[world.b.public_id])),
        "school-detail": ("get", reverse("school-detail", args=[school.public_id])),
        "class-detail": ("get", reverse("class-detail", args=[klass.public_id])),
        "semester-detail": ("get", reverse("semester-detail", args=[semester.public_id])),
        "semester-add-exception": (
            "post",
            reverse("semester-add-exception", args=[semester.public_id]),
        ),
        "semester-remove-exception": (
            "delete",
            reverse("semester-remove-exception", args=[semester.public_id, exc.pk]),
        ),
        "semester-school-days": ("get", reverse("semester-school-days", args=[semester.public_id])),
        "student-detail": ("get", reverse("student-detail", args=[student.public_id])),
        "roster": ("get", reverse("roster", args=[school.public_id])),
        "roster_import": ("post", reverse("roster_import", args=[school.public_id])),
        "roster_import_confirm": (
            "post",
            reverse("roster_import_confirm", args=[school.public_id]),
        ),
        "roster_export": ("get", reverse("roster_export", args=[school.public_id])),
        "school-roster": ("get", reverse("school-roster", args=[school.public_id])),
        "audit-event-detail": ("get", reverse("audit-event-detail", args=[_foreign_event(world)])),
        "notification-detail": ("get", reverse("notification-detail", args=[_foreign_note(world)])),
        **_foreign_plan_pages(world),
        **_foreign_plan_api(world),
        **_foreign_registration(world),
        **_foreign_application_routes(world),
        **_foreign_binding(world),
        **foreign_billing_routes(world),
        **foreign_payout_routes(world),
        **_foreign_scheduling_routes(world),
        **foreign_attendance_routes(world),
        **foreign_reporting_routes(world),
        **_foreign_tokens(world),
        **foreign_feedback_routes(world),
        **foreign_assessment_routes(world),
        **foreign_safety_routes(world),
        **foreign_institution_routes(world),
    }


def _foreign_plan_pages(world):
    """District b's policy and a draft plan of school b1, for the plan and policy pages."""
    from plans.services import plans as plan_services
    from plans.services import policy as policy_services

    semester, school = world.semesters["b"], world.schools["b1"]
    policy_services.create_policy_from_preset(
        actor=world.users["official_b"], semester=semester, preset="city_2021"
    )
    plan = plan_services.create_plan(
        actor=world.users["principal_b1"], school=school, semester=semester
    )
    period = plan_services.save_plan_part(
        actor=world.users["principal_b1"],
        version=plan.versions.get(),
        kind="period",
        data={"grades": [3], "weekdays": [0], "start_time": time(15, 30), "end_time": time(17, 0)},
    )
    pid = plan.public_id
    return {
        "policy_detail": ("get", reverse("policy_detail", args=[semester.public_id])),
        "policy_edit": ("get", reverse("policy_edit", args=[semester.public_id])),
        "policy_categories": ("get", reverse("policy_categories", args=[semester.public_id])),
        "policy_category_default": (
            "get",
            reverse("policy_category_default", args=[semester.public_id]),
        ),
        "policy_category": (
            "get",
            reverse("policy_category", args=[semester.public_id, "xiangzhen"]),
        ),
        "school_plans": ("get", reverse("school_plans", args=[school.public_id])),
        "plan_detail": ("get", reverse("plan_detail", args=[pid])),
        "plan_general_edit": ("get", reverse("plan_general_edit", args=[pid])),
        "plan_action": ("post", reverse("plan_action", args=[pid, "approve"])),
        "plan_part_new": ("get", reverse("plan_part_new", args=[pid, "period"])),
        "plan_part_edit": ("get", reverse("plan_part_edit", args=[pid, "period", period.pk])),
        "plan_part_delete": ("post", reverse("plan_part_delete", args=[pid, "period", period.pk])),
    }


def _foreign_plan_api(world):
    """The policy and plan API routes, pointed at district b's policy and school b2's plan
    (with a period, a course and a registration window)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from plans.services import plans as plan_services
    from plans.services import policy as policy_services

    semester, principal = world.semesters["b"], world.users["principal_b2"]
    policy = policy_services.create_policy_from_preset(
        actor=world.users["official_b"], semester=semester, preset="one_plus_x"
    )
    # The semester's school category (for the category pages, whose builder runs first).
    policy_services.update_policy(
        actor=world.users["official_b"],
        semester=semester,
        changes={},
        categories=[{"code": "xiangzhen", "name": "乡镇"}],
    )
    plan = plan_services.create_plan(actor=principal, school=world.schools["b2"], semester=semester)
    version = plan.versions.get()
    shanghai = ZoneInfo("Asia/Shanghai")
    parts = {
        "period": {
            "grades": [3],
            "weekdays": [0],
            "start_time": time(15, 30),
            "end_time": time(17, 0),
        },
        "course": {
            "name": "围棋",
            "grades": [3],
            "weekdays": [2],
            "start_time": time(16, 0),
            "end_time": time(16, 40),
            "capacity": 20,
        },
        "window": {
            "kind": "extended",
            "round": 1,
            "opens_at": datetime(2026, 8, 25, 10, 40, tzinfo=shanghai),
            "closes_at": datetime(2026, 8, 26, 10, 40, tzinfo=shanghai),
        },
    }
    ids = {
        kind: plan_services.save_plan_part(
            actor=principal, version=version, kind=kind, data=data
        ).pk
        for kind, data in parts.items()
    }
    routes = {
        "policy-detail": ("get", reverse("policy-detail", args=[policy.public_id])),
        "policy-change": ("post", reverse("policy-change", args=[policy.public_id])),
        "policy-diff": ("get", reverse("policy-diff", args=[policy.public_id])),
        "policy-rules": ("get", reverse("policy-rules", args=[policy.public_id]) + "?grade=3"),
        "plan-detail": ("get", reverse("plan-detail", args=[plan.public_id])),
        "plan-draft": ("patch", reverse("plan-draft", args=[plan.public_id])),
        "plan-check": ("get", reverse("plan-check", args=[plan.public_id])),
        "plan-version-list": ("get", reverse("plan-version-list", args=[plan.public_id])),
        "plan-version-detail": (
            "get",
            reverse("plan-version-detail", args=[plan.public_id, version.number]),
        ),
    }
    for step in ("submit", "approve", "return", "publish", "amend"):
        routes[f"plan-{step}"] = ("post", reverse(f"plan-{step}", args=[plan.public_id]))
    for kind, pk in ids.items():
        routes[f"plan-{kind}-list"] = ("post", reverse(f"plan-{kind}-list", args=[plan.public_id]))
        routes[f"plan-{kind}-detail"] = (
            "delete",
            reverse(f"plan-{kind}-detail", args=[plan.public_id, pk]),
        )
    return routes


def _foreign_application_routes(world):
    """Application pages and API, pointed at school b2's plan (in a semester of its own),
    an application of parent_b2's child and the school's agreement."""
    from datetime import timedelta

    from django.utils import timezone

    from aftercare.models import Semester
    from enrollment.services import applications as application_services
    from plans.models import WindowKind
    from tests.enrollment.test_applications_fixtures import make_plan

    now, today = timezone.now(), timezone.localdate()
    semester = Semester.objects.create(
        district=world.b,
        name="申请学期-b",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=120),
    )
    plan, _version, _windows = make_plan(
        world,
        "b2",
        semester,
        windows=[(WindowKind.BASIC, now - timedelta(hours=1), now + timedelta(days=1))],
    )
    application = application_services.apply_for_service(
        actor=world.users["parent_b2"], student=world.students["b2"], basic_care=True
    )
    agreement = application_services.publish_agreement(
        actor=world.users["principal_b2"], plan=plan, title="课后服务协议", body="……"
    )
    a, p = application.public_id, plan.public_id
    routes = {
        "school_applications": (
            "get",
            reverse("school_applications", args=[world.schools["b2"].public_id]),
        ),
        "application_agreement": ("get", reverse("application_agreement", args=[a])),
        "application_withdrawal_decision": (
            "post",
            reverse("application_withdrawal_decision", args=[a, "approve"]),
        ),
        "agreement_editor": ("get", reverse("agreement_editor", args=[p])),
        "application-detail": ("get", reverse("application-detail", args=[a])),
        "agreement-detail": ("get", reverse("agreement-detail", args=[agreement.public_id])),
        "plan-agreements": ("get", reverse("plan-agreements", args=[p])),
    }
    for name in ("change", "sign", "insurance", "withdraw", "review"):
        routes[f"application_{name}"] = ("post", reverse(f"application_{name}", args=[a]))
    for name in ("review", "sign", "insurance", "withdrawal", "verify-priority"):
        routes[f"application-{name}"] = ("post", reverse(f"application-{name}", args=[a]))
    routes["application_verify_priority"] = (
        "post",
        reverse("application_verify_priority", args=[a]),
    )
    for name in ("withdrawal-approve", "withdrawal-decline"):
        routes[f"application-{name}"] = ("post", reverse(f"application-{name}", args=[a]))
    for name in ("applications_bulk_approve", "applications_publish_list"):
        routes[name] = ("post", reverse(name, args=[p]))
    for name in ("plan-applications-approve", "plan-applications-publish"):
        routes[name] = ("post", reverse(name, args=[p]))
    return routes


def _foreign_scheduling_routes(world):
    """Scheduling pages and API, pointed at school b1's staffed grouping (tests/scheduling)."""
    from tests.scheduling.world import foreign_scheduling

    o = foreign_scheduling(world)
    school, plan, group = o["school"].public_id, o["plan"].public_id, o["group"].public_id
    staff, record = o["staff"].public_id, o["record"].public_id
    routes = {
        "scheduling_index": ("get", reverse("scheduling_index", args=[school])),
        "scheduling_staff": ("get", reverse("scheduling_staff", args=[school])),
        "scheduling_staff_import": ("post", reverse("scheduling_staff_import", args=[school])),
        "scheduling_staff_export": ("get", reverse("scheduling_staff_export", args=[school])),
        "scheduling_staff_detail": ("get", reverse("scheduling_staff_detail", args=[staff])),
        "scheduling_vetting_upload": ("post", reverse("scheduling_vetting_upload", args=[staff])),
        "scheduling_vetting_document": (
            "get",
            reverse("scheduling_vetting_document", args=[record]),
        ),
        "scheduling_rooms": ("get", reverse("scheduling_rooms", args=[school])),
        "scheduling_room_edit": (
            "post",
            reverse("scheduling_room_edit", args=[o["room"].public_id]),
        ),
        "scheduling_institution_detail": (
            "get",
            reverse("scheduling_institution_detail", args=[o["institution"].public_id]),
        ),
        "scheduling_board": ("get", reverse("scheduling_board", args=[plan])),
        "scheduling_week": ("get", reverse("scheduling_week", args=[plan])),
        "scheduling_export": ("get", reverse("scheduling_export", args=[plan, "groups"])),
        "scheduling_board_action": (
            "post",
            reverse("scheduling_board_action", args=[plan, "propose"]),
        ),
        "scheduling_group": ("get", reverse("scheduling_group", args=[group])),
        "scheduling_group_action": (
            "post",
            reverse("scheduling_group_action", args=[group, "split"]),
        ),
        "scheduling_assignment_delete": (
            "post",
            reverse("scheduling_assignment_delete", args=[o["assignment"].public_id]),
        ),
        "scheduling_booking_delete": (
            "post",
            reverse("scheduling_booking_delete", args=[o["booking"].public_id]),
        ),
        "institution-detail": (
            "get",
            reverse("institution-detail", args=[o["institution"].public_id]),
        ),
        "institution-status": (
            "post",
            reverse("institution-status", args=[o["institution"].public_id]),
        ),
        "staff-detail": ("get", reverse("staff-detail", args=[staff])),
        "staff-vetting": ("post", reverse("staff-vetting", args=[staff])),
        "vetting-record-document": ("get", reverse("vetting-record-document", args=[record])),
        "school-staff-import": ("post", reverse("school-staff-import", args=[school])),
        "school-staff-export": ("get", reverse("school-staff-export", args=[school])),
        "room-detail": ("get", reverse("room-detail", args=[o["room"].public_id])),
        "plan-scheduling": ("get", reverse("plan-scheduling", args=[plan])),
        "group-detail": ("get", reverse("group-detail", args=[group])),
        "assignment-detail": (
            "delete",
            reverse("assignment-detail", args=[o["assignment"].public_id]),
        ),
        "room-booking-detail": (
            "delete",
            reverse("room-booking-detail", args=[o["booking"].public_id]),
        ),
        "session-detail": ("get", reverse("session-detail", args=[o["session"].public_id])),
    }
    for step in ("propose", "confirm", "place", "generate", "cancel-day"):
        name = f"plan-scheduling-{step}"
        routes[name] = ("post", reverse(name, args=[plan]))
    for step in ("move", "merge", "split"):
        routes[f"group-{step}"] = ("post", reverse(f"group-{step}", args=[group]))
    return routes


# Public pages take ids too, but show only published, non-personal data to anyone.
PUBLIC_ROUTES = {
    "public_plan",
    "public_district",
    "public_lottery",
    "course-lottery",
    "public_participants",
    "institutions_public",
    "institutions-public",
    *PUBLIC_PAYOUT_ROUTES,
}


def _foreign_binding(world):
    """A binding of school b1's pupil waiting for the school (the roster does not know the
    requester's mobile)."""
    from enrollment.services import families
    from tests.factories import ParentUserFactory

    student = world.students["b1"]
    pending = families.bind_child(
        user=ParentUserFactory(),
        student_number=student.student_number,
        student_name=student.name,
        relation="mother",
    ).request
    b = pending.public_id
    return {
        "binding_decision": ("post", reverse("binding_decision", args=[b, "approve"])),
        "binding-request-detail": ("get", reverse("binding-request-detail", args=[b])),
        "binding-request-approve": ("post", reverse("binding-request-approve", args=[b])),
        "binding-request-refuse": ("post", reverse("binding-request-refuse", args=[b])),
    }


def _foreign_registration(world):
    """A published plan of school b1 with a course and one registration."""
    from enrollment.services import registration as engine
    from tests.registration_world import build_rush

    rush = build_rush(world, school_key="b1", students=1)
    student = rush.students[0]
    outcome = engine.register(
        actor=rush.parents[student.pk], student=student, info=rush.info("书法")
    )
    course, pid, rid = rush.courses["书法"], rush.plan.public_id, outcome.public_id
    return {
        "register_course": ("post", reverse("register_course", args=[course.public_id])),
        "registration_action": ("post", reverse("registration_action", args=[rid, "cancel"])),
        "school_registration": ("get", reverse("school_registration", args=[pid])),
        "course_registrants": (
            "get",
            reverse("course_registrants", args=[pid, course.public_id]),
        ),
        "school_registration_action": (
            "post",
            reverse("school_registration_action", args=[pid, "close-round-one"]),
        ),
        "course-register": ("post", reverse("course-register", args=[course.public_id])),
        "course-draw": ("post", reverse("course-draw", args=[course.public_id])),
        "registration-detail": ("get", reverse("registration-detail", args=[rid])),
        "registration-accept": ("post", reverse("registration-accept", args=[rid])),
        "registration-decline": ("post", reverse("registration-decline", args=[rid])),
        "registration-cancel": ("post", reverse("registration-cancel", args=[rid])),
        "plan-seats": ("get", reverse("plan-seats", args=[pid])),
        "plan-close-round-one": ("post", reverse("plan-close-round-one", args=[pid])),
    }


def _foreign_tokens(world):
    """Another user's API token (personal: 404 to everyone else, whatever their role)."""
    from aftercare.services.tokens import issue_token

    token = issue_token(user=world.users["principal_b1"], name="phone").token.public_id
    return {
        "api-token-detail": ("delete", reverse("api-token-detail", args=[token])),
        "token_revoke": ("post", reverse("token_revoke", args=[token])),
    }


def _foreign_event(world):
    from aftercare.audit import record_event

    return record_event(actor=world.users["official_b"], action="test.event", obj=world.b).pk


def _foreign_note(world):
    from aftercare.models import Notification

    return Notification.objects.create(
        recipient=world.users["official_b"], district=world.b, title="x"
    ).pk


def _id_routes():
    """Names of all routes (outside the Django admin) whose path takes an object id."""
    import re

    names = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name and not prefix.startswith("admin/"):
                route = prefix + str(p.pattern)
                params = set(re.findall(r"<(?:\w+:)?(\w+)>", route)) - {"format"}
                if params:
                    names.add(p.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_id_route_is_in_the_cross_tenant_matrix(world):
    matrix = set(_foreign_routes(world))
    missing = _id_routes() - matrix - PUBLIC_ROUTES
    assert not missing, f"routes without a cross-tenant 404 test: {sorted(missing)}"


@pytest.mark.parametrize(
    "user_key", ["official_a", "principal_a1", "admin_a1", "teacher_a1", "care_a1", "parent_a1"]
)
def test_foreign_objects_are_404_for_every_role(world, client, user_key):
    routes = _foreign_routes(world)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.users[user_key])
    client.force_login(world.users[user_key], backend="aftercare.auth.MobileOrUsernameBackend")
    for name, (method, url) in routes.items():
        agent = api if url.startswith("/api/") else client
        response = getattr(agent, method)(url)
        if name == "audit-event-detail" and user_key != "official_a":
            # Non-officials may not read audit events at all: "wrong role", same tenant.
            assert response.status_code == 403, (name, response.status_code)
            continue
        assert response.status_code == 404, (name, user_key, response.status_code)
        if url.startswith("/api/"):
            assert response.json()["error"]["code"] == "not_found"


def test_own_objects_are_found(world, client, login):
    login(world.users["official_a"])
    school = world.schools["a1"]
    assert client.get(reverse("school_home", args=[school.public_id])).status_code == 200
    assert (
        client.get(reverse("student_detail", args=[world.students["a1"].public_id])).status_code
        == 200
    )


def test_wrong_role_in_own_tenant_is_403(world, client, login):
    login(world.users["parent_a1"])
    assert (
        client.get(reverse("school_home", args=[world.schools["a1"].public_id])).status_code == 403
    )
    assert client.get(reverse("district_home")).status_code == 403
    assert client.get(reverse("audit_log")).status_code == 403
