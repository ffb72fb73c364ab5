"""The teacher's pages of a session: roll call (点名), pickup (接送) and closing the group,
staff check-in; the teacher's day."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import TEACHER_ROLES

from ..access import lookup_session
from ..models import MarkStatus
from ..selectors.roll import roll_sheet, sheet_counts, teacher_sessions_on
from ..selectors.staff import session_staff
from ..services import pickup as pickup_services
from ..services import roll as roll_services
from ..services import staff as staff_services
from .common import require, show_error


@login_required
def today(request):
    """The teacher's sessions of today with their roll state (their start page)."""
    require(bool(request.scope.roles & TEACHER_ROLES) or bool(request.scope.manager_schools))
    day = timezone.localdate()
    return render(
        request,
        "attendance/today.html",
        {"sessions": teacher_sessions_on(request.user, day), "today": day, "nav": "attendance"},
    )


def _session_context(request, session, access, tab):
    return {
        "session": session,
        "access": access,
        "tab": tab,
        "is_today": session.date == timezone.localdate(),
        "nav": "attendance",
    }


@login_required
def roll(request, session_id):
    session, access = lookup_session(request.scope, session_id)
    require(access.can_read)
    status = 200
    posted = None
    reason = ""
    if request.method == "POST":
        require(access.can_take_roll)
        marks = []
        posted = {}
        for key, value in request.POST.items():
            if key.startswith("m-"):
                try:
                    child = uuid.UUID(key[2:])
                except ValueError:
                    continue
                marks.append(roll_services.MarkInput(child, value))
                posted[str(child)] = value
        try:
            submission = uuid.UUID(request.POST.get("submission_id", ""))
        except ValueError:
            submission = uuid.uuid4()
        reason = request.POST.get("reason", "")
        try:
            outcome = roll_services.submit_roll(
                actor=request.user,
                session=session,
                marks=marks,
                submission_id=submission,
                all_present="all_present" in request.POST,
                reason=reason,
                access=access,
            )
        except DomainError as err:
            show_error(request, err)
            status = err.status
        else:
            c = outcome.counts
            messages.success(
                request,
                _(
                    "Roll saved: %(here)d present, %(late)d late, %(absent)d absent, "
                    "%(leave)d on leave."
                )
                % {
                    "here": c["present"],
                    "late": c["late"],
                    "absent": c["absent"],
                    "leave": c["leave"],
                },
            )
            return redirect("attendance_roll", session.public_id)
    rows = roll_sheet(session)
    for row in rows:
        row.shown = (posted or {}).get(str(row.student.public_id), row.status)
    context = _session_context(request, session, access, "roll")
    context.update(
        rows=rows,
        counts=sheet_counts(rows),
        submission_id=uuid.uuid4(),
        statuses=[
            (MarkStatus.PRESENT, _("Present"), pgettext("roll button", "P")),
            (MarkStatus.LATE, _("Late"), pgettext("roll button", "L")),
            (MarkStatus.ABSENT, _("Absent"), pgettext("roll button", "A")),
        ],
        after_day=session.date < timezone.localdate(),
        reason=reason,
        api_url=reverse("api-attendance-roll", args=[session.public_id]),
    )
    return render(request, "attendance/roll.html", context, status=status)


@login_required
def pickup(request, session_id):
    session, access = lookup_session(request.scope, session_id)
    require(access.can_read)
    status = 200
    if request.method == "POST":
        require(access.can_take_roll)
        try:
            pickup_services.record_pickup(
                actor=request.user,
                session=session,
                student=uuid.UUID(request.POST.get("student", "")),
                person=uuid.UUID(request.POST.get("person", "")),
                access=access,
            )
        except ValueError:
            messages.error(request, _("Choose the child and who picked them up."))
            status = 400
        except DomainError as err:
            show_error(request, err)
            status = err.status
        else:
            messages.success(request, _("Pickup recorded."))
            return redirect("attendance_pickup", session.public_id)
    rows = roll_sheet(session)
    context = _session_context(request, session, access, "pickup")
    context.update(
        waiting=[r for r in rows if r.here and r.departure is None],
        gone=sorted(
            (r for r in rows if r.departure is not None), key=lambda r: r.departure.at, reverse=True
        ),
        counts=sheet_counts(rows),
    )
    return render(request, "attendance/pickup.html", context, status=status)


@require_POST
@login_required
def close(request, session_id):
    session, access = lookup_session(request.scope, session_id)
    require(access.can_take_roll)
    try:
        pickup_services.close_group(actor=request.user, session=session, access=access)
    except DomainError as err:
        show_error(request, err)
    else:
        messages.success(
            request, _("%(group)s is closed: every child has left.") % {"group": session.group.name}
        )
    return redirect("attendance_pickup", session.public_id)


@login_required
def staff(request, session_id):
    """Check in and out (the teacher); the duty leader's records are on the duty page."""
    session, access = lookup_session(request.scope, session_id)
    require(access.can_read)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "check_in":
                staff_services.check_in(actor=request.user, session=session)
                messages.success(request, _("Checked in."))
            elif action == "check_out":
                staff_services.check_out(actor=request.user, session=session)
                messages.success(request, _("Checked out."))
        except DomainError as err:
            show_error(request, err)
        return redirect("attendance_staff", session.public_id)
    context = _session_context(request, session, access, "staff")
    context["staff"] = session_staff(session)
    context["me"] = next(
        (s for s in context["staff"] if s["staff"].user_id == request.user.pk), None
    )
    return render(request, "attendance/staff.html", context)
