"""Tenancy inside one district: the route matrix of tests/test_tenancy.py, turned inward.

The cross-tenant matrix points every route with an object id at district b. Here the same
builders point it at the neighbours inside district a:

* school vs school: the "foreign" side becomes schools a2 and a3 of district a (b -> a,
  b1 -> a2, b2 -> a3, a semester of district a). Principal, administrator, teachers and the
  parent of school a1 must get 404 on every route, except the district-level ones listed in
  ``DISTRICT_LEVEL`` with the reason they are shared;
* parent vs parent of the same class: another family of class a1 — its child, application,
  course registration, notifications — is 404 for parent_a1;
* teacher vs teacher: another homeroom class of school a1 — the class, its pupil, the
  pupil's application — is 404 for teacher_a1, the homeroom teacher of class a1.

``test_every_id_route_is_in_the_intra_district_matrix`` fails when a route has no
intra-district case (nor a reason to be district-level), like its cross-tenant twin.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from aftercare.models import Notification, Role, SchoolClass
from tests.conftest import World
from tests.factories import (
    GuardianshipFactory,
    ParentUserFactory,
    SchoolClassFactory,
    SchoolFactory,
    SemesterFactory,
    StudentFactory,
    UserFactory,
    member,
)
from tests.test_tenancy import PUBLIC_ROUTES, _foreign_routes, _id_routes

pytestmark = pytest.mark.django_db

# Rows every member of the district shares (they are not a school's or a family's): what
# a1's people may see of them is their role's business (200 or 403), never another school's.
DISTRICT_LEVEL = {
    "district-detail": "the district itself",
    "semester_detail": "the district's semester calendar (principals read it)",
    "billing_subsidy_rules": "the district's subsidy rule set: officials only (403)",
    "semester-detail": "the district's semester calendar",
    "semester-school-days": "the district's semester calendar",
    "semester-add-exception": "the district's calendar: officials only (403 for the others)",
    "semester-remove-exception": "the district's calendar: officials only (403)",
    "calendar_exception_delete": "a district-wide date: officials only (403)",
    "audit-event-detail": "the district's audit log: officials only (403)",
    "policy_detail": "the district policy: read by every school's leaders",
    "policy_edit": "the district policy: officials only (403)",
    "policy-detail": "the district policy",
    "policy-change": "the district policy: officials only (403)",
    "policy-diff": "the district policy",
    "policy-rules": "the district policy's rules for a school category",
    "policy_categories": "the district policy's school categories",
    "policy_category": "the district policy's school categories: officials only (403)",
    "policy_category_default": "the district policy's school categories",
    "scheduling_institution_detail": "the bureau's list of admitted institutions (published)",
    "institution-detail": "the bureau's list of admitted institutions (published)",
    "institution-status": "admitting or removing an institution: officials only",
    "institutions_batch": "the district's admission call (批次): officials only (403)",
    "institution_apply": "the district's admission call: institutions' accounts only (403)",
    "institution-batch-detail": "the district's admission call (published to institutions)",
    "institution-batch-close": "the district's admission call: officials only (403)",
}

SCHOOL_USERS = ("principal_a1", "admin_a1", "teacher_a1", "care_a1", "parent_a1")


def _school(world: World, district, key: str):
    """A school with the conftest's staff and one family (as ``build_world`` makes them)."""
    school = SchoolFactory(district=district, code=f"s-{key}")
    teacher = member(UserFactory(username=f"teacher-{key}"), Role.HOMEROOM_TEACHER, school=school)
    world.users[f"teacher_{key}"] = teacher
    for role, prefix in (
        (Role.PRINCIPAL, "principal"),
        (Role.SCHOOL_ADMIN, "admin"),
        (Role.CARE_TEACHER, "care"),
    ):
        world.users[f"{prefix}_{key}"] = member(
            UserFactory(username=f"{prefix}-{key}"), role, school=school
        )
    world.schools[key] = school
    world.classes[key] = SchoolClassFactory(school=school, grade=3, homeroom_teacher=teacher)
    world.students[key] = StudentFactory(school_class=world.classes[key])
    parent = member(ParentUserFactory(), Role.PARENT, school=school)
    GuardianshipFactory(student=world.students[key], user=parent)
    world.users[f"parent_{key}"] = parent
    return school


def neighbour_world(world: World) -> World:
    """``world`` with its district-b side replaced by schools a2 and a3 of district a."""
    _school(world, world.a, "a3")
    semester = SemesterFactory(
        district=world.a, start_date=date(2026, 9, 1), end_date=date(2027, 1, 22)
    )
    mirror = World(
        a=world.a,
        b=world.a,
        schools=dict(world.schools),
        classes=dict(world.classes),
        students=dict(world.students),
        semesters={"a": world.semesters["a"], "b": semester},
        users=dict(world.users),
    )
    for theirs, ours in (("b1", "a2"), ("b2", "a3")):
        mirror.schools[theirs] = world.schools[ours]
        mirror.classes[theirs] = world.classes[ours]
        mirror.students[theirs] = world.students[ours]
        for prefix in ("principal", "admin", "teacher", "care", "parent"):
            mirror.users[f"{prefix}_{theirs}"] = world.users[f"{prefix}_{ours}"]
    mirror.users["official_b"] = world.users["official_a"]
    mirror.users["outsider"] = world.users["parent_a3"]
    return mirror


def _request(user, method: str, url: str):
    if url.startswith("/api/"):
        agent = APIClient()
        agent.force_authenticate(user)
    else:
        from django.test import Client

        agent = Client()
        agent.force_login(user, backend="aftercare.auth.MobileOrUsernameBackend")
    return getattr(agent, method)(url)


def _assert_404(response, name, user_key):
    assert response.status_code == 404, (name, user_key, response.status_code)
    if response.wsgi_request.path.startswith("/api/"):
        assert response.json()["error"]["code"] == "not_found", (name, user_key)


# --------------------------------------------------------------------------- school vs school


def test_every_id_route_is_in_the_intra_district_matrix(world):
    matrix = set(_foreign_routes(neighbour_world(world)))
    assert not set(DISTRICT_LEVEL) - _id_routes(), "stale DISTRICT_LEVEL entries"
    missing = _id_routes() - matrix - PUBLIC_ROUTES
    assert not missing, f"routes without an intra-district 404 test: {sorted(missing)}"


@pytest.mark.parametrize("user_key", SCHOOL_USERS)
def test_another_schools_objects_in_the_district_are_404(world, user_key):
    routes = _foreign_routes(neighbour_world(world))
    user = world.users[user_key]
    seen = {}
    for name, (method, url) in routes.items():
        if name in DISTRICT_LEVEL:
            continue
        response = _request(user, method, url)
        seen[name] = response.status_code
        if response.status_code == 404 and url.startswith("/api/"):
            assert response.json()["error"]["code"] == "not_found", name
    assert len(seen) > 100
    leaks = {name: status for name, status in seen.items() if status != 404}
    assert not leaks, f"{user_key} reaches school a2/a3's objects: {leaks}"


def test_district_level_routes_are_never_a_500_or_a_write(world):
    """The shared rows answer the school's people with their role's answer (200 or 403)."""
    routes = _foreign_routes(neighbour_world(world))
    for name in DISTRICT_LEVEL.keys() & routes.keys():  # missing ones: the test above
        method, url = routes[name]
        status = _request(world.users["principal_a1"], method, url).status_code
        allowed = (200, 403) if method == "get" else (400, 403, 405, 409)
        assert status in allowed, (name, status)


# --------------------------------------------------------------------------- family vs family


@pytest.fixture
def classmates(world):
    """A second family in class a1 (parent_a1's child's class): its child applied and
    registered for a course of school a1's published plan, and got an inbox message."""
    from enrollment.models import Application
    from enrollment.services import registration as engine
    from tests.registration_world import build_rush

    rush = build_rush(world, school_key="a1", students=1)
    child = rush.students[0]
    assert child.school_class_id == world.classes["a1"].pk
    parent = rush.parents[child.pk]
    registration = engine.register(actor=parent, student=child, info=rush.info("书法"))
    note = Notification.objects.create(recipient=parent, district=world.a, title="只给这家")
    return {
        "child": child,
        "parent": parent,
        "application": Application.objects.get(student=child),
        "registration": registration,
        "note": note,
    }


def _family_routes(c) -> dict:
    s, a, r = c["child"].public_id, c["application"].public_id, c["registration"].public_id
    routes = {
        "student_detail": ("get", reverse("student_detail", args=[s])),
        "student-detail": ("get", reverse("student-detail", args=[s])),
        "application-detail": ("get", reverse("application-detail", args=[a])),
        "notification-detail": ("get", reverse("notification-detail", args=[c["note"].pk])),
        "registration-detail": ("get", reverse("registration-detail", args=[r])),
        "registration-cancel": ("post", reverse("registration-cancel", args=[r])),
        "registration_action": ("post", reverse("registration_action", args=[r, "cancel"])),
    }
    for name in ("change", "sign", "insurance", "withdraw"):
        routes[f"application_{name}"] = ("post", reverse(f"application_{name}", args=[a]))
    for name in ("sign", "insurance", "withdrawal"):
        routes[f"application-{name}"] = ("post", reverse(f"application-{name}", args=[a]))
    return routes


def test_another_family_of_the_same_class_is_404_to_a_parent(world, classmates):
    routes = _family_routes(classmates)
    for name, (method, url) in routes.items():
        _assert_404(_request(world.users["parent_a1"], method, url), name, "parent_a1")
    # ... while the family itself reaches its own child, application and registration.
    own = classmates["parent"]
    for name in ("student-detail", "application-detail", "registration-detail"):
        assert _request(own, "get", routes[name][1]).status_code == 200, name


# --------------------------------------------------------------------------- teacher vs teacher


def test_another_homeroom_class_is_404_to_a_teacher(world):
    from enrollment.models import Application

    school = world.schools["a1"]
    other_teacher = member(UserFactory(), Role.HOMEROOM_TEACHER, school=school)
    klass = SchoolClass.objects.create(
        district=world.a, school=school, grade=4, number=1, homeroom_teacher=other_teacher
    )
    pupil = StudentFactory(school_class=klass)
    routes = {
        "class_detail": ("get", reverse("class_detail", args=[klass.public_id])),
        "class-detail": ("get", reverse("class-detail", args=[klass.public_id])),
        "student_detail": ("get", reverse("student_detail", args=[pupil.public_id])),
        "student-detail": ("get", reverse("student-detail", args=[pupil.public_id])),
    }
    application = Application.objects.filter(student=pupil).first()
    if application is not None:  # pragma: no cover - the factories make none by default
        routes["application-review"] = (
            "post",
            reverse("application-review", args=[application.public_id]),
        )
    for name, (method, url) in routes.items():
        _assert_404(_request(world.users["teacher_a1"], method, url), name, "teacher_a1")
    for name in ("class-detail", "student-detail"):
        assert _request(other_teacher, "get", routes[name][1]).status_code == 200, name
