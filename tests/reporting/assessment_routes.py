"""Every route of the annual assessment with an object id, pointed at district b's sheet and
school b1's assessment, for the cross-tenant and intra-district matrices
(tests/test_tenancy.py, tests/test_tenancy_intra.py). The rows are written directly: the
matrix checks the routes' scoping (tests/reporting/test_assessment.py the service)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from reporting.models import DEFAULT_WEIGHTS, SchoolAssessment, ScoreSheet


def foreign_assessment_routes(world) -> dict:
    school = world.schools["b1"]
    now = timezone.now()
    # Published, so a school's own managers would see it: the matrix checks other schools' don't.
    sheet, _ = ScoreSheet.objects.get_or_create(
        district=school.district,
        year=2026,
        defaults={
            "title": "外区绩效评估",
            "weights": {str(k): v for k, v in DEFAULT_WEIGHTS.items()},
            "status": "published",
            "created_by": world.users["official_b"],
            "created_at": now,
            "published_at": now,
        },
    )
    assessment, _ = SchoolAssessment.objects.get_or_create(
        district=school.district, school=school, sheet=sheet, defaults={"rank": 1}
    )
    s, a = sheet.public_id, assessment.public_id
    return {
        "assessment_sheet": ("get", reverse("assessment_sheet", args=[s])),
        "assessment_sheet_action": (
            "post",
            reverse("assessment_sheet_action", args=[s, "compute"]),
        ),
        "assessment_school": ("get", reverse("assessment_school", args=[a])),
        "school_assessments": ("get", reverse("school_assessments", args=[school.public_id])),
        "api-assessment": ("get", reverse("api-assessment", args=[s])),
        "api-assessment-compute": ("post", reverse("api-assessment-compute", args=[s])),
        "api-assessment-publish": ("post", reverse("api-assessment-publish", args=[s])),
        "api-assessment-school": ("get", reverse("api-assessment-school", args=[a])),
        "api-assessment-score": ("post", reverse("api-assessment-score", args=[a])),
    }
