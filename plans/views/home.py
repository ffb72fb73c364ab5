"""What plans add to the kernel's navigation and home pages (see ``PlansConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from aftercare.registry import Section, Todo, todo_section
from aftercare.texts import format_day
from plans import rules
from plans.models import PlanStatus, PlanVersion


def nav(scope) -> list[dict]:
    items = []
    if rules.can_review_plans(scope):
        items += [
            {
                "key": "plans",
                "label": _("School plans"),
                "url": reverse("district_plans"),
                "position": 20,
            },
            {
                "key": "policy",
                "label": _("Policy"),
                "url": reverse("policy_index"),
                "position": 30,
            },
        ]
    several = len(scope.managed_school_objects) > 1
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"plans-{school.pk}",
                "label": _("Plan (一校一案)") if not several else f"{school.name} · {_('Plan')}",
                "url": reverse("school_plans", args=[school.public_id]),
                "group": index,
                "position": 10,
            }
        )
    return items


def _when(value) -> str:
    return format_day(value, "time") if value else ""


def plan_todo(version: PlanVersion) -> Todo:
    """Where a semester's plan stands, as the principal's next step."""
    plan, semester = version.plan, version.plan.semester.name
    url = reverse("plan_detail", args=[plan.public_id])
    status = version.status
    if status == PlanStatus.RETURNED:
        return Todo(
            label=gettext("%(semester)s: plan returned by the district") % {"semester": semester},
            detail=version.review_comment,
            url=url,
            action=pgettext("todo action", "Revise"),
            state="warn",
        )
    if status == PlanStatus.DRAFT:
        return Todo(
            label=gettext("%(semester)s: plan draft, not yet submitted") % {"semester": semester},
            detail=gettext("Complete it and submit it to the district for review."),
            url=url,
            action=pgettext("todo action", "Continue"),
        )
    if status == PlanStatus.SUBMITTED:
        return Todo(
            label=gettext("%(semester)s: plan waiting for the district's review")
            % {"semester": semester},
            detail=gettext("submitted %(when)s") % {"when": _when(version.submitted_at)},
            url=url,
            action=pgettext("todo action", "See"),
            state="wait",
        )
    if status == PlanStatus.APPROVED:
        return Todo(
            label=gettext("%(semester)s: plan approved, publish it") % {"semester": semester},
            url=url,
            action=pgettext("todo action", "Publish"),
        )
    return Todo(
        label=gettext("%(semester)s: plan published") % {"semester": semester},
        detail=gettext("published %(when)s") % {"when": _when(version.published_at)},
        url=url,
        action=pgettext("todo action", "See"),
        state="ok",
    )


def school_plan_link(request, *, school) -> Section:
    """The plan of each current semester with its next step (a returned plan shows the
    district's comment), then the link to every plan."""
    latest = {}
    for version in (
        PlanVersion.objects.filter(
            school=school,
            plan__semester__end_date__gte=timezone.localdate(),
        )
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("plan__semester")
        .order_by("plan__semester__start_date", "number")
    ):
        latest[version.plan_id] = version  # the newest live version of each plan
    todos = [plan_todo(v) for v in latest.values()]
    if not todos:
        todos = [
            Todo(
                label=gettext("No plan for the current semester yet"),
                url=reverse("school_plans", args=[school.public_id]),
                action=pgettext("todo action", "Create"),
            )
        ]
    section = todo_section(
        gettext("After-school service plan (一校一案)"), todos, testid="plan-todos"
    )
    section.context["more"] = reverse("school_plans", args=[school.public_id])
    section.context["more_label"] = gettext("Every plan of the school")
    return section


def district_reviews(request, *, district) -> Section | None:
    """Plans submitted and waiting for the official's review."""
    if not rules.can_review_plans(request.scope):
        return None
    waiting = PlanVersion.objects.filter(district=district, status=PlanStatus.SUBMITTED).count()
    if not waiting:
        return None
    return todo_section(
        gettext("To review"),
        [
            Todo(
                label=gettext("school plans waiting for your review"),
                count=waiting,
                url=reverse("district_plans"),
                action=pgettext("todo action", "Review"),
            )
        ],
        testid="district-plan-todos",
    )
