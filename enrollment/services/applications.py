"""Applications for after-school service and their review (家长申请 → 班级审核 → 学校核准 →
公示 → 签协议), the service agreement, the accident insurance, and withdrawal (退出).

    applied ─(class review)─▶ class_approved | flagged | rejected
    applied, class_approved ─(bulk approval)─▶ approved
    flagged, rejected ─(approval when selected one by one)─▶ approved
    approved ─(sign agreement + confirm insurance)─▶ active (``Application.is_active``)
    approved ─(request)─▶ withdrawal_requested ─(approve)─▶ withdrawn
                                               ─(decline)─▶ approved

Every function here is keyword-only, owns its transaction, checks the actor's role (callers
have found the objects through ``visible_to``, so another tenant's never gets here), raises a
``DomainError`` (``InvalidInput`` with field messages, ``NotAllowed`` 403, ``Conflict`` 409)
before anything is written, writes an audit event and puts a message in the inbox of whoever
needs to know. State transitions lock the application row (``SELECT … FOR UPDATE``); bulk
approval and list publication lock the plan row first, so concurrent clicks queue up and
nothing is approved twice.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from aftercare.audit import record_event, register_actions
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, Membership, School, SchoolClass, User
from aftercare.services import notify
from aftercare.tenancy import Scope
from enrollment.models import (
    PRIORITY_ORDER,
    Application,
    ApplicationStatus,
    Channel,
    Guardianship,
    PriorityGroup,
    ServiceAgreement,
    Student,
)
from enrollment.selectors.applications import (
    APPROVAL_ORDER,
    BULK_DEFAULT,
    PARTICIPATING,
    REVIEWABLE,
    admission_for,
    latest_agreement,
    priority_tier,
)
from enrollment.selectors.courses import current_published_plan
from enrollment.services import registration
from plans.models import SchoolPlan

register_actions(
    {
        "application.submitted": gettext_lazy("Application for after-school service submitted"),
        "application.changed": gettext_lazy("Application changed by the parent"),
        "application.class_approved": gettext_lazy("Application approved by the class teacher"),
        "application.flagged": gettext_lazy("Application flagged by the class teacher"),
        "application.rejected": gettext_lazy("Application rejected"),
        "application.approved": gettext_lazy("Application approved by the school"),
        "application.list_published": gettext_lazy("Participant list published"),
        "application.exported": gettext_lazy("Application list exported"),
        "agreement.published": gettext_lazy("Service agreement published"),
        "agreement.signed": gettext_lazy("Service agreement signed"),
        "application.insurance_confirmed": gettext_lazy("Accident insurance confirmed"),
        "application.withdrawal_requested": gettext_lazy("Withdrawal requested"),
        "application.withdrawn": gettext_lazy("Withdrawal approved"),
        "application.withdrawal_declined": gettext_lazy("Withdrawal declined"),
    }
)

NOTE_MAX = Application._meta.get_field("parent_note").max_length
REASON_MAX = Application._meta.get_field("rejection_reason").max_length
POLICY_NUMBER_MAX = Application._meta.get_field("insurance_note").max_length
TITLE_MAX = ServiceAgreement._meta.get_field("title").max_length
AGREEMENT_MAX = 20000
USER_AGENT_MAX = Application._meta.get_field("user_agent").max_length


class Decision:
    APPROVE = "approve"
    FLAG = "flag"
    REJECT = "reject"
    CHOICES = (APPROVE, FLAG, REJECT)


# --------------------------------------------------------------------------- helpers


def _require_guardian(actor: User, student: Student) -> None:
    if not Guardianship.objects.filter(student=student, user=actor).exists():
        raise NotAllowed(_("Only the child's guardians can do this."))


def _require_manager(actor: User, school: School) -> None:
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the principal or a school administrator can do this."))


def can_review(scope: Scope, application: Application) -> bool:
    """The class's own homeroom teacher, or the school's principal / administrators."""
    return application.student.school_class.homeroom_teacher_id == scope.user.pk or scope.manages(
        application.school
    )


def _require_reviewer(actor: User, application: Application) -> None:
    if not can_review(Scope(actor), application):
        raise NotAllowed(
            _(
                "Only the class's homeroom teacher or the school's principal and administrators "
                "can review this application."
            )
        )


def _lock(application: Application) -> Application:
    """The application again, row-locked until the end of the transaction."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "district",
            "student",
            "student__school_class__homeroom_teacher",
            "school",
            "school__district",
            "semester",
            "plan",
            "agreement",
        )
        .get(pk=application.pk)
    )


def _lock_plan(plan: SchoolPlan) -> SchoolPlan:
    return (
        SchoolPlan.objects.select_for_update(of=("self",))
        .select_related("school", "school__district", "semester")
        .get(pk=plan.pk)
    )


def _text(value, *, name: str, limit: int, required: str | None = None) -> str:
    """Stripped text; InvalidInput on ``name`` when too long or (with ``required``) empty."""
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(fields={name: [required]})
    if len(value) > limit:
        raise InvalidInput(
            fields={name: [_("At most %(max)d characters, please.") % {"max": limit}]}
        )
    return value


def _groups(values) -> list[str]:
    values = list(values or [])
    unknown = [v for v in values if v not in PriorityGroup.values]
    if unknown:
        raise InvalidInput(fields={"priority_groups": [_("Choose from the groups listed.")]})
    return [g for g in PRIORITY_ORDER if g in values]


def _day(value: date) -> str:
    return date_format(value, "Y-m-d")


def family_url(application: Application) -> str:
    return reverse("family_applications") + f"#app-{application.public_id}"


def agreement_url(application: Application) -> str:
    return reverse("application_agreement", args=[application.public_id])


def school_url(application_or_plan, status: str = "") -> str:
    plan = (
        application_or_plan.plan
        if isinstance(application_or_plan, Application)
        else application_or_plan
    )
    url = reverse("school_applications", args=[plan.school.public_id]) + f"?plan={plan.public_id}"
    return url + (f"&status={status}" if status else "")


class _Inbox:
    """Collects inbox messages and puts them in the inboxes (``notify``) when the block ends
    without an error. Texts are built in the site's language: the recipients are not the
    actor, and most read Chinese."""

    def __init__(self):
        self.items: list[dict] = []
        self._override = translation.override(settings.LANGUAGE_CODE)

    def __enter__(self):
        self._override.__enter__()
        return self

    def __exit__(self, *exc):
        self._override.__exit__(*exc)
        if exc[0] is None:
            for item in self.items:
                notify(**item)

    def add(self, users, *, district, title: str, body: str = "", url: str = "") -> None:
        seen = set()
        for user in users:
            if user.pk in seen:
                continue
            seen.add(user.pk)
            self.items.append(
                {
                    "recipient": user,
                    "district": district,
                    "title": str(title),
                    "body": str(body),
                    "url": url,
                }
            )


def _guardians(student_ids) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {}
    for g in Guardianship.objects.filter(student_id__in=list(student_ids)).select_related("user"):
        out.setdefault(g.student_id, []).append(g.user)
    return out


def _managers(school_id: int) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(school_id=school_id, role__in=MANAGER_ROLES)
        .select_related("user")
        .order_by("user_id")
    ]


def _to_family(
    inbox: _Inbox, application: Application, title: str, body: str = "", url: str = ""
) -> None:
    inbox.add(
        _guardians([application.student_id]).get(application.student_id, []),
        district=application.school.district,
        title=title,
        body=body,
        url=url or family_url(application),
    )


# --------------------------------------------------------------------------- applying


def apply_for_service(
    *,
    actor: User,
    student: Student,
    basic_care: bool,
    priority_groups=(),
    note: str = "",
    channel: str = Channel.WEB,
    client_ip: str | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> Application:
    """A guardian applies for after-school service for ``student`` for the semester of the
    school's current published plan.

    Allowed inside a basic-care registration window of the plan, or at any time until the
    semester's last day when the district policy lets families join mid-semester (an
    application without basic care also inside an extended-course window). Keeps the evidence
    that it was voluntary: who, when, channel, client IP and user agent. One application per
    student and semester (a unique constraint backs the check). Audited as
    ``application.submitted``; the child's guardians get an inbox message, and the class's
    homeroom teacher one when this is the class's first application of the semester.

    Errors: NotAllowed (not a guardian), InvalidInput (priority_groups, parent_note, student),
    Conflict ``no_plan``, ``window_closed``, ``already_applied``.
    """
    now = now or timezone.now()
    _require_guardian(actor, student)
    groups = _groups(priority_groups)
    note = _text(note, name="parent_note", limit=NOTE_MAX)
    if channel not in Channel.values:
        raise InvalidInput(fields={"channel": [_("Choose a valid channel.")]})
    if not student.is_active:
        raise InvalidInput(
            _("%(student)s is not on the school's roll.") % {"student": student.name}
        )
    found = current_published_plan(student.school, timezone.localdate(now))
    if found is None:
        raise Conflict(
            _("%(school)s has not published its after-school service plan yet.")
            % {"school": student.school.name},
            code="no_plan",
        )
    plan, version = found
    admission = admission_for(plan, version, basic_care=bool(basic_care), now=now)
    if not admission.open:
        raise Conflict(admission.refusal(), code="window_closed")
    with transaction.atomic():
        # One class at a time: the duplicate check and "first of the class" hold under races.
        SchoolClass.objects.select_for_update().filter(pk=student.school_class_id).first()
        existing = Application.objects.filter(
            district_id=student.district_id, semester_id=plan.semester_id, student=student
        ).first()
        if existing is not None:
            raise _already_applied(student, existing)
        first_in_class = not Application.objects.filter(
            semester_id=plan.semester_id, student__school_class_id=student.school_class_id
        ).exists()
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    district_id=student.district_id,
                    school_id=student.school_id,
                    semester_id=plan.semester_id,
                    plan=plan,
                    student=student,
                    basic_care=bool(basic_care),
                    priority_groups=groups,
                    parent_note=note,
                    applied_by=actor,
                    applied_at=now,
                    channel=channel,
                    client_ip=client_ip or None,
                    user_agent=(user_agent or "")[:USER_AGENT_MAX],
                )
        except IntegrityError as err:
            existing = Application.objects.filter(
                semester_id=plan.semester_id, student=student
            ).first()
            raise _already_applied(student, existing) from err
        record_event(
            actor=actor,
            action="application.submitted",
            obj=application,
            payload={
                "student": str(student.public_id),
                "semester": plan.semester.name,
                "basic_care": application.basic_care,
                "priority_groups": groups,
                "channel": channel,
            },
            ip_address=client_ip or None,
        )
        with _Inbox() as inbox:
            inbox.add(
                _guardians([student.pk]).get(student.pk, []),
                district=student.district,
                title=_("Application for %(student)s received") % {"student": student.name},
                body=_(
                    "%(parent)s applied for after-school service for %(student)s "
                    "(%(semester)s; basic care: %(basic)s). The class teacher reviews it next."
                )
                % {
                    "parent": actor,
                    "student": student.name,
                    "semester": plan.semester.name,
                    "basic": _("yes") if application.basic_care else _("no"),
                },
                url=family_url(application),
            )
            teacher = student.school_class.homeroom_teacher
            if first_in_class and teacher is not None:
                inbox.add(
                    [teacher],
                    district=student.district,
                    title=_("Applications from %(class)s have started to arrive")
                    % {"class": student.school_class.name},
                    body=_(
                        "The first application of your class for %(semester)s came in. "
                        "Please review your class's applications."
                    )
                    % {"semester": plan.semester.name},
                    url=reverse("teacher_applications"),
                )
    return application


def _already_applied(student: Student, existing: Application | None) -> Conflict:
    status = existing.get_status_display() if existing else "—"
    return Conflict(
        _("%(student)s already has an application for this semester (%(status)s).")
        % {"student": student.name, "status": status},
        code="already_applied",
    )


@transaction.atomic
def change_application(
    *,
    actor: User,
    application: Application,
    basic_care: bool | None = None,
    priority_groups=None,
    note: str | None = None,
    now: datetime | None = None,
) -> Application:
    """A guardian changes basic care yes/no, the declared priority groups or the note while
    the application still waits for the class review (status ``applied``). Turning basic care
    on needs applying to be open, as for a new application. Audited as
    ``application.changed`` with the old and new values; the guardians are told.

    Errors: NotAllowed, Conflict ``not_changeable`` / ``window_closed``, InvalidInput.
    """
    now = now or timezone.now()
    app = _lock(application)
    _require_guardian(actor, app.student)
    if app.status != ApplicationStatus.APPLIED:
        raise Conflict(
            _("The application can only be changed before the class teacher reviews it."),
            code="not_changeable",
        )
    changes: dict[str, Any] = {}
    if basic_care is not None and bool(basic_care) != app.basic_care:
        if basic_care:
            version = app.plan.versions.filter(status="published").first()
            if version is not None:
                admission = admission_for(app.plan, version, basic_care=True, now=now)
                if not admission.open:
                    raise Conflict(admission.refusal(), code="window_closed")
        changes["basic_care"] = [app.basic_care, bool(basic_care)]
        app.basic_care = bool(basic_care)
    if priority_groups is not None:
        groups = _groups(priority_groups)
        if groups != app.priority_groups:
            changes["priority_groups"] = [app.priority_groups, groups]
            app.priority_groups = groups
    if note is not None:
        note = _text(note, name="parent_note", limit=NOTE_MAX)
        if note != app.parent_note:
            changes["parent_note"] = True
            app.parent_note = note
    if not changes:
        return app
    app.save(update_fields=["basic_care", "priority_groups", "parent_note", "updated_at"])
    record_event(actor=actor, action="application.changed", obj=app, payload=changes)
    with _Inbox() as inbox:
        _to_family(
            inbox,
            app,
            _("Application for %(student)s changed") % {"student": app.student.name},
            _("%(parent)s changed the application (basic care: %(basic)s).")
            % {"parent": actor, "basic": _("yes") if app.basic_care else _("no")},
        )
    return app


# --------------------------------------------------------------------------- class review


@transaction.atomic
def review_application(
    *,
    actor: User,
    application: Application,
    decision: str,
    note: str = "",
    needs_accompaniment: bool = False,
    now: datetime | None = None,
) -> Application:
    """The class review (班级审核) by the class's homeroom teacher (or a school manager):

    * ``approve`` → ``class_approved`` (note optional);
    * ``flag`` → ``flagged``, for the school to look at: a note, or ``needs_accompaniment``
      (the child needs a parent's accompaniment), is required;
    * ``reject`` → ``rejected`` with the reason (``note``, required), shown to the family.

    A review may be revised until the school has approved the application. Audited as
    ``application.class_approved`` / ``flagged`` / ``rejected``; the guardians are told, and
    for a flag the school's managers too.

    Errors: NotAllowed (another class's teacher), InvalidInput (decision, note),
    Conflict ``already_decided``.
    """
    now = now or timezone.now()
    if decision not in Decision.CHOICES:
        raise InvalidInput(fields={"decision": [_("Choose approve, flag or reject.")]})
    app = _lock(application)
    _require_reviewer(actor, app)
    if app.status not in REVIEWABLE:
        raise Conflict(
            _("This application is already %(status)s; the class review is closed.")
            % {"status": app.get_status_display()},
            code="already_decided",
        )
    if decision == Decision.REJECT:
        note = _text(
            note, name="note", limit=REASON_MAX, required=_("Give the reason for the rejection.")
        )
    elif decision == Decision.FLAG:
        note = _text(
            note,
            name="note",
            limit=REASON_MAX,
            required=None if needs_accompaniment else _("Say what the school should look at."),
        )
    else:
        note = _text(note, name="note", limit=REASON_MAX)
    status = {
        Decision.APPROVE: ApplicationStatus.CLASS_APPROVED,
        Decision.FLAG: ApplicationStatus.FLAGGED,
        Decision.REJECT: ApplicationStatus.REJECTED,
    }[decision]
    previous = app.status
    app.status = status
    app.class_reviewed_by = actor
    app.class_reviewed_at = now
    app.review_note = "" if decision == Decision.REJECT else note
    app.rejection_reason = note if decision == Decision.REJECT else ""
    app.needs_accompaniment = bool(needs_accompaniment) and decision != Decision.REJECT
    app.save(
        update_fields=[
            "status",
            "class_reviewed_by",
            "class_reviewed_at",
            "review_note",
            "rejection_reason",
            "needs_accompaniment",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        action=f"application.{status}",
        obj=app,
        payload={
            "from": previous,
            "note": note,
            "needs_accompaniment": app.needs_accompaniment,
        },
    )
    name = app.student.name
    with _Inbox() as inbox:
        if decision == Decision.APPROVE:
            title = _("%(student)s: the class teacher approved the application") % {"student": name}
            body = _("The school approves the applications next.")
        elif decision == Decision.FLAG:
            title = _("%(student)s: the class teacher added a note for the school") % {
                "student": name
            }
            body = note
        else:
            title = _("%(student)s: the application was rejected") % {"student": name}
            body = _("Reason: %(reason)s") % {"reason": note}
        if app.needs_accompaniment:
            body = (body + "\n" if body else "") + _(
                "The child needs a parent's accompaniment during the service."
            )
        _to_family(inbox, app, title, body)
        if decision == Decision.FLAG:
            inbox.add(
                _managers(app.school_id),
                district=app.school.district,
                title=_("%(class)s: %(student)s's application was flagged")
                % {"class": app.student.school_class.name, "student": name},
                body=note,
                url=school_url(app, ApplicationStatus.FLAGGED),
            )
    return app


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


# --------------------------------------------------------------------------- agreement


@transaction.atomic
def publish_agreement(*, actor: User, plan: SchoolPlan, title: str, body: str) -> ServiceAgreement:
    """Write a new version of the school's service agreement (服务协议) for the plan's
    semester. Earlier signatures stay valid (they name the version signed); new signatures
    use the latest version. Families with an approved child who has not signed yet are told.
    Audited as ``agreement.published``.

    Errors: NotAllowed, InvalidInput (title, body).
    """
    _require_manager(actor, plan.school)
    errors: dict[str, list[str]] = {}
    try:
        title = _text(
            title, name="title", limit=TITLE_MAX, required=_("Give the agreement a title.")
        )
    except InvalidInput as err:
        errors.update(err.fields)
    try:
        body = _text(
            body, name="body", limit=AGREEMENT_MAX, required=_("Write the agreement's text.")
        )
    except InvalidInput as err:
        errors.update(err.fields)
    if errors:
        raise InvalidInput(fields=errors)
    plan = _lock_plan(plan)
    last = ServiceAgreement.objects.filter(
        school_id=plan.school_id, semester_id=plan.semester_id
    ).aggregate(m=Max("version"))["m"]
    agreement = ServiceAgreement.objects.create(
        district_id=plan.district_id,
        school_id=plan.school_id,
        semester_id=plan.semester_id,
        version=(last or 0) + 1,
        title=title,
        body=body,
        created_by=actor,
    )
    record_event(
        actor=actor,
        action="agreement.published",
        obj=agreement,
        payload={"version": agreement.version, "semester": plan.semester.name},
    )
    waiting = list(
        Application.objects.filter(
            plan=plan, status=ApplicationStatus.APPROVED, signed_at__isnull=True
        ).select_related("student")
    )
    guardians = _guardians(a.student_id for a in waiting)
    with _Inbox() as inbox:
        for app in waiting:
            inbox.add(
                guardians.get(app.student_id, []),
                district=plan.school.district,
                title=_("Please sign the service agreement for %(student)s")
                % {"student": app.student.name},
                body=_("%(school)s published “%(title)s”.")
                % {"school": plan.school.name, "title": title},
                url=agreement_url(app),
            )
    return agreement


@transaction.atomic
def sign_agreement(
    *,
    actor: User,
    application: Application,
    version: int | None = None,
    client_ip: str | None = None,
    now: datetime | None = None,
) -> Application:
    """A guardian signs the latest service agreement for an approved child: the application
    records the agreement version, who signed and when. ``version`` is the version the
    guardian read; when the school published a newer one meanwhile the signature is refused,
    so nobody signs a text they have not seen. Audited as ``agreement.signed`` (with the
    client IP); the guardians are told whether the child is now active.

    Errors: NotAllowed, Conflict ``not_approved``, ``already_signed``, ``no_agreement``,
    ``agreement_changed``.
    """
    now = now or timezone.now()
    app = _lock(application)
    _require_guardian(actor, app.student)
    if app.signed_at is not None:
        raise Conflict(
            _("The agreement was already signed on %(date)s.") % {"date": _day(app.signed_at)},
            code="already_signed",
        )
    if app.status != ApplicationStatus.APPROVED:
        raise Conflict(
            _("The agreement is signed once the school has approved the application."),
            code="not_approved",
        )
    agreement = latest_agreement(school_id=app.school_id, semester_id=app.semester_id)
    if agreement is None:
        raise Conflict(
            _("The school has not published the service agreement yet."), code="no_agreement"
        )
    if version is not None and version != agreement.version:
        raise Conflict(
            _(
                "The school has changed the agreement since you opened it. Read version "
                "%(version)d and sign again."
            )
            % {"version": agreement.version},
            code="agreement_changed",
        )
    app.agreement = agreement
    app.signed_by = actor
    app.signed_at = now
    app.save(update_fields=["agreement", "signed_by", "signed_at", "updated_at"])
    record_event(
        actor=actor,
        action="agreement.signed",
        obj=app,
        payload={"agreement": str(agreement.public_id), "version": agreement.version},
        ip_address=client_ip or None,
    )
    _tell_active_or_next(app, signed=True)
    return app


def _tell_active_or_next(app: Application, *, signed: bool) -> None:
    with _Inbox() as inbox:
        name = app.student.name
        if signed:
            title = _("%(student)s: service agreement signed") % {"student": name}
        else:
            title = _("%(student)s: accident insurance confirmed") % {"student": name}
        if app.is_active:
            body = _("%(student)s is now enrolled in after-school service.") % {"student": name}
        elif app.signed_at is None:
            body = _("Next: sign the service agreement.")
        else:
            body = _("Next: confirm the accident insurance (学平险).")
        _to_family(inbox, app, title, body, url=agreement_url(app))


@transaction.atomic
def confirm_insurance(
    *,
    actor: User,
    application: Application,
    policy_number: str = "",
    client_ip: str | None = None,
    now: datetime | None = None,
) -> Application:
    """A guardian confirms the child has student accident insurance (学平险), optionally with
    the policy number. Confirming again updates the policy number. Audited as
    ``application.insurance_confirmed``; the guardians are told whether the child is active.

    Errors: NotAllowed, Conflict ``not_approved``, InvalidInput (policy_number).
    """
    now = now or timezone.now()
    app = _lock(application)
    _require_guardian(actor, app.student)
    if app.status not in PARTICIPATING:
        raise Conflict(
            _("The insurance is confirmed once the school has approved the application."),
            code="not_approved",
        )
    policy_number = _text(policy_number, name="policy_number", limit=POLICY_NUMBER_MAX)
    first = app.insurance_confirmed_at is None
    if first:
        app.insurance_confirmed_at = now
        app.insurance_confirmed_by = actor
    app.insurance_note = policy_number
    app.save(
        update_fields=[
            "insurance_confirmed_at",
            "insurance_confirmed_by",
            "insurance_note",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        action="application.insurance_confirmed",
        obj=app,
        payload={"policy_number": policy_number, "first": first},
        ip_address=client_ip or None,
    )
    _tell_active_or_next(app, signed=False)
    return app


# --------------------------------------------------------------------------- withdrawal


@transaction.atomic
def request_withdrawal(
    *,
    actor: User,
    application: Application,
    reason: str,
    last_day: date | None,
    now: datetime | None = None,
) -> Application:
    """A guardian asks to leave after-school service (退出申请) with a reason and the intended
    last day (today at the earliest, the semester's last day at the latest). The child keeps
    attending until the school decides. Audited as ``application.withdrawal_requested``; the
    guardians and the school's managers are told.

    Errors: NotAllowed, Conflict ``not_approved``, InvalidInput (reason, last_day).
    """
    now = now or timezone.now()
    app = _lock(application)
    _require_guardian(actor, app.student)
    if app.status != ApplicationStatus.APPROVED:
        raise Conflict(
            _("Only an approved application can be withdrawn; it is %(status)s.")
            % {"status": app.get_status_display()},
            code="not_approved",
        )
    errors: dict[str, list[str]] = {}
    try:
        reason = _text(
            reason, name="reason", limit=REASON_MAX, required=_("Give the reason for leaving.")
        )
    except InvalidInput as err:
        errors.update(err.fields)
    today = timezone.localdate(now)
    if last_day is None:
        errors["last_day"] = [_("Give the last day of service.")]
    elif last_day < today:
        errors["last_day"] = [_("The last day cannot be in the past.")]
    elif last_day > app.semester.end_date:
        errors["last_day"] = [
            _("The semester ends on %(date)s.") % {"date": _day(app.semester.end_date)}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    app.status = ApplicationStatus.WITHDRAWAL_REQUESTED
    app.withdrawal_requested_by = actor
    app.withdrawal_requested_at = now
    app.withdrawal_reason = reason
    app.withdrawal_last_day_requested = last_day
    app.withdrawal_decision_note = ""
    app.save(
        update_fields=[
            "status",
            "withdrawal_requested_by",
            "withdrawal_requested_at",
            "withdrawal_reason",
            "withdrawal_last_day_requested",
            "withdrawal_decision_note",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        action="application.withdrawal_requested",
        obj=app,
        payload={"reason": reason, "last_day": str(last_day)},
    )
    name = app.student.name
    with _Inbox() as inbox:
        inbox.add(
            _guardians([app.student_id]).get(app.student_id, []),
            district=app.school.district,
            title=_("Withdrawal of %(student)s requested") % {"student": name},
            body=_("Last day asked for: %(date)s. The school will answer.")
            % {"date": _day(last_day)},
            url=family_url(app),
        )
        inbox.add(
            _managers(app.school_id),
            district=app.school.district,
            title=_("%(class)s: %(student)s asks to leave after-school service")
            % {"class": app.student.school_class.name, "student": name},
            body=_("Last day: %(date)s. Reason: %(reason)s")
            % {"date": _day(last_day), "reason": reason},
            url=school_url(app, ApplicationStatus.WITHDRAWAL_REQUESTED),
        )
    return app


@transaction.atomic
def approve_withdrawal(
    *,
    actor: User,
    application: Application,
    effective_date: date | None = None,
    now: datetime | None = None,
) -> Application:
    """The school approves a withdrawal request. ``effective_date`` (default: the day the
    family asked for) is the last day of service, kept for billing; it may not lie before the
    approval of the application nor after the semester. In the same transaction every live
    extended-course entry of the application ends and its seats pass to the waiting list
    (``registration.release_application``). Audited as ``application.withdrawn``; the
    guardians are told.

    Errors: NotAllowed, Conflict ``no_request``, InvalidInput (effective_date).
    """
    now = now or timezone.now()
    app = _lock(application)
    _require_manager(actor, app.school)
    if app.status != ApplicationStatus.WITHDRAWAL_REQUESTED:
        raise Conflict(_("There is no open withdrawal request."), code="no_request")
    effective_date = effective_date or app.withdrawal_last_day_requested
    earliest = timezone.localdate(app.approved_at) if app.approved_at else None
    if effective_date is None:
        raise InvalidInput(fields={"effective_date": [_("Give the last day of service.")]})
    if earliest is not None and effective_date < earliest:
        raise InvalidInput(
            fields={
                "effective_date": [
                    _("The last day cannot be before the approval on %(date)s.")
                    % {"date": _day(earliest)}
                ]
            }
        )
    if effective_date > app.semester.end_date:
        raise InvalidInput(
            fields={
                "effective_date": [
                    _("The semester ends on %(date)s.") % {"date": _day(app.semester.end_date)}
                ]
            }
        )
    app.status = ApplicationStatus.WITHDRAWN
    app.withdrawal_effective_date = effective_date
    app.withdrawn_at = now
    app.withdrawal_approved_by = actor
    app.save(
        update_fields=[
            "status",
            "withdrawal_effective_date",
            "withdrawn_at",
            "withdrawal_approved_by",
            "updated_at",
        ]
    )
    released = registration.release_application(
        actor=actor, application=app, reason=app.withdrawal_reason
    )
    record_event(
        actor=actor,
        action="application.withdrawn",
        obj=app,
        payload={"effective_date": str(effective_date), "course_entries_released": released},
    )
    with _Inbox() as inbox:
        _to_family(
            inbox,
            app,
            _("Withdrawal of %(student)s approved") % {"student": app.student.name},
            _("The last day of service is %(date)s.") % {"date": _day(effective_date)},
        )
        teacher = app.student.school_class.homeroom_teacher
        if teacher is not None:
            inbox.add(
                [teacher],
                district=app.school.district,
                title=_("%(class)s: %(student)s leaves after-school service")
                % {"class": app.student.school_class.name, "student": app.student.name},
                body=_("The last day of service is %(date)s.") % {"date": _day(effective_date)},
                url=reverse("teacher_applications") + f"?status={ApplicationStatus.WITHDRAWN}",
            )
    return app


@transaction.atomic
def decline_withdrawal(
    *, actor: User, application: Application, reason: str, now: datetime | None = None
) -> Application:
    """The school declines a withdrawal request with a reason (required); the application is
    approved again and the child keeps attending. Audited as
    ``application.withdrawal_declined``; the guardians are told the reason.

    Errors: NotAllowed, Conflict ``no_request``, InvalidInput (reason).
    """
    app = _lock(application)
    _require_manager(actor, app.school)
    if app.status != ApplicationStatus.WITHDRAWAL_REQUESTED:
        raise Conflict(_("There is no open withdrawal request."), code="no_request")
    reason = _text(
        reason, name="reason", limit=REASON_MAX, required=_("Give the reason for declining.")
    )
    app.status = ApplicationStatus.APPROVED
    app.withdrawal_decision_note = reason
    app.save(update_fields=["status", "withdrawal_decision_note", "updated_at"])
    record_event(
        actor=actor,
        action="application.withdrawal_declined",
        obj=app,
        payload={"reason": reason},
    )
    with _Inbox() as inbox:
        _to_family(
            inbox,
            app,
            _("Withdrawal of %(student)s declined") % {"student": app.student.name},
            _("Reason: %(reason)s") % {"reason": reason},
        )
    return app


# --------------------------------------------------------------------------- export


def export_applications(*, actor: User, plan: SchoolPlan, applications) -> bytes:
    """The plan's applications as CSV (UTF-8 with BOM, for Excel), e.g. to file the list with
    the bureau. Children's data: audited as ``application.exported``.

    Errors: NotAllowed (only the school and its district's officials).
    """
    scope = Scope(actor)
    if not (scope.manages(plan.school) or scope.is_official(plan.district_id)):
        raise NotAllowed()
    out = io.StringIO()
    writer = csv.writer(out)
    groups = dict(PriorityGroup.choices)
    writer.writerow(
        [
            _("Class"),
            _("Student number"),
            pgettext("person", "Name"),
            _("Basic care"),
            _("Priority groups"),
            _("Status"),
            _("Approval order"),
            _("Needs accompaniment"),
            _("Agreement signed"),
            _("Insurance confirmed"),
            _("Last day of service"),
        ]
    )
    rows = 0
    for app in applications:
        rows += 1
        writer.writerow(
            [
                app.student.school_class.name,
                app.student.student_number,
                app.student.name,
                _("yes") if app.basic_care else _("no"),
                "、".join(str(groups[g]) for g in app.priority_groups if g in groups),
                app.get_status_display(),
                app.approval_rank or "",
                _("yes") if app.needs_accompaniment else "",
                _day(timezone.localdate(app.signed_at)) if app.signed_at else "",
                _day(timezone.localdate(app.insurance_confirmed_at))
                if app.insurance_confirmed_at
                else "",
                _day(app.withdrawal_effective_date) if app.withdrawal_effective_date else "",
            ]
        )
    record_event(actor=actor, action="application.exported", obj=plan, payload={"rows": rows})
    return ("\ufeff" + out.getvalue()).encode()


__all__ = [
    "Approval",
    "Decision",
    "apply_for_service",
    "approve_applications",
    "approve_withdrawal",
    "can_review",
    "change_application",
    "confirm_insurance",
    "decline_withdrawal",
    "export_applications",
    "publish_agreement",
    "publish_participant_list",
    "request_withdrawal",
    "review_application",
    "sign_agreement",
]
