"""Public pages (no login): a district's index of school plans and each published plan.

No personal data: no teacher or leadership names, no students.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import cache_control

from aftercare.models import District, School, Semester
from aftercare.views.errors import domain_errors
from plans.checks import current_policy, evaluate, school_grades
from plans.models import PlanStatus, PlanVersion, SchoolPlan


@cache_control(public=True, max_age=60)
@domain_errors
def public_district(request, district_code):
    district = get_object_or_404(District, code=district_code)
    semesters = list(Semester.objects.filter(district=district).order_by("-start_date")[:2])
    schools = list(School.objects.filter(district=district).order_by("code"))
    plans = {
        (p.school_id, p.semester_id): p
        for p in SchoolPlan.objects.filter(semester__in=semesters).prefetch_related("versions")
    }
    tables = []
    for semester in semesters:
        rows = []
        for school in schools:
            plan = plans.get((school.pk, semester.pk))
            versions = sorted(plan.versions.all(), key=lambda v: -v.number) if plan else []
            published = next((v for v in versions if v.status == PlanStatus.PUBLISHED), None)
            latest = versions[0] if versions else None
            rows.append((school, plan, published, latest))
        tables.append((semester, current_policy(semester), rows))
    return render(request, "public/district.html", {"district": district, "tables": tables})


@cache_control(public=True, max_age=60)
@domain_errors
def public_plan(request, plan_id):
    plan = get_object_or_404(
        SchoolPlan.objects.select_related("school", "school__district", "semester"),
        public_id=plan_id,
    )
    version = get_object_or_404(
        PlanVersion.objects.select_related("policy"), plan=plan, status=PlanStatus.PUBLISHED
    )
    evaluation = evaluate(version, version.policy, school_grades(plan.school))
    return render(
        request,
        "public/plan.html",
        {
            "plan": plan,
            "version": version,
            "policy": version.policy,
            "periods": evaluation.periods,
            "course_figures": evaluation.figures.courses,
            "grade_figures": evaluation.figures.grades,
            "windows": evaluation.windows,
        },
    )
