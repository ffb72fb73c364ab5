"""Demo step (order 60, after billing): the dashboard's rollups and alerts for the demo
district, so ``make run`` opens on real figures.

One breach is put into the data on purpose, the way it happens in real schools: the
volunteer whose vetting is unfinished (scheduling's demo) also teaches a group on Fridays —
the scheduling service would refuse this assignment, so it is written directly, as a school
with a spreadsheet would — and the alerts find it. The school year's annual assessment is then
drafted and computed, for the inspector to complete. Idempotent.
"""

from __future__ import annotations

from django.utils import timezone

from aftercare.models import User
from reporting.models import ScoreSheet
from reporting.rollups import refresh_rollups
from reporting.services.alerts import recompute_alerts
from reporting.services.assessment import create_score_sheet
from scheduling.models import (
    Assignment,
    CareGroup,
    DutyRole,
    Grouping,
    GroupingStatus,
    GroupKind,
    StaffKind,
    StaffMember,
)


def _unvetted_volunteer(demo) -> None:
    school = demo.schools[0].school
    volunteer = StaffMember.objects.filter(school=school, kind=StaffKind.VOLUNTEER).first()
    grouping = Grouping.objects.filter(
        school=school, plan__semester=demo.semester, status=GroupingStatus.CONFIRMED
    ).first()
    if volunteer is None or grouping is None:
        return
    group = (
        CareGroup.objects.filter(grouping=grouping, kind=GroupKind.BASIC)
        .order_by("-position")
        .first()
    )
    principal = User.objects.filter(username="sy-principal").first()
    if group is None or principal is None:
        return
    Assignment.objects.get_or_create(
        district=school.district,
        school=school,
        plan=grouping.plan,
        weekday=4,
        role=DutyRole.TEACHER,
        staff=volunteer,
        group=group,
        defaults={"created_by": principal},
    )


def reporting_step(demo) -> None:
    _unvetted_volunteer(demo)
    semester = demo.semester
    today = timezone.localdate()
    end = min(max(today, semester.start_date), semester.end_date)
    refresh_rollups(district=demo.district, start=semester.start_date, end=end)
    result = recompute_alerts(district=demo.district, semester=semester)
    demo.summary.append(
        f"dashboard: rollups {semester.start_date}–{end}, "
        f"{len(result.opened) + len(result.reopened)} compliance alerts opened"
    )
    # The year's assessment, drafted and computed: the inspector completes it.
    year = (
        semester.start_date.year if semester.start_date.month >= 8 else semester.start_date.year - 1
    )
    if not ScoreSheet.objects.filter(district=demo.district, year=year).exists():
        sheet = create_score_sheet(
            actor=demo.official,
            district=demo.district,
            year=year,
            title=f"{year}—{year + 1}学年课后服务绩效评估",
        )
        demo.summary.append(f"assessment: {sheet.title} drafted for the inspector to complete")
