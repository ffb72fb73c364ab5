"""The school plan workflow: draft → submitted → approved | returned → published; amendments.

Every function locks, checks the actor's role (wrong role: ``NotAllowed``, 403) and the
version's state (wrong state: ``Conflict``, 409, with a code saying which), writes, audits,
and notifies the other side. Content edits are allowed only on a draft or returned version;
approved and published versions are immutable (and the database refuses changes to them too,
migration 0004 of ``aftercare``).

Locks, in the project's order: semester -> plan -> application -> course seats ->
registration -> invoice -> payment. A service takes them late, in that order, inside its
one transaction, and never goes back for an earlier one.
- semester: ``submit_plan`` and ``approve_plan`` compare the version with the semester's
  current policy, so they first take a ``FOR SHARE`` lock on the ``Semester`` row, the row
  that ``plans.services.policy`` locks ``FOR UPDATE`` before it writes a policy version. A
  policy version therefore cannot appear between the check and the status change, and a
  policy change waiting behind an approval sees the semester frozen once it gets the row.
  Submissions and approvals of different schools share the lock and do not wait for each
  other.
- plan: every service then locks exactly one ``SchoolPlan`` row (``FOR UPDATE OF`` the plan
  table only: the school and semester joined for reading are not locked): one writer per
  plan; versions and their periods, courses and windows change only under it (an edited
  part is re-read ``FOR UPDATE`` after the plan lock).
- course seats, registrations: ``publish_plan`` runs ``PUBLISH_HOOKS`` (enrollment creates
  seat counters and moves seats and registrations to amended courses) under the plan lock,
  later in the order.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import MANAGER_ROLES, Membership, Role, School, Semester, User
from aftercare.notifications import notify
from aftercare.tenancy import Scope
from aftercare.texts import Text
from plans import rules
from plans.checks import current_policy, evaluate
from plans.models import (
    EDITABLE_STATUSES,
    Course,
    PlanStatus,
    PlanVersion,
    RegistrationWindow,
    SchoolPlan,
    ServicePeriod,
)

PART_MODELS = {"period": ServicePeriod, "course": Course, "window": RegistrationWindow}
PART_FIELDS = {
    "period": ("grades", "weekdays", "start_time", "end_time", "valid_from", "valid_until"),
    "course": (
        "name",
        "category",
        "description",
        "teacher_name",
        "room",
        "grades",
        "weekdays",
        "start_time",
        "end_time",
        "capacity",
        "min_size",
        "fee_per_lesson",
        "materials",
    ),
    "window": ("kind", "round", "mode", "opens_at", "closes_at"),
}
GENERAL_FIELDS = PlanVersion.CONTENT_FIELDS


class PlanViolations(InvalidInput):
    """Submission refused: the plan breaks the policy or is incomplete."""

    code = "plan_violations"

    def __init__(self, violations):
        self.violations = violations
        super().__init__(
            _("The plan cannot be submitted: %(n)d problem(s) to fix.") % {"n": len(violations)},
            fields={"plan": [v.message for v in violations]},
        )

    def api_fields(self) -> dict[str, list[dict]]:
        # The API lists every violation machine-readable (code, section, kind, item_id,
        # field, message, value, limit), not only its message.
        return {"plan": [v.as_dict() for v in self.violations]}


# --------------------------------------------------------------------------- helpers


def _share_semester(semester_id: int) -> None:
    """``FOR SHARE`` on the semester row: no policy version is written until we commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Semester._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
            [semester_id],
        )


def _lock(plan: SchoolPlan, *, policy: bool = False) -> SchoolPlan:
    """Lock the plan row (only it); with ``policy``, the semester row first (shared)."""
    if policy:
        _share_semester(plan.semester_id)
    return (
        SchoolPlan.objects.select_for_update(of=("self",))
        .select_related("school", "semester")
        .get(pk=plan.pk)
    )


def _fresh(version: PlanVersion) -> PlanVersion:
    return PlanVersion.objects.select_related("plan__school", "plan__semester").get(pk=version.pk)


def _require_editable(version: PlanVersion) -> None:
    if version.status not in EDITABLE_STATUSES:
        raise Conflict(
            _("Version %(n)d is %(status)s and can no longer be changed; start an amendment.")
            % {"n": version.number, "status": version.get_status_display()},
            code="version_locked",
        )


def plan_url(plan: SchoolPlan) -> str:
    return reverse("plan_detail", args=[plan.public_id])


def _notify_officials(plan: SchoolPlan, title: Text | str, body: str = "") -> None:
    officials = User.objects.filter(
        memberships__district_id=plan.district_id, memberships__role=Role.DISTRICT_OFFICIAL
    ).distinct()
    for user in officials:
        notify(
            recipient=user,
            district=plan.school.district,
            title=title,
            body=body,
            url=plan_url(plan),
        )


def _notify_school(plan: SchoolPlan, title: Text | str, body: str = "") -> None:
    managers = User.objects.filter(
        pk__in=Membership.objects.filter(
            school_id=plan.school_id, role__in=sorted(MANAGER_ROLES)
        ).values("user_id")
    )
    for user in managers:
        notify(
            recipient=user,
            district=plan.school.district,
            title=title,
            body=body,
            url=plan_url(plan),
        )


WORKING_ORDER = (
    PlanStatus.DRAFT,
    PlanStatus.RETURNED,
    PlanStatus.SUBMITTED,
    PlanStatus.APPROVED,
    PlanStatus.PUBLISHED,
)


def pick_working(versions) -> PlanVersion | None:
    """The version being edited or reviewed, else the published one, else the latest."""
    ordered = sorted(versions, key=lambda v: -v.number)
    for status in WORKING_ORDER:
        for version in ordered:
            if version.status == status:
                return version
    return ordered[0] if ordered else None


def pick_published(versions) -> PlanVersion | None:
    return next((v for v in versions if v.status == PlanStatus.PUBLISHED), None)


def working_version(plan: SchoolPlan) -> PlanVersion | None:
    return pick_working(plan.versions.all())  # uses a prefetch when there is one


def _copy_parts(source: PlanVersion, target: PlanVersion, shift: timedelta | None = None) -> None:
    """Copy periods, courses and windows. With ``shift`` (another semester) dates move by it
    and courses start new lineages; without (an amendment) courses keep theirs."""
    for kind, model in PART_MODELS.items():
        rows = []
        for part in model.objects.filter(version=source).order_by("pk"):
            values = {f: getattr(part, f) for f in PART_FIELDS[kind]}
            if kind == "course" and shift is None:
                values["lineage"] = part.lineage  # the same course, amended
            if shift is not None:
                if kind == "period" and part.valid_from is not None:
                    values["valid_from"] = part.valid_from + shift
                    values["valid_until"] = part.valid_until + shift
                if kind == "window":
                    values["opens_at"] = part.opens_at + shift
                    values["closes_at"] = part.closes_at + shift
            rows.append(
                model(
                    district_id=target.district_id,
                    school_id=target.school_id,
                    version=target,
                    **values,
                )
            )
        model.objects.bulk_create(rows)


# --------------------------------------------------------------------------- creation


@transaction.atomic
def create_plan(
    *, actor: User, school: School, semester: Semester, copy_from_last: bool = False
) -> SchoolPlan:
    """Create the school's plan for ``semester`` with an empty draft (version 1).

    With ``copy_from_last``, the draft starts as a copy of the school's latest approved or
    published plan of an earlier semester, its dates moved by the distance between the two
    semesters' first days. Errors: NotAllowed (role), Conflict ``plan_exists`` (the unique
    constraint decides between concurrent creations), InvalidInput (nothing to copy).
    """
    rules.require_plan_manager(Scope(actor), school)
    if semester.district_id != school.district_id:
        raise InvalidInput(fields={"semester": [_("Choose a semester of your district.")]})
    source = None
    if copy_from_last:
        source = (
            PlanVersion.objects.filter(
                plan__school=school,
                plan__semester__start_date__lt=semester.start_date,
                status__in=[PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED],
            )
            .select_related("plan__semester")
            .order_by("-plan__semester__start_date", "-number")
            .first()
        )
        if source is None:
            raise InvalidInput(
                fields={
                    "copy_from_last": [
                        _("There is no approved plan of an earlier semester to copy.")
                    ]
                }
            )
    try:
        with transaction.atomic():
            plan = SchoolPlan.objects.create(
                district_id=school.district_id, school=school, semester=semester
            )
    except IntegrityError as err:
        raise Conflict(
            _("The school already has a plan for this semester."),
            code="plan_exists",
            fields={"semester": [_("The school already has a plan for this semester.")]},
        ) from err
    policy = current_policy(semester)
    values: dict[str, Any] = {"hotline": policy.complaint_hotline if policy else ""}
    if source is not None:
        values = {f: getattr(source, f) for f in GENERAL_FIELDS}
        values["prohibitions_confirmed"] = False  # confirm again under this semester's policy
    version = PlanVersion.objects.create(
        district_id=school.district_id,
        school=school,
        plan=plan,
        number=1,
        created_by=actor,
        **values,
    )
    if source is not None:
        _copy_parts(source, version, semester.start_date - source.plan.semester.start_date)
    record_event(
        actor=actor,
        action="plan.created",
        obj=plan,
        payload={"copied_from": str(source.public_id) if source else None},
    )
    return plan


@transaction.atomic
def amend_plan(*, actor: User, plan: SchoolPlan) -> PlanVersion:
    """Start a new draft from the published version.

    Errors: NotAllowed (role); Conflict ``open_version`` (a version is being edited or
    reviewed), ``nothing_to_amend`` (no published version yet)."""
    plan = _lock(plan)
    rules.require_plan_manager(Scope(actor), plan.school)
    versions = list(plan.versions.all())
    if any(v.status in (*EDITABLE_STATUSES, PlanStatus.SUBMITTED) for v in versions):
        raise Conflict(_("A version is already being edited or reviewed."), code="open_version")
    base = next((v for v in versions if v.status == PlanStatus.PUBLISHED), None)
    if base is None:
        raise Conflict(
            _("Publish the approved version before amending it."), code="nothing_to_amend"
        )
    number = plan.versions.aggregate(n=Max("number"))["n"] + 1
    values = {f: getattr(base, f) for f in GENERAL_FIELDS}
    values["prohibitions_confirmed"] = False
    draft = PlanVersion.objects.create(
        district_id=plan.district_id,
        school_id=plan.school_id,
        plan=plan,
        number=number,
        created_by=actor,
        **values,
    )
    _copy_parts(base, draft)
    record_event(
        actor=actor,
        action="plan.amendment_started",
        obj=plan,
        payload={"version": number, "from_version": base.number},
    )
    return draft


# --------------------------------------------------------------------------- editing


@transaction.atomic
def update_plan_general(*, actor: User, version: PlanVersion, data: dict[str, Any]) -> PlanVersion:
    """Change the general part (fees, lunch care, notices, confirmation) of a draft.

    Errors: NotAllowed (role), Conflict ``version_locked``, InvalidInput (field messages)."""
    _lock(version.plan)
    version = _fresh(version)
    rules.require_plan_manager(Scope(actor), version.plan.school)
    _require_editable(version)
    unknown = set(data) - set(GENERAL_FIELDS)
    if unknown:
        raise InvalidInput(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    if all(getattr(version, k) == v for k, v in data.items()):
        return version  # nothing to change, nothing to audit
    for key, value in data.items():
        setattr(version, key, value)
    if version.basic_fee_unit == "free":
        version.basic_fee_amount = 0
    if not version.lunch_care_offered:
        version.lunch_start_time = version.lunch_end_time = None
    elif (
        version.lunch_start_time
        and version.lunch_end_time
        and version.lunch_start_time >= version.lunch_end_time
    ):
        raise InvalidInput(fields={"lunch_end_time": [_("The end must be after the start.")]})
    version.save()
    record_event(
        actor=actor,
        action="plan.edited",
        obj=version.plan,
        payload={"version": version.number, "part": "general", "fields": sorted(data)},
    )
    return version


def _validate_part(kind: str, values: dict[str, Any], version: PlanVersion) -> None:
    errors: dict[str, list[str]] = {}
    if (
        "start_time" in values
        and values.get("start_time")
        and values.get("end_time")
        and (values["start_time"] >= values["end_time"])
    ):
        errors["end_time"] = [_("The end must be after the start.")]
    if kind == "period":
        vf, vu = values.get("valid_from"), values.get("valid_until")
        if (vf is None) != (vu is None):
            errors["valid_until"] = [_("Give both dates of a seasonal variant, or neither.")]
        elif vf and vu and vf > vu:
            errors["valid_until"] = [_("The end must be after the start.")]
    if kind in ("period", "course"):
        if not values.get("grades"):
            errors["grades"] = [_("Choose at least one grade.")]
        if not values.get("weekdays"):
            errors["weekdays"] = [_("Choose at least one weekday.")]
    if kind == "course" and not (values.get("name") or "").strip():
        errors["name"] = [_("This field is required.")]
    if kind == "window" and values["opens_at"] >= values["closes_at"]:
        errors["closes_at"] = [_("The window must close after it opens.")]
    if errors:
        raise InvalidInput(fields=errors)


@transaction.atomic
def save_plan_part(
    *, actor: User, version: PlanVersion, kind: str, data: dict[str, Any], part=None
):
    """Create (``part`` None) or change a period, course or registration window of a draft.

    Errors: NotAllowed (role), Conflict ``version_locked``, InvalidInput (field messages).
    """
    _lock(version.plan)
    version = _fresh(version)
    rules.require_plan_manager(Scope(actor), version.plan.school)
    _require_editable(version)
    model = PART_MODELS[kind]
    if part is not None:
        # Re-read under the plan lock: a concurrent edit of the same item is not lost.
        part = model.objects.select_for_update().filter(pk=part.pk).first()
        if part is None or part.version_id != version.pk:
            raise InvalidInput(_("This item belongs to another version."))
    values = {f: data[f] for f in PART_FIELDS[kind] if f in data}
    if part is not None:
        values = {**{f: getattr(part, f) for f in PART_FIELDS[kind]}, **values}
    _validate_part(kind, values, version)
    if kind in ("period", "course"):
        values["grades"] = sorted(set(values["grades"]))
        values["weekdays"] = sorted(set(values["weekdays"]))
    try:
        with transaction.atomic():
            if part is None:
                part = model.objects.create(
                    district_id=version.district_id,
                    school_id=version.school_id,
                    version=version,
                    **values,
                )
            else:
                for key, value in values.items():
                    setattr(part, key, value)
                part.save()
    except IntegrityError as err:
        if kind == "window":
            raise InvalidInput(fields={"round": [_("This round already has a window.")]}) from err
        raise
    record_event(
        actor=actor,
        action="plan.edited",
        obj=version.plan,
        payload={"version": version.number, "part": kind, "id": part.pk},
    )
    return part


@transaction.atomic
def delete_plan_part(*, actor: User, version: PlanVersion, kind: str, part) -> None:
    _lock(version.plan)
    version = _fresh(version)
    rules.require_plan_manager(Scope(actor), version.plan.school)
    _require_editable(version)
    if part.version_id != version.pk:
        raise InvalidInput(_("This item belongs to another version."))
    pk = part.pk
    part.delete()
    record_event(
        actor=actor,
        action="plan.edited",
        obj=version.plan,
        payload={"version": version.number, "part": kind, "deleted": pk},
    )


# --------------------------------------------------------------------------- workflow


@transaction.atomic
def submit_plan(*, actor: User, version: PlanVersion) -> PlanVersion:
    """Submit a draft or returned version for review.

    Refused with ``PlanViolations`` (listing every violation) while the plan breaks the
    district policy or is incomplete; Conflict ``version_locked`` when the version is not a
    draft or returned. Notifies the district's officials.
    """
    plan = _lock(version.plan, policy=True)
    version = _fresh(version)
    rules.require_plan_manager(Scope(actor), plan.school)
    _require_editable(version)
    policy = _passes_policy(version)
    version.status = PlanStatus.SUBMITTED
    version.policy = policy
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "policy", "submitted_at"])
    record_event(
        actor=actor,
        action="plan.submitted",
        obj=plan,
        payload={"version": version.number, "policy_version": policy.version},
    )
    _notify_officials(
        plan,
        Text(
            gettext_noop("%(school)s submitted its plan for %(semester)s (version %(n)d)"),
            school=plan.school.name,
            semester=plan.semester.name,
            n=version.number,
        ),
    )
    return version


def _passes_policy(version: PlanVersion):
    """The semester's current policy, if the version meets it; else PlanViolations."""
    policy = current_policy(version.plan.semester)
    evaluation = evaluate(version, policy)
    if evaluation.violations:
        raise PlanViolations(evaluation.violations)
    return policy


def _require_submitted(version: PlanVersion) -> None:
    if version.status != PlanStatus.SUBMITTED:
        raise Conflict(
            _("Version %(n)d is %(status)s, not waiting for review.")
            % {"n": version.number, "status": version.get_status_display()},
            code="not_submitted",
        )


@transaction.atomic
def approve_plan(*, actor: User, version: PlanVersion, comment: str = "") -> PlanVersion:
    """Approve a submitted version (district official). It becomes immutable.

    Re-checked against the current policy first: if the policy changed since submission and
    the plan now breaks it, approval is refused with the violations. Conflict
    ``not_submitted`` when the version is not waiting for review.
    """
    plan = _lock(version.plan, policy=True)
    version = _fresh(version)
    rules.require_plan_reviewer(Scope(actor), plan.district_id)
    _require_submitted(version)
    policy = _passes_policy(version)
    version.status = PlanStatus.APPROVED
    version.policy = policy
    version.decided_at = timezone.now()
    version.decided_by = actor
    version.review_comment = (comment or "").strip()
    version.save(update_fields=["status", "policy", "decided_at", "decided_by", "review_comment"])
    record_event(
        actor=actor,
        action="plan.approved",
        obj=plan,
        payload={"version": version.number, "comment": version.review_comment},
    )
    _notify_school(
        plan,
        Text(
            gettext_noop("Your plan for %(semester)s was approved (version %(n)d)"),
            semester=plan.semester.name,
            n=version.number,
        ),
        version.review_comment,
    )
    return version


@transaction.atomic
def return_plan(*, actor: User, version: PlanVersion, comment: str) -> PlanVersion:
    """Send a submitted version back to the school with comments (required)."""
    plan = _lock(version.plan)
    version = _fresh(version)
    rules.require_plan_reviewer(Scope(actor), plan.district_id)
    _require_submitted(version)
    comment = (comment or "").strip()
    if not comment:
        raise InvalidInput(fields={"comment": [_("Say what the school must change.")]})
    version.status = PlanStatus.RETURNED
    version.decided_at = timezone.now()
    version.decided_by = actor
    version.review_comment = comment
    version.save(update_fields=["status", "decided_at", "decided_by", "review_comment"])
    record_event(
        actor=actor,
        action="plan.returned",
        obj=plan,
        payload={"version": version.number, "comment": comment},
    )
    _notify_school(
        plan,
        Text(
            gettext_noop("Your plan for %(semester)s was returned with comments"),
            semester=plan.semester.name,
        ),
        comment,
    )
    return version


@transaction.atomic
def publish_plan(*, actor: User, version: PlanVersion) -> PlanVersion:
    """Publish an approved version (公示); the previously published one is superseded."""
    plan = _lock(version.plan)
    version = _fresh(version)
    rules.require_plan_manager(Scope(actor), plan.school)
    if version.status != PlanStatus.APPROVED:
        raise Conflict(_("Only an approved version can be published."), code="not_approved")
    now = timezone.now()
    previous = plan.versions.filter(status=PlanStatus.PUBLISHED).first()
    if previous is not None:
        previous.status = PlanStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    version.status = PlanStatus.PUBLISHED
    version.published_at = now
    version.save(update_fields=["status", "published_at"])
    record_event(
        actor=actor, action="plan.published", obj=plan, payload={"version": version.number}
    )
    for hook in PUBLISH_HOOKS:
        hook(actor=actor, previous=previous, published=version)
    _notify_officials(
        plan,
        Text(
            gettext_noop("%(school)s published its plan for %(semester)s (version %(n)d)"),
            school=plan.school.name,
            semester=plan.semester.name,
            n=version.number,
        ),
    )
    return version


# Other apps act on a publication inside its transaction: enrollment creates the seat
# counters and moves seats and registrations from the superseded version's courses to the
# amended ones. Registered in
# their AppConfig.ready(); called as hook(actor=, previous=PlanVersion | None, published=).
PUBLISH_HOOKS: list = []
