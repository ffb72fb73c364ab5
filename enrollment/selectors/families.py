"""Reads of students and guardians, scoped to who asks."""

import math

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from aftercare import rules as core_rules
from aftercare.models import District, School, SchoolClass
from aftercare.selectors import count_of
from aftercare.sms import mask_mobile
from aftercare.tenancy import Scope
from enrollment.models import (
    SMS_RESEND_COOLDOWN,
    BindingRequest,
    BindingStatus,
    Guardianship,
    SmsCode,
    Student,
)


def students_for(*, scope: Scope) -> QuerySet[Student]:
    return (
        Student.objects.visible_to(scope)
        .select_related("school", "school_class", "school_class__homeroom_teacher")
        .order_by("school_id", "school_class__grade", "school_class__number", "pk")
    )


def student_number_match(number: str, *, path: str = "") -> Q:
    """THE way to search by 学籍号: the whole number, matched exactly (it is stored encrypted;
    the lookup compares its keyed hash, aftercare.fields). ``path`` leads from the queried
    model to the student, e.g. ``"student__"``. No number: matches nothing."""
    number = (number or "").strip()
    if not number:
        return Q(pk__in=[])
    return Q(**{f"{path}student_number": number})


def students_by_number(*, scope: Scope, number: str) -> QuerySet[Student]:
    """The students visible to ``scope`` whose 学籍号 is exactly ``number``."""
    return students_for(scope=scope).filter(student_number_match(number))


def children_of(*, user, scope: Scope) -> QuerySet[Student]:
    """A parent's own children (through their guardianships), with all their guardians."""
    return (
        students_for(scope=scope)
        .filter(guardianships__user=user)
        .prefetch_related(
            Prefetch("guardianships", queryset=Guardianship.objects.select_related("user"))
        )
    )


def guardians_shown(*, scope: Scope, student: Student) -> tuple[list[Guardianship], bool]:
    """The child's guardianships (prefetched ``guardianships__user`` is used), each with
    ``shown_mobile``: in full for staff whose role needs it (``sees_guardian_mobiles``) and
    for the guardian's own row, masked (138****0002) for everyone else. Also returns whether
    any other person's full number was shown (the caller audits that read)."""
    full = core_rules.sees_guardian_mobiles(scope, student.school_id)
    rows, revealed = list(student.guardianships.all()), False
    for g in rows:
        mobile = g.user.mobile or ""
        own = g.user_id == scope.user.pk
        g.shown_mobile = mobile if (full or own) else mask_mobile(mobile)
        revealed = revealed or (full and not own and bool(mobile))
    return rows, revealed


def roster_summary(*, school) -> dict[str, int]:
    """Counts shown on a school's roster page (two queries, whatever the school's size)."""
    on_roll = Q(is_active=True)
    counts = (
        Student.objects.filter(school=school)
        .annotate(has_guardian=Exists(Guardianship.objects.filter(student=OuterRef("pk"))))
        .aggregate(
            students=Count("pk", filter=on_roll),
            with_mobile=Count("pk", filter=on_roll & Q(guardian_mobile__isnull=False)),
            with_guardian=Count("pk", filter=on_roll & Q(has_guardian=True)),
        )
    )
    counts["classes"] = SchoolClass.objects.filter(school=school).count()
    return counts


def pending_bindings(*, scope: Scope, school) -> list[BindingRequest]:
    """The school's bindings waiting for its confirmation, oldest first (the roster page's
    queue), with what the school compares: the requester's mobile and the roster's."""
    return list(
        BindingRequest.objects.visible_to(scope)
        .filter(school=school, status=BindingStatus.PENDING)
        .select_related("student__school_class", "user")
        .order_by("created_at", "pk")
    )


def sms_resend_wait(*, mobile: str) -> int:
    """Seconds until another SMS code may be sent to ``mobile`` (0: now)."""
    latest = SmsCode.objects.filter(mobile=mobile).order_by("-created_at").first()
    if latest is None:
        return 0
    left = (latest.created_at + SMS_RESEND_COOLDOWN - timezone.now()).total_seconds()
    return max(0, math.ceil(left))


def schools_for_district(*, scope: Scope, district: District) -> QuerySet[School]:
    return (
        School.objects.visible_to(scope)
        .filter(district=district)
        .annotate(
            n_classes=count_of(SchoolClass.objects.filter(school=OuterRef("pk"))),
            n_students=count_of(Student.objects.filter(school=OuterRef("pk"), is_active=True)),
            n_guardians=count_of(Guardianship.objects.filter(school=OuterRef("pk"))),
        )
        .order_by("code")
    )


def classes_for_school(*, scope: Scope, school: School) -> QuerySet[SchoolClass]:
    return (
        SchoolClass.objects.visible_to(scope)
        .filter(school=school)
        .select_related("homeroom_teacher")
        .annotate(
            n_students=count_of(Student.objects.filter(school_class=OuterRef("pk"), is_active=True))
        )
        .order_by("grade", "number")
    )


def homeroom_classes_of(*, scope: Scope) -> QuerySet[SchoolClass]:
    """The classes a teacher is the homeroom teacher of, with their number of students."""
    return (
        SchoolClass.objects.visible_to(scope)
        .filter(homeroom_teacher=scope.user)
        .select_related("school")
        .annotate(
            n_students=count_of(Student.objects.filter(school_class=OuterRef("pk"), is_active=True))
        )
        .order_by("school_id", "grade", "number")
    )
