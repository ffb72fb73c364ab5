"""The plan's applications as CSV (e.g. to file the list with the bureau)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aftercare.audit import record_event
from aftercare.errors import NotAllowed
from aftercare.exports import csv_writer
from aftercare.models import User
from aftercare.tenancy import Scope
from enrollment.models import (
    PriorityGroup,
)
from enrollment.services.applications.common import (
    _day,
)
from plans.models import SchoolPlan

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
    writer = csv_writer(out)  # formula-like text is quoted
    groups = dict(PriorityGroup.choices)
    writer.writerow(
        [
            _("Class"),
            _("Student number"),
            pgettext("person", "Name"),
            _("Basic care"),
            _("Priority groups"),
            _("Priority groups verified by the school"),
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
                "、".join(str(groups[g]) for g in app.priority_verified if g in groups),
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
