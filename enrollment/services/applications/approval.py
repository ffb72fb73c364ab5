"""The school's approval (学校核准) and the public participant list (公示)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import SchoolClass, User
from aftercare.rules import require_school_manager
from enrollment.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Guardianship,
    PriorityGroup,
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
    _groups,
    _guardians,
    _Inbox,
    _lock,
    _lock_plan,
)
from enrollment.services.history import transition_many
from plans.models import SchoolPlan

# --------------------------------------------------------------------------- school approval

BATCH = 2000  # applications per statement of a bulk approval


@dataclass(frozen=True)
class StudentLabel:
    pk: int
    name: str
    school_class_id: int


@dataclass(frozen=True)
class Approved:
    """One application a bulk approval approved (what the pages, the API and the inbox
    need; no model instance per row)."""

    pk: int
    public_id: uuid.UUID
    approval_rank: int
    priority_tier: int
    student: StudentLabel

    @property
    def student_id(self) -> int:
        return self.student.pk


@dataclass
class Approval:
    """The outcome of a (bulk) approval."""

    approved: list[Approved] = field(default_factory=list)
    remaining: int = 0  # candidates left waiting because of the limit
    skipped: int = 0  # selected applications that could not be approved (state, other plan)


APPROVE = """
UPDATE enrollment_application a
   SET status = 'approved', approved_by_id = %(actor)s, approved_at = %(now)s,
       approval_rank = v.rank, updated_at = %(now)s
  FROM unnest(%(ids)s::bigint[], %(ranks)s::integer[]) AS v(id, rank)
 WHERE a.id = v.id
"""

# One audit event per approved application, as ``record_event`` writes it, in one statement.
AUDIT_APPROVED = """
INSERT INTO aftercare_auditevent
    (district_id, school_id, actor_id, actor_repr, action, object_type, object_id,
     object_repr, payload, ip_address, created_at)
SELECT a.district_id, a.school_id, %(actor)s, %(actor_repr)s, 'application.approved',
       'enrollment.application', a.public_id::text,
       left(s.name || ' · ' || sem.name, 200), v.payload, NULL, %(now)s
  FROM unnest(%(ids)s::bigint[], %(payloads)s::jsonb[]) AS v(id, payload)
  JOIN enrollment_application a ON a.id = v.id
  JOIN enrollment_student s ON s.id = a.student_id
  JOIN aftercare_semester sem ON sem.id = a.semester_id
"""


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
    ``PRIORITY_ORDER`` the school verified; a group only declared counts as none), then lower
    grade, then earlier application; with ``limit`` only the first N, the rest stay waiting.
    Each approved one gets the next ``approval_rank`` of the plan.

    The plan row is locked first and the candidates are re-read under row locks, so two
    concurrent approvals queue up and no application is approved twice; with
    ``expected_last_rank`` (the highest rank the caller saw) a second click of the same batch
    is refused instead of approving the next N. Set-based: per batch of ``BATCH``, one
    ``UPDATE … FROM unnest(ids, ranks)``, one INSERT of the history rows and one of the audit
    events (``application.approved`` per application) — never ``bulk_update``, whose CASE
    over every row PostgreSQL's JIT takes seconds to compile. The guardians are told after
    the commit, pointing at the agreement; each class's homeroom teacher gets one message.

    Errors: NotAllowed, InvalidInput (limit, selection), Conflict ``stale``.
    """
    now = now or timezone.now()
    require_school_manager(actor, plan.school)
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
            .annotate(priority_tier=priority_tier())
            .order_by(*APPROVAL_ORDER)
            .values_list(
                "pk",
                "public_id",
                "status",
                "priority_tier",
                "student_id",
                "student__name",
                "student__school_class_id",
            )
        )
        chosen = ordered[:limit] if limit is not None else ordered
        approved = [
            Approved(
                pk=pk,
                public_id=public_id,
                approval_rank=rank,
                priority_tier=tier,
                student=StudentLabel(pk=student_id, name=name, school_class_id=class_id),
            )
            for rank, (pk, public_id, _status, tier, student_id, name, class_id) in enumerate(
                chosen, start=last + 1
            )
        ]
        before = {row[0]: row[2] for row in chosen}
        bulk = selected is None
        for start in range(0, len(approved), BATCH):
            _approve_batch(approved[start : start + BATCH], before, actor=actor, now=now, bulk=bulk)
        _tell_approved(plan, approved)
    return Approval(
        approved=approved,
        remaining=len(ordered) - len(chosen),
        skipped=(len(selected) - len(ordered)) if selected is not None else 0,
    )


def _approve_batch(batch: list[Approved], before: dict[int, str], *, actor, now, bulk) -> None:
    ids = [a.pk for a in batch]
    payloads = [
        json.dumps({"rank": a.approval_rank, "tier": a.priority_tier, "bulk": bulk}) for a in batch
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            APPROVE,
            {"actor": actor.pk, "now": now, "ids": ids, "ranks": [a.approval_rank for a in batch]},
        )
        cursor.execute(
            AUDIT_APPROVED,
            {
                "actor": actor.pk,
                "actor_repr": str(actor)[:100],
                "now": now,
                "ids": ids,
                "payloads": payloads,
            },
        )
    transition_many(
        rows=[(a.pk, before[a.pk], p) for a, p in zip(batch, payloads, strict=True)],
        event=ApplicationEvent.APPROVED,
        actor=actor,
        at=now,
    )


class _Ref(NamedTuple):
    """A recipient by id (``notify_many`` needs only the primary key)."""

    pk: int


def _tell_approved(plan: SchoolPlan, approved: list[Approved]) -> None:
    """The guardians of each approved child (pointing at the agreement when there is one)
    and one message per class to its homeroom teacher; recorded now, sent after the commit.
    Built without a model instance per row: a bulk approval tells thousands of families."""
    if not approved:
        return
    district = plan.school.district
    agreement = latest_agreement(school_id=plan.school_id, semester_id=plan.semester_id)
    guardians: dict[int, list[_Ref]] = {}
    for student_id, user_id in Guardianship.objects.filter(
        student_id__in=[a.student_id for a in approved]
    ).values_list("student_id", "user_id"):
        guardians.setdefault(student_id, []).append(_Ref(user_id))
    zero = str(uuid.UUID(int=0))
    agreement_base = reverse("application_agreement", args=[zero])
    family_base = reverse("family_applications")
    with _Inbox() as inbox:  # the site's language, recorded when the block ends
        body = str(
            _(
                "Next: read and sign the service agreement and confirm the accident "
                "insurance (学平险)."
            )
            if agreement is not None
            else _("The school will publish the service agreement for you to sign.")
        )
        title = str(_("%(student)s is approved for after-school service"))
        for app in approved:
            url = (
                agreement_base.replace(zero, str(app.public_id))
                if agreement is not None
                else f"{family_base}#app-{app.public_id}"
            )
            text = title % {"student": app.student.name}
            inbox.items.extend(
                {"recipient": user, "district": district, "title": text, "body": body, "url": url}
                for user in guardians.get(app.student_id, ())
            )
        _to_homeroom_teachers(inbox, approved, district)


def _to_homeroom_teachers(inbox: _Inbox, approved: list[Approved], district) -> None:
    """One message per class: who of the class now takes part (the teacher takes roll)."""
    by_class: dict[int, list[Approved]] = {}
    for app in approved:
        by_class.setdefault(app.student.school_class_id, []).append(app)
    classes = SchoolClass.objects.filter(
        pk__in=by_class, homeroom_teacher__isnull=False
    ).select_related("homeroom_teacher")
    for school_class in classes:
        apps = by_class[school_class.pk]
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
def verify_priority_groups(
    *, actor: User, application: Application, groups, now: datetime | None = None
) -> Application:
    """The school records which of the priority groups a family declared it has verified
    (e.g. against a certificate). Only verified groups count for the approval order and the
    lottery tier; an empty list withdraws a verification. Groups not declared cannot be
    verified. Audited as ``application.priority_verified`` with the groups before and after.

    Errors: NotAllowed (not the school's principal or administrator), InvalidInput (groups),
    Conflict ``withdrawn``.
    """
    now = now or timezone.now()
    app = _lock(application)
    require_school_manager(actor, app.school)
    groups = _groups(groups)
    undeclared = [g for g in groups if g not in app.priority_groups]
    if undeclared:
        labels = dict(PriorityGroup.choices)
        raise InvalidInput(
            fields={
                "groups": [
                    _(
                        "The family did not declare %(groups)s; only declared groups can be "
                        "verified."
                    )
                    % {"groups": "、".join(str(labels[g]) for g in undeclared)}
                ]
            }
        )
    if app.status == ApplicationStatus.WITHDRAWN:
        raise Conflict(_("This application was withdrawn."), code="withdrawn")
    if groups == app.priority_verified:
        return app
    previous = app.priority_verified
    app.priority_verified = groups
    app.priority_verified_by = actor
    app.priority_verified_at = now
    app.save(
        update_fields=[
            "priority_verified",
            "priority_verified_by",
            "priority_verified_at",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        action="application.priority_verified",
        obj=app,
        payload={"from": previous, "to": groups, "declared": app.priority_groups},
    )
    return app


@transaction.atomic
def publish_participant_list(*, actor: User, plan: SchoolPlan, now: datetime | None = None) -> int:
    """Publish the participant list (公示): every approved application of the plan not yet
    listed gets ``listed_at``; the public page shows them by class with masked names.
    Returns how many were added. Audited as ``application.list_published`` (on the plan);
    the families of the newly listed children are told.

    Errors: NotAllowed, Conflict ``nothing_to_list`` (no approved application yet).
    """
    now = now or timezone.now()
    require_school_manager(actor, plan.school)
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
    transition_many(
        rows=[(a.pk, a.status, "{}") for a in new],
        event=ApplicationEvent.LISTED,
        actor=actor,
        at=now,
    )
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
