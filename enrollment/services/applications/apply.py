"""A guardian applies for after-school service, and changes the application before review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import SchoolClass, User
from aftercare.texts import Text
from enrollment.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Channel,
    Student,
)
from enrollment.selectors.applications import (
    admission_for,
)
from enrollment.selectors.courses import current_published_plan
from enrollment.services.applications.common import (
    NOTE_MAX,
    USER_AGENT_MAX,
    _groups,
    _guardians,
    _Inbox,
    _lock,
    _require_guardian,
    _text,
    _to_family,
    family_url,
)
from enrollment.services.history import transition

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
        transition(
            application,
            event=ApplicationEvent.SUBMITTED,
            actor=actor,
            at=now,
            from_status="",
            payload={"channel": channel, "basic_care": application.basic_care},
        )
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
                title=Text(
                    gettext_noop("Application for %(student)s received"), student=student.name
                ),
                body=Text(
                    gettext_noop(
                        "%(parent)s applied for after-school service for %(student)s "
                        "(%(semester)s; basic care: %(basic)s). The class teacher reviews it next."
                    ),
                    parent=str(actor),
                    student=student.name,
                    semester=plan.semester.name,
                    basic=Text(
                        gettext_noop("yes") if application.basic_care else gettext_noop("no")
                    ),
                ),
                url=family_url(application),
            )
            teacher = student.school_class.homeroom_teacher
            if first_in_class and teacher is not None:
                inbox.add(
                    [teacher],
                    district=student.district,
                    title=Text(
                        gettext_noop("Applications from %(class)s have started to arrive"),
                        **{"class": student.school_class.name},
                    ),
                    body=Text(
                        gettext_noop(
                            "The first application of your class for %(semester)s came in. "
                            "Please review your class's applications."
                        ),
                        semester=plan.semester.name,
                    ),
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
            # A verification covers only what is still declared.
            app.priority_verified = [g for g in app.priority_verified if g in groups]
    if note is not None:
        note = _text(note, name="parent_note", limit=NOTE_MAX)
        if note != app.parent_note:
            changes["parent_note"] = True
            app.parent_note = note
    if not changes:
        return app
    app.save(
        update_fields=[
            "basic_care",
            "priority_groups",
            "priority_verified",
            "parent_note",
            "updated_at",
        ]
    )
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
