"""The service agreement (服务协议) and the accident insurance (学平险)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from aftercare.rules import require_school_manager
from enrollment.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    ServiceAgreement,
)
from enrollment.selectors.applications import (
    PARTICIPATING,
    latest_agreement,
)
from enrollment.services.applications.common import (
    AGREEMENT_MAX,
    POLICY_NUMBER_MAX,
    TITLE_MAX,
    _day,
    _guardians,
    _Inbox,
    _lock,
    _lock_plan,
    _require_guardian,
    _text,
    _to_family,
    agreement_url,
)
from enrollment.services.history import transition
from plans.models import SchoolPlan

# --------------------------------------------------------------------------- agreement


@transaction.atomic
def publish_agreement(*, actor: User, plan: SchoolPlan, title: str, body: str) -> ServiceAgreement:
    """Write a new version of the school's service agreement (服务协议) for the plan's
    semester. Earlier signatures stay valid (they name the version signed); new signatures
    use the latest version. Families with an approved child who has not signed yet are told.
    Audited as ``agreement.published``.

    Errors: NotAllowed, InvalidInput (title, body).
    """
    require_school_manager(actor, plan.school)
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
    transition(
        app,
        event=ApplicationEvent.AGREEMENT_SIGNED,
        actor=actor,
        at=now,
        payload={"agreement": str(agreement.public_id), "version": agreement.version},
    )
    _activated(app, actor=actor, at=now)
    record_event(
        actor=actor,
        action="agreement.signed",
        obj=app,
        payload={"agreement": str(agreement.public_id), "version": agreement.version},
        ip_address=client_ip or None,
    )
    _tell_active_or_next(app, signed=True)
    return app


def _activated(app: Application, *, actor: User, at: datetime) -> None:
    """The step that made the child a participant (approved, signed and insured): the row
    billing will start from."""
    if app.is_active:
        transition(app, event=ApplicationEvent.ACTIVATED, actor=actor, at=at)


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
    if first:
        transition(app, event=ApplicationEvent.INSURANCE_CONFIRMED, actor=actor, at=now)
        _activated(app, actor=actor, at=now)
    record_event(
        actor=actor,
        action="application.insurance_confirmed",
        obj=app,
        payload={"policy_number": policy_number, "first": first},
        ip_address=client_ip or None,
    )
    _tell_active_or_next(app, signed=False)
    return app
