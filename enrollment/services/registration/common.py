"""Shared pieces of the registration services: the error, the role check, and the lock
helpers every service uses to take its locks in the project's order (see the package's
docstring): plan (row, then its registration gate) -> applications -> seat counters ->
registrations; within one level, rows in ascending id."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.urls import reverse

from aftercare.errors import DomainError
from aftercare.models import User
from aftercare.notifications import notify_many
from enrollment.models import Application, CourseCapacity, CourseRegistration, Guardianship
from plans.models import SchoolPlan

OFFER_HOURS = getattr(settings, "WAITLIST_OFFER_HOURS", 24)

# Advisory lock class of a plan's registration gate (the claim takes it shared, migration
# enrollment 0009; closing round one, a draw and an amendment's carry-over exclusively).
GATE_CLASS = 7301


class RegistrationError(DomainError):
    status = 409


# --------------------------------------------------------------------------- locks, in order


def lock_plan(plan_id: int) -> None:
    """The plan's row, then its registration gate exclusively: claims in flight finish
    first, new ones wait and then see what this transaction committed."""
    SchoolPlan.objects.select_for_update().filter(pk=plan_id).values_list("pk").first()
    lock_plan_gate(plan_id)


def lock_plan_gate(plan_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, (%s %% 2147483647)::integer)",
            [GATE_CLASS, plan_id],
        )


def lock_applications(ids: Iterable[int]) -> list[int]:
    """Row-lock these applications, in id order. Returns the ids locked."""
    ids = sorted(set(ids))
    if not ids:
        return []
    return list(
        Application.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def lock_counters(course_ids: Iterable[int]) -> dict[int, CourseCapacity]:
    """Row-lock the seat counters of these courses, in course id order."""
    ids = sorted(set(course_ids))
    if not ids:
        return {}
    return {
        c.course_id: c
        for c in CourseCapacity.objects.select_for_update()
        .filter(course_id__in=ids)
        .order_by("course_id")
    }


def lock_registrations(queryset) -> list[CourseRegistration]:
    """Row-lock the registrations of ``queryset`` (in id order), with course and student."""
    return list(
        queryset.select_for_update(of=("self",))
        .select_related("course", "course__school__district", "student")
        .order_by("pk")
    )


# --------------------------------------------------------------------------- families


def family_url() -> str:
    return reverse("family_courses")


def notify_families(regs: Iterable[CourseRegistration], title, body="") -> int:
    """One inbox message per guardian of each registration's child, after the commit.
    ``title`` and ``body`` are texts or functions of the registration."""
    regs = list(regs)
    if not regs:
        return 0
    guardians: dict[int, list[User]] = {}
    for link in Guardianship.objects.filter(
        student_id__in={r.student_id for r in regs}
    ).select_related("user"):
        guardians.setdefault(link.student_id, []).append(link.user)
    url = family_url()
    messages = []
    for reg in regs:
        for user in guardians.get(reg.student_id, []):
            messages.append(
                {
                    "recipient": user,
                    "district": reg.course.school.district,
                    "title": str(title(reg) if callable(title) else title),
                    "body": str(body(reg) if callable(body) else body),
                    "url": url,
                }
            )
    return notify_many(messages)
