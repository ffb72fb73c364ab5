"""What enrollment adds to the kernel's navigation and role home pages (registered in
``EnrollmentConfig.ready`` through ``aftercare.registry``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aftercare.context_processors import school_nav_label
from aftercare.models import TEACHER_ROLES, Role
from aftercare.registry import Section, todo_section
from enrollment.selectors import families as selectors
from enrollment.selectors import todos


def nav(scope) -> list[dict]:
    items = []
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"applications-{school.pk}",
                "label": school_nav_label(scope, school, _("Applications")),
                "url": reverse("school_applications", args=[school.public_id]),
                "group": index,
                "position": 20,
            }
        )
    if Role.HOMEROOM_TEACHER in scope.roles:
        items.append(
            {
                "key": "teacher-applications",
                "label": _("Applications"),
                "url": reverse("teacher_applications"),
                "group": 100,
                "position": 10,
            }
        )
    if Role.PARENT in scope.roles:
        items += [
            {
                "key": "family-applications",
                "label": _("My applications"),
                "url": reverse("family_applications"),
                "group": 200,
                "position": 10,
            },
            {
                "key": "courses",
                "label": _("Extended courses"),
                "url": reverse("family_courses"),
                "group": 200,
                "position": 20,
            },
        ]
    return items


def landing(scope) -> str | None:
    """A parent who signed up (no user name) and has not bound a child yet binds one first."""
    if not scope.roles and scope.user.username is None:
        return reverse("bind_child")
    return None


def district_schools(request, *, district) -> Section:
    schools = list(selectors.schools_for_district(scope=request.scope, district=district))
    totals = {
        "schools": len(schools),
        "classes": sum(s.n_classes for s in schools),
        "students": sum(s.n_students for s in schools),
        "guardians": sum(s.n_guardians for s in schools),
    }
    return Section("enrollment/home/district_schools.html", {"schools": schools, "totals": totals})


def school_todos(request, *, school) -> Section | None:
    """The principal's application work, first on the school's home page."""
    return todo_section(
        gettext("Applications to handle"),
        todos.school_todos(school=school, scope=request.scope),
        testid="school-application-todos",
    )


def teacher_reviews(request) -> Section | None:
    """The homeroom teacher's pending reviews, first on their home page."""
    if Role.HOMEROOM_TEACHER not in request.scope.roles:
        return None
    return todo_section(
        gettext("To review"),
        todos.teacher_todos(user=request.user, scope=request.scope),
        testid="teacher-review-todos",
    )


def school_classes(request, *, school) -> Section:
    classes = list(selectors.classes_for_school(scope=request.scope, school=school))
    return Section(
        "enrollment/home/school_classes.html",
        {"classes": classes, "student_total": sum(c.n_students for c in classes)},
    )


def teacher_classes(request) -> Section | None:
    """A homeroom teacher's classes. A care teacher who is nobody's homeroom teacher sees
    today's groups and timetable instead (scheduling, attendance), not an empty message."""
    if not request.scope.roles & TEACHER_ROLES:
        return None
    classes = list(selectors.homeroom_classes_of(scope=request.scope))
    if not classes and Role.HOMEROOM_TEACHER not in request.scope.roles:
        return None
    return Section("enrollment/home/teacher_classes.html", {"classes": classes})


def family_children(request) -> Section:
    """Each child with its next step (apply, sign, confirm the insurance, accept a seat...)."""
    rows = todos.family_todos(user=request.user, scope=request.scope, now=timezone.now())
    return Section(
        "enrollment/home/family_children.html",
        {"rows": rows, "children": [row.student for row, _todos in rows]},
    )
