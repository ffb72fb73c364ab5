"""Shared helpers of the application services: role checks, row locks, text checks, links,
and the inbox collector."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.audit import register_actions
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, Membership, User
from aftercare.notifications import notify_many
from aftercare.tenancy import Scope
from aftercare.texts import Text
from enrollment.models import (
    PRIORITY_ORDER,
    Application,
    Guardianship,
    PriorityGroup,
    ServiceAgreement,
    Student,
)
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
    """Collects inbox messages and records them (``notify_many``) when the block ends
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
            notify_many(self.items)  # delivered after the transaction commits

    def add(
        self, users, *, district, title: Text | str, body: Text | str = "", url: str = ""
    ) -> None:
        seen = set()
        for user in users:
            if user.pk in seen:
                continue
            seen.add(user.pk)
            self.items.append(
                {
                    "recipient": user,
                    "district": district,
                    # A Text stays one (the inbox renders it in the reader's language).
                    "title": title if isinstance(title, Text) else str(title),
                    "body": body if isinstance(body, Text) else str(body),
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
    inbox: _Inbox,
    application: Application,
    title: Text | str,
    body: Text | str = "",
    url: str = "",
) -> None:
    inbox.add(
        _guardians([application.student_id]).get(application.student_id, []),
        district=application.school.district,
        title=title,
        body=body,
        url=url or family_url(application),
    )
