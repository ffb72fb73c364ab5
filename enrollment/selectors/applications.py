"""Reads for the application pages and API: who sees which applications, in which order.

Every list starts from ``Application.objects.visible_to(scope)`` and loads what its page shows
in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.models import School, Semester
from aftercare.selectors import count_of
from aftercare.tenancy import Scope
from enrollment.lottery import mask_name
from enrollment.models import (
    PRIORITY_ORDER,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ApplicationTransition,
    ServiceAgreement,
    Student,
)
from enrollment.selectors.courses import current_published_plan
from enrollment.selectors.families import children_of, student_number_match
from plans.models import (
    DistrictPolicy,
    PlanStatus,
    PlanVersion,
    RegistrationWindow,
    SchoolPlan,
    WindowKind,
)

# Statuses a class review may still change (the school has not decided yet).
REVIEWABLE = (
    ApplicationStatus.APPLIED,
    ApplicationStatus.CLASS_APPROVED,
    ApplicationStatus.FLAGGED,
    ApplicationStatus.REJECTED,
)
# What a bulk approval takes when nothing is selected: flagged and rejected ones only when
# the school picks them one by one.
BULK_DEFAULT = (ApplicationStatus.APPLIED, ApplicationStatus.CLASS_APPROVED)
# Children who take part (listed publicly, counted as participants).
PARTICIPATING = (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED)


def priority_tier():
    """0 for the first group of ``PRIORITY_ORDER`` the school verified for an application,
    …, and ``len(PRIORITY_ORDER)`` for none: the first key of the approval order. A group
    the family only declared does not count."""
    return Case(
        *[
            When(priority_verified__contains=[group], then=Value(index))
            for index, group in enumerate(PRIORITY_ORDER)
        ],
        default=Value(len(PRIORITY_ORDER)),
        output_field=IntegerField(),
    )


def tier_of(groups) -> int:
    """``priority_tier`` in Python, for one application's verified groups."""
    return min(
        (PRIORITY_ORDER.index(g) for g in groups if g in PRIORITY_ORDER),
        default=len(PRIORITY_ORDER),
    )


# Priority groups first (by tier), then lower grades, then first come first served.
APPROVAL_ORDER = ("priority_tier", "student__school_class__grade", "applied_at", "id")


def with_details(qs: QuerySet[Application]) -> QuerySet[Application]:
    """What the application cards and serializers read, joined in the same query."""
    return qs.select_related(
        "student",
        "student__school_class",
        "school",
        "semester",
        "plan",
        "agreement",
        "applied_by",
        "class_reviewed_by",
    )


def applications_for(*, scope: Scope) -> QuerySet[Application]:
    """Applications the caller may see: officials their district, schools their own,
    homeroom teachers their classes', guardians their children's."""
    return with_details(Application.objects.visible_to(scope)).annotate(
        priority_tier=priority_tier()
    )


# --------------------------------------------------------------------------- admission


def fmt_time(value: datetime) -> str:
    return date_format(timezone.localtime(value), "Y-m-d H:i")


@dataclass
class Admission:
    """Whether a parent may apply now, and the registration times to show them."""

    open: bool
    windows: list[RegistrationWindow]
    mid_semester: bool
    semester: Semester
    semester_over: bool

    def times(self) -> str:
        return "；".join(
            _("%(opens)s to %(closes)s")
            % {"opens": fmt_time(w.opens_at), "closes": fmt_time(w.closes_at)}
            for w in self.windows
        )

    def refusal(self) -> str:
        if self.semester_over:
            return _("The semester %(semester)s has ended; applications are closed.") % {
                "semester": self.semester.name
            }
        if not self.windows:
            return _("The school has not opened applications for after-school service.")
        return _("Applications are closed. Registration times: %(times)s.") % {
            "times": self.times()
        }


def admission(
    *,
    semester: Semester,
    windows: list[RegistrationWindow],
    policy: DistrictPolicy | None,
    basic_care: bool,
    now: datetime,
) -> Admission:
    """Applying is open inside a basic-care registration window of the published plan, or at
    any time until the semester's last day when the district lets families join basic care
    mid-semester. An application without basic care (extended courses only) may also be
    made inside an extended-course window."""
    kinds = {WindowKind.BASIC} if basic_care else {WindowKind.BASIC, WindowKind.EXTENDED}
    relevant = sorted(
        (w for w in windows if w.kind in kinds), key=lambda w: (w.opens_at, w.kind, w.round)
    )
    mid = bool(policy and policy.basic_join_mid_semester)
    over = timezone.localdate(now) > semester.end_date
    in_window = any(w.opens_at <= now < w.closes_at for w in relevant)
    return Admission(
        open=in_window or (mid and not over),
        windows=[w for w in relevant if w.kind == WindowKind.BASIC] or relevant,
        mid_semester=mid,
        semester=semester,
        semester_over=over,
    )


def admission_for(
    plan: SchoolPlan, version: PlanVersion, *, basic_care: bool, now: datetime
) -> Admission:
    from plans.checks import current_policy

    return admission(
        semester=plan.semester,
        windows=list(version.windows.all()),
        policy=current_policy(plan.semester),
        basic_care=basic_care,
        now=now,
    )


def latest_agreement(*, school_id: int, semester_id: int) -> ServiceAgreement | None:
    return (
        ServiceAgreement.objects.filter(school_id=school_id, semester_id=semester_id)
        .order_by("-version")
        .first()
    )


# --------------------------------------------------------------------------- timeline


@dataclass(frozen=True)
class Step:
    """One line of the parent's timeline: a row of the application's history."""

    event: str
    label: str
    at: datetime
    state: str  # ok | warn | err
    reason: str = ""


STEP_STATE = {
    ApplicationEvent.FLAGGED: "warn",
    ApplicationEvent.REJECTED: "err",
    ApplicationEvent.WITHDRAWAL_REQUESTED: "warn",
    ApplicationEvent.WITHDRAWN: "err",
}
PARENT_LABELS = {
    ApplicationEvent.FLAGGED: gettext_lazy("Class teacher passed it to the school with a note"),
    ApplicationEvent.ACTIVATED: gettext_lazy("Enrolled: the child may attend"),
}


def with_history(qs: QuerySet[Application]) -> QuerySet[Application]:
    """Prefetch each application's history (one query for the whole list)."""
    return qs.prefetch_related(
        Prefetch("transitions", queryset=ApplicationTransition.objects.order_by("at", "id"))
    )


def attach_timeline(app: Application) -> Application:
    """``app.timeline``: the steps that happened, read from the history (not the columns);
    ``app.next_steps``: what is still to come, from the current state."""
    app.timeline = [
        Step(
            event=t.event,
            label=str(PARENT_LABELS.get(t.event) or t.get_event_display()),
            at=t.at,
            state=STEP_STATE.get(t.event, "ok"),
            reason=t.reason if t.event != ApplicationEvent.FLAGGED else "",
        )
        for t in app.transitions.all()
    ]
    todo = []
    status = app.status
    if status == ApplicationStatus.APPLIED:
        todo.append(_("Class teacher's review"))
    if status in (
        ApplicationStatus.APPLIED,
        ApplicationStatus.CLASS_APPROVED,
        ApplicationStatus.FLAGGED,
    ):
        todo.append(_("School approval"))
    if status in PARTICIPATING or todo:
        if app.signed_at is None:
            todo.append(_("Service agreement signed"))
        if app.insurance_confirmed_at is None:
            todo.append(_("Accident insurance (学平险) confirmed"))
    app.next_steps = todo
    return app


# --------------------------------------------------------------------------- family


@dataclass
class ChildRow:
    """One child on the parent's applications page."""

    student: Student
    plan: SchoolPlan | None = None
    version: PlanVersion | None = None
    application: Application | None = None
    admission: Admission | None = None
    agreement: ServiceAgreement | None = None  # the latest version, to sign

    @property
    def can_apply(self) -> bool:
        return (
            self.application is None
            and self.plan is not None
            and self.admission is not None
            and self.admission.open
            and self.student.is_active
        )


def family_overview(*, user, scope: Scope, now: datetime) -> list[ChildRow]:
    """Each of the parent's children with the school's current plan, the child's application
    for its semester, whether applying is open, and the agreement to sign. A fixed number of
    queries: one per distinct school for its plan, the rest batched."""
    from plans.checks import current_policy

    children = list(children_of(user=user, scope=scope))
    today = timezone.localdate(now)
    plans: dict[int, tuple[SchoolPlan, PlanVersion] | None] = {}
    for child in children:
        if child.school_id not in plans:
            plans[child.school_id] = current_published_plan(child.school, today)
    found = [p for p in plans.values() if p is not None]
    windows: dict[int, list[RegistrationWindow]] = {}
    for w in RegistrationWindow.objects.filter(version__in=[v for _p, v in found]):
        windows.setdefault(w.version_id, []).append(w)
    policies = {}
    for plan, _v in found:
        if plan.semester_id not in policies:
            policies[plan.semester_id] = current_policy(plan.semester)
    semester_ids = {plan.semester_id for plan, _v in found}
    apps = {
        (a.student_id, a.semester_id): attach_timeline(a)
        for a in with_history(
            with_details(
                Application.objects.visible_to(scope).filter(
                    student__in=children, semester_id__in=semester_ids
                )
            )
        )
    }
    agreements: dict[tuple[int, int], ServiceAgreement] = {}
    for agreement in ServiceAgreement.objects.filter(
        school_id__in=plans.keys(), semester_id__in=semester_ids
    ).order_by("version"):
        agreements[(agreement.school_id, agreement.semester_id)] = agreement
    rows = []
    for child in children:
        row = ChildRow(student=child)
        pair = plans.get(child.school_id)
        if pair is not None:
            row.plan, row.version = pair
            row.application = apps.get((child.pk, row.plan.semester_id))
            row.admission = admission(
                semester=row.plan.semester,
                windows=windows.get(row.version.pk, []),
                policy=policies[row.plan.semester_id],
                basic_care=True,
                now=now,
            )
            row.agreement = agreements.get((child.school_id, row.plan.semester_id))
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- teacher


def teacher_applications(*, user, scope: Scope, status: str | None = None) -> QuerySet:
    """Applications from the classes whose homeroom teacher ``user`` is, newest semester
    first, then class and student number."""
    qs = applications_for(scope=scope).filter(student__school_class__homeroom_teacher=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by(
        "-semester__start_date",
        "student__school_class__grade",
        "student__school_class__number",
        "student__student_number",
    )


def status_counts(qs: QuerySet[Application]) -> dict[str, int]:
    """Applications per status (one query)."""
    rows = qs.order_by().values("status").annotate(n=Count("id")).values_list("status", "n")
    counts = Counter(dict(rows))
    counts["all"] = sum(counts.values())
    return dict(counts)


# --------------------------------------------------------------------------- school


def school_plans(*, school: School) -> list[SchoolPlan]:
    """The school's plans that have been published (newest semester first)."""
    return list(
        SchoolPlan.objects.filter(
            school=school,
            versions__status__in=[PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED],
        )
        .select_related("semester")
        .distinct()
        .order_by("-semester__start_date")
    )


def school_applications(
    *,
    scope: Scope,
    plan: SchoolPlan,
    status: str | None = None,
    school_class=None,
    priority: str | None = None,
    basic_care: bool | None = None,
    search: str = "",
) -> QuerySet[Application]:
    """A plan's applications in approval order, with the page's filters."""
    qs = applications_for(scope=scope).filter(plan=plan)
    if status:
        qs = qs.filter(status=status)
    if school_class is not None:
        qs = qs.filter(student__school_class=school_class)
    if priority == "any":
        qs = qs.exclude(priority_groups=[])
    elif priority == "none":
        qs = qs.filter(priority_groups=[])
    elif priority:
        qs = qs.filter(priority_groups__contains=[priority])
    if basic_care is not None:
        qs = qs.filter(basic_care=basic_care)
    search = (search or "").strip()
    if search:
        qs = qs.filter(
            Q(student__name__icontains=search) | student_number_match(search, path="student__")
        )
    return qs.order_by(*APPROVAL_ORDER)


def last_rank(plan: SchoolPlan) -> int:
    """The highest approval rank handed out in the plan so far (0: none)."""
    return Application.objects.filter(plan=plan).aggregate(m=Max("approval_rank"))["m"] or 0


def plan_summary(plan: SchoolPlan) -> dict:
    """Counts for the school page: per status, listed, signed, insured, active."""
    return Application.objects.filter(plan=plan).aggregate(
        listed=Count("id", filter=Q(listed_at__isnull=False, status__in=PARTICIPATING)),
        unlisted=Count("id", filter=Q(listed_at__isnull=True, status__in=PARTICIPATING)),
        signed=Count("id", filter=Q(signed_at__isnull=False, status__in=PARTICIPATING)),
        insured=Count(
            "id", filter=Q(insurance_confirmed_at__isnull=False, status__in=PARTICIPATING)
        ),
        active=Count(
            "id",
            filter=Q(
                signed_at__isnull=False,
                insurance_confirmed_at__isnull=False,
                status__in=PARTICIPATING,
            ),
        ),
    )


def withdrawal_queue(*, scope: Scope, plan: SchoolPlan) -> QuerySet[Application]:
    return (
        applications_for(scope=scope)
        .filter(plan=plan, status=ApplicationStatus.WITHDRAWAL_REQUESTED)
        .order_by("withdrawal_requested_at", "id")
    )


def agreements_of(plan: SchoolPlan) -> list[ServiceAgreement]:
    return list(
        ServiceAgreement.objects.filter(school_id=plan.school_id, semester_id=plan.semester_id)
        .select_related("created_by")
        .annotate(n_signed=count_of(Application.objects.filter(agreement=OuterRef("pk"))))
        .order_by("-version")
    )


# --------------------------------------------------------------------------- public list


@dataclass
class PublicClass:
    name: str
    names: list[str] = field(default_factory=list)


def public_participants(plan: SchoolPlan) -> list[PublicClass]:
    """The published list (公示): participants by class, names masked, nothing else."""
    rows = (
        Application.objects.filter(plan=plan, listed_at__isnull=False, status__in=PARTICIPATING)
        .select_related("student__school_class")
        .only(
            "student__name",
            "student__student_number",
            "student__school_class__grade",
            "student__school_class__number",
            "student__school_class__id",
        )
        .order_by(
            "student__school_class__grade",
            "student__school_class__number",
            "student__student_number",
        )
    )
    classes: dict[int, PublicClass] = {}
    for app in rows:
        klass = app.student.school_class
        entry = classes.setdefault(klass.pk, PublicClass(name=str(klass.name)))
        entry.names.append(mask_name(app.student.name))
    return list(classes.values())


def guardians_prefetch():
    from enrollment.models import Guardianship

    return Prefetch("student__guardianships", queryset=Guardianship.objects.select_related("user"))
