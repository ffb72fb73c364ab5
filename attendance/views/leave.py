"""Leave pages: the family asks (请假), the homeroom teacher decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import Role
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import roles_required
from enrollment.models import Student

from ..forms import DecideLeaveForm, LeaveForm
from ..models import LeaveRequest, LeaveStatus
from ..selectors.leave import leave_for_family, leave_for_staff
from ..services import leave as services
from .common import require, show_error


def _children(request):
    return list(
        Student.objects.visible_to(request.scope)
        .filter(guardianships__user=request.user)
        .select_related("school_class")
        .distinct()
        .order_by("name")
    )


@roles_required(Role.PARENT)
def family_leave(request):
    children = _children(request)
    form = LeaveForm(request.POST or None, children=children)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = next(c for c in children if str(c.public_id) == data["student"])
        try:
            services.request_leave(
                actor=request.user,
                student=child,
                start_date=data["start_date"],
                end_date=data["end_date"],
                reason=data["reason"],
                note=data["note"],
            )
        except DomainError as err:
            show_error(request, err, form)
            status = err.status
        else:
            messages.success(request, _("Leave requested; the teacher has been told."))
            return redirect("attendance_family_leave")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "attendance/family_leave.html",
        {
            "form": form,
            "leaves": leave_for_family(scope=request.scope, user=request.user)[:60],
            "today": timezone.localdate(),
            "nav": "family-leave",
        },
        status=status,
    )


@require_POST
@login_required
def family_leave_cancel(request, leave_id):
    leave = get_visible_or_404(
        LeaveRequest.objects.select_related("student"), request.scope, public_id=leave_id
    )
    try:
        services.cancel_leave(actor=request.user, leave=leave)
    except DomainError as err:
        show_error(request, err)
    else:
        messages.success(request, _("Leave request cancelled."))
    return redirect("attendance_family_leave")


@login_required
def leave_queue(request):
    scope = request.scope
    require(bool(scope.manager_schools) or Role.HOMEROOM_TEACHER in scope.roles)
    return render(
        request,
        "attendance/leave_queue.html",
        {
            "pending": list(leave_for_staff(scope=scope)),
            "decided": list(
                leave_for_staff(scope=scope, status=None)
                .exclude(status=LeaveStatus.PENDING)
                .order_by("-decided_at")[:30]
            ),
            "form": DecideLeaveForm(),
            "nav": "attendance-leave",
        },
    )


@require_POST
@login_required
def leave_decide(request, leave_id, decision):
    leave = get_visible_or_404(
        LeaveRequest.objects.select_related("student__school_class"),
        request.scope,
        public_id=leave_id,
    )
    if decision not in ("approve", "refuse"):
        return redirect("attendance_leave_queue")
    try:
        services.decide_leave(
            actor=request.user,
            leave=leave,
            approve=decision == "approve",
            note=request.POST.get("note", ""),
        )
    except DomainError as err:
        show_error(request, err)
    else:
        messages.success(
            request,
            (
                _("Leave of %(name)s approved.")
                if decision == "approve"
                else _("Leave of %(name)s refused.")
            )
            % {"name": leave.student.name},
        )
    return redirect("attendance_leave_queue")
