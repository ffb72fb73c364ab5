"""The school's approval (学校核准) and the public participant list (公示)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from enrollment.models import (
    Application,
    ApplicationStatus,
)
from enrollment.selectors.applications import (
    APPROVAL_ORDER,
    BULK_DEFAULT,
    PARTICIPATING,
    REVIEWABLE,
    latest_agreement,
    priority_tier,
)
from enrollment.services.applications.common import (
    _guardians,
    _Inbox,
    _lock_plan,
    _require_manager,
    agreement_url,
    family_url,
)
from plans.models import SchoolPlan

# --------------------------------------------------------------------------- school approval


@dataclass
class Approval:
    """The outcome of a (bulk) approval."""

    approved: list[Application] = field(default_factory=list)
    remaining: int = 0  # candidates left waiting because of the limit
    skipped: int = 0  # selected applications that could not be approved (state, other plan)


def approve_applications(
    *,
    actor: User,
    plan: SchoolPlan,
    selected: list[Application] | None = None,
    limit: int | None = None,
    expected_last_rank: int | None = None,
    now: datetime | None = None,
) -> Approval:
    """The school approves applications (学校核准), priority groups first.

    Candidates are the ``selected`` applications (any not yet approved: applied,
    class-approved, flagged or rejected), or with no selection every ``applied`` or
    ``class_approved`` one of the plan — flagged and rejected ones are approved only when
    selected. They are taken in the approval order: priority tier (the first of
    ``PRIORITY_ORDER`` the family declared; none last), then lower grade, then earlier
    application; with ``limit`` only the first N, the rest stay waiting. Each approved one
    gets the next ``approval_rank`` of the plan.

    The plan row is locked first and the candidates are re-read under row locks, so two
    concurrent approvals queue up and no application is approved twice; with
    ``expected_last_rank`` (the highest rank the caller saw) a second click of the same batch
    is refused instead of approving the next N. Audited per application
    (``application.approved``); the guardians are told, pointing at the agreement.

    Errors: NotAllowed, InvalidInput (limit, selection), Conflict ``stale``.
    """
    now = now or timezone.now()
    _require_manager(actor, plan.school)
    if limit is not None and limit < 1:
        raise InvalidInput(fields={"limit": [_("Enter a number of at least 1.")]})
    if selected is not None and not selected:
        raise InvalidInput(fields={"applications": [_("Select at least one application.")]})
    with transaction.atomic():
        plan = _lock_plan(plan)
        last = Application.objects.filter(plan=plan).aggregate(m=Max("approval_rank"))["m"] or 0
        if expected_last_rank is not None and expected_last_rank != last:
            raise Conflict(
                _("Other applications were approved meanwhile. Check the list and approve again."),
                code="stale",
            )
        candidates = Application.objects.filter(plan=plan)
        if selected is not None:
            candidates = candidates.filter(pk__in=[a.pk for a in selected], status__in=REVIEWABLE)
        else:
            candidates = candidates.filter(status__in=BULK_DEFAULT)
        ordered = list(
            candidates.select_for_update(of=("self",))
            .select_related(
                "district",
                "school",
                "semester",
                "student",
                "student__school_class__homeroom_teacher",
            )
            .annotate(priority_tier=priority_tier())
            .order_by(*APPROVAL_ORDER)
        )
        chosen = ordered[:limit] if limit is not None else ordered
        for rank, app in enumerate(chosen, start=last + 1):
            app.status = ApplicationStatus.APPROVED
            app.approved_by = actor
            app.approved_at = now
            app.approval_rank = rank
            app.updated_at = now
        Application.objects.bulk_update(
            chosen, ["status", "approved_by", "approved_at", "approval_rank", "updated_at"]
        )
        for app in chosen:
            record_event(
                actor=actor,
                action="application.approved",
                obj=app,
                payload={
                    "rank": app.approval_rank,
                    "tier": app.priority_tier,
                    "bulk": selected is None,
                },
            )
        agreement = latest_agreement(school_id=plan.school_id, semester_id=plan.semester_id)
        guardians = _guardians(a.student_id for a in chosen)
        with _Inbox() as inbox:
            for app in chosen:
                inbox.add(
                    guardians.get(app.student_id, []),
                    district=plan.school.district,
                    title=_("%(student)s is approved for after-school service")
                    % {"student": app.student.name},
                    body=_(
                        "Next: read and sign the service agreement and confirm the accident "
                        "insurance (学平险)."
                    )
                    if agreement is not None
                    else _("The school will publish the service agreement for you to sign."),
                    url=agreement_url(app) if agreement is not None else family_url(app),
                )
            _to_homeroom_teachers(inbox, chosen, plan.school.district)
    return Approval(
        approved=chosen,
        remaining=len(ordered) - len(chosen),
        skipped=(len(selected) - len(ordered)) if selected is not None else 0,
    )


def _to_homeroom_teachers(inbox: _Inbox, approved: list[Application], district) -> None:
    """One message per class: who of the class now takes part (the teacher takes roll)."""
    by_class: dict[int, list[Application]] = {}
    for app in approved:
        by_class.setdefault(app.student.school_class_id, []).append(app)
    for apps in by_class.values():
        school_class = apps[0].student.school_class
        if school_class.homeroom_teacher is None:
            continue
        inbox.add(
            [school_class.homeroom_teacher],
            district=district,
            title=ngettext(
                "%(class)s: the school approved %(n)d application",
                "%(class)s: the school approved %(n)d applications",
                len(apps),
            )
            % {"class": school_class.name, "n": len(apps)},
            body="、".join(a.student.name for a in apps),
            url=reverse("teacher_applications") + f"?status={ApplicationStatus.APPROVED}",
        )


@transaction.atomic
def publish_participant_list(*, actor: User, plan: SchoolPlan, now: datetime | None = None) -> int:
    """Publish the participant list (公示): every approved application of the plan not yet
    listed gets ``listed_at``; the public page shows them by class with masked names.
    Returns how many were added. Audited as ``application.list_published`` (on the plan);
    the families of the newly listed children are told.

    Errors: NotAllowed, Conflict ``nothing_to_list`` (no approved application yet).
    """
    now = now or timezone.now()
    _require_manager(actor, plan.school)
    plan = _lock_plan(plan)
    new = list(
        Application.objects.select_for_update(of=("self",))
        .filter(plan=plan, status__in=PARTICIPATING, listed_at__isnull=True)
        .select_related("student")
    )
    if not new:
        if Application.objects.filter(plan=plan, status__in=PARTICIPATING).exists():
            return 0
        raise Conflict(
            _("No application has been approved yet: there is nobody to list."),
            code="nothing_to_list",
        )
    Application.objects.filter(pk__in=[a.pk for a in new]).update(listed_at=now, updated_at=now)
    total = Application.objects.filter(
        plan=plan, status__in=PARTICIPATING, listed_at__isnull=False
    ).count()
    record_event(
        actor=actor,
        action="application.list_published",
        obj=plan,
        payload={"added": len(new), "listed": total},
    )
    url = reverse("public_participants", args=[plan.public_id])
    guardians = _guardians(a.student_id for a in new)
    with _Inbox() as inbox:
        for app in new:
            inbox.add(
                guardians.get(app.student_id, []),
                district=plan.school.district,
                title=_("The list of participants of %(school)s is published")
                % {"school": plan.school.name},
                body=_("%(student)s is on it (names are shown masked).")
                % {"student": app.student.name},
                url=url,
            )
    return len(new)
