"""Every reporting route with an object id, pointed at district b's objects, for the
cross-tenant matrix of tests/test_tenancy.py (another district's school, class, group, child
and alert are 404 for every role of district a)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from plans.models import SchoolPlan
from reporting.models import Alert
from scheduling.models import CareGroup, Grouping, GroupKind


def foreign_reporting_routes(world) -> dict:
    school, klass, student = world.schools["b1"], world.classes["b1"], world.students["b1"]
    semester = world.semesters["b"]
    # Other rows of the matrix may have made b1's plan and grouping already.
    plan, _ = SchoolPlan.objects.get_or_create(district=world.b, school=school, semester=semester)
    now = timezone.now()
    grouping, _ = Grouping.objects.get_or_create(
        district=world.b,
        plan=plan,
        defaults={"school": school, "proposed_at": now, "proposed_by": world.users["principal_b1"]},
    )
    group = CareGroup.objects.create(
        district=world.b,
        school=school,
        plan=plan,
        grouping=grouping,
        kind=GroupKind.BASIC,
        name="外区托管组",
        grades=[3],
    )
    alert = Alert.objects.create(
        district=world.b,
        school=school,
        semester=semester,
        rule="fees_before_publication",
        key=f"fees_before_publication:school:{school.public_id}:s{semester.pk}",
        subject_type="school",
        subject_id=str(school.public_id),
        subject_label=school.name,
        message="外区",
        params={"school": school.pk},
        first_seen_at=now,
        last_seen_at=now,
        state_changed_at=now,
    )
    a = alert.public_id
    return {
        "reporting_school": ("get", reverse("reporting_school", args=[school.public_id])),
        "reporting_class": ("get", reverse("reporting_class", args=[klass.public_id])),
        "reporting_group": ("get", reverse("reporting_group", args=[group.public_id])),
        "reporting_child": ("get", reverse("reporting_child", args=[student.public_id])),
        "reporting_alert": ("get", reverse("reporting_alert", args=[a])),
        "reporting_alert_acknowledge": ("post", reverse("reporting_alert_acknowledge", args=[a])),
        "reporting_alert_resolve": ("post", reverse("reporting_alert_resolve", args=[a])),
    }
