"""What reporting adds to the kernel's navigation, the district's home page and the landing
of inspectors (``ReportingConfig.ready``)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.registry import Section
from reporting import rules
from reporting.models import LIVE_STATES, Alert, SchoolAssessment, SchoolDay, SheetStatus
from reporting.services.refresh import last_done


def nav(scope) -> list[dict]:
    if not rules.can_read(scope):
        return []
    return [
        {
            "key": "reporting-dashboard",
            "label": _("Dashboard"),
            "url": reverse("reporting_dashboard"),
            "group": 0,
            "position": -20,
        },
        {
            "key": "reporting-alerts",
            "label": _("Alerts"),
            "url": reverse("reporting_alerts"),
            "group": 0,
            "position": -10,
        },
        {
            "key": "reporting-assessment",
            "label": _("Annual assessment"),
            "url": reverse("assessment_list"),
            "group": 0,
            "position": -5,
        },
    ]


def landing(scope) -> str | None:
    """Inspectors land on the dashboard (officials have the kernel's district home)."""
    if scope.inspector_districts and not scope.official_districts:
        return reverse("reporting_dashboard")
    return None


def district_section(request, *, district) -> Section | None:
    """The district home's headline figures (last 30 days, from the rollups) and its open
    alerts."""
    if not rules.can_read(request.scope, district.pk):
        return None
    today = timezone.localdate()
    since = today - timezone.timedelta(days=30)
    totals = SchoolDay.objects.filter(district=district, date__range=(since, today)).aggregate(
        marks=Sum("marks"),
        present=Sum("present"),
        late=Sum("late"),
        leave=Sum("leave"),
        absent=Sum("absent"),
        late_pickups=Sum("late_pickups"),
        missed=Sum("staff_missed"),
        uncleared=Count("id", filter=Q(sessions__gt=0, cleared=False, date__lt=today)),
    )
    expected = (totals["marks"] or 0) - (totals["leave"] or 0)
    rate = ((totals["present"] or 0) + (totals["late"] or 0)) / expected if expected else None
    alerts = Alert.objects.filter(district=district, state__in=LIVE_STATES)
    return Section(
        "reporting/home/district.html",
        {
            "totals": totals,
            "rate": rate,
            "since": since,
            "alerts": list(alerts.select_related("school").order_by("-last_seen_at")[:5]),
            "open_alerts": alerts.count(),
            "last_run": last_done(district),
        },
    )


def school_section(request, *, school) -> Section | None:
    """A school's managers: its latest published assessment (total, rank), once there is one."""
    if school.pk not in request.scope.manager_schools:
        return None
    latest = (
        SchoolAssessment.objects.filter(school=school, sheet__status=SheetStatus.PUBLISHED)
        .select_related("sheet")
        .order_by("-sheet__year")
        .first()
    )
    if latest is None:
        return None
    return Section(
        "reporting/home/school.html",
        {
            "assessment": latest,
            "of": SchoolAssessment.objects.filter(sheet_id=latest.sheet_id).count(),
            "all_url": reverse("school_assessments", args=[school.public_id]),
        },
    )
