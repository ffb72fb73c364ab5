"""The class review (班级审核) by the homeroom teacher."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import User
from enrollment.models import (
    Application,
    ApplicationStatus,
)
from enrollment.selectors.applications import (
    REVIEWABLE,
)
from enrollment.services.applications.common import (
    REASON_MAX,
    Decision,
    _Inbox,
    _lock,
    _managers,
    _require_reviewer,
    _text,
    _to_family,
    school_url,
)
from enrollment.services.history import transition

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
    transition(
        app,
        event=status,  # the class review's events are named after the status they lead to
        actor=actor,
        at=now,
        reason=note if decision == Decision.REJECT else "",
        payload={"note": note, "needs_accompaniment": bool(needs_accompaniment)}
        if decision != Decision.REJECT
        else {},
    )
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


def review_applications(
    *, actor: User, applications: list[Application], now: datetime | None = None
) -> tuple[list[Application], int]:
    """Batch class review: approve several applications at once (the teacher confirmed the
    list first). One transaction; each application is locked and approved in id order (the
    project's lock order, so two batches over the same class cannot deadlock). One already
    decided meanwhile is skipped and counted; another class's application refuses the whole
    batch (NotAllowed, nothing written). Returns (approved, skipped).

    Errors: InvalidInput ``nothing_selected`` for an empty list — an empty selection never
    means "all"."""
    if not applications:
        raise InvalidInput(_("Select the applications to approve first."), code="nothing_selected")
    now = now or timezone.now()
    approved: list[Application] = []
    skipped = 0
    with transaction.atomic():
        for app in sorted(applications, key=lambda a: a.pk):
            try:
                approved.append(
                    review_application(
                        actor=actor, application=app, decision=Decision.APPROVE, now=now
                    )
                )
            except Conflict:
                skipped += 1
    return approved, skipped
