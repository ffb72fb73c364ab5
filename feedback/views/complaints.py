"""Complaint pages: the family files and follows, the school handles, the district oversees.

Every page shows a complaint through ``selectors.complaints.project(complaint, side)``; the
side comes from ``rules.side_of`` (what the reader is to this complaint), so an anonymous
complaint never shows its family on a school page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftercare.audit import record_event
from aftercare.errors import DomainError, InvalidInput
from aftercare.models import Role, School
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import apply_domain_error, domain_errors
from enrollment.models import Student
from scheduling.models import StaffMember

from .. import rules
from ..export import complaints_dataset, xlsx_response
from ..forms import (
    AcknowledgeForm,
    CloseForm,
    ComplaintFilterForm,
    ComplaintForm,
    DecisionForm,
    HotlineForm,
    NoteForm,
    ReasonForm,
)
from ..models import Complaint, ComplaintAttachment, ComplaintStatus, Side
from ..selectors import complaints as selectors
from ..selectors.evaluations import evaluations_for, family_evaluations
from ..services import complaints as services
from .common import children_of, children_teachers, managed_school, recent_sessions, require

LIST_LIMIT = 200


def _render(request, template, context, status=200):
    return render(request, template, context, status=status)


# --------------------------------------------------------------------------- the family


@roles_required(Role.PARENT)
def family(request):
    """The family's feedback page: evaluations to answer, their complaints, file one."""
    now = timezone.now()
    complaints = list(
        selectors.family_complaints(scope=request.scope, user=request.user)[:LIST_LIMIT]
    )
    return _render(
        request,
        "feedback/family.html",
        {
            "nav": "family-feedback",
            "evaluations": family_evaluations(scope=request.scope, user=request.user, now=now),
            "complaints": [
                selectors.project(c, Side.FAMILY, now=now, full=False) for c in complaints
            ],
            "now": now,
        },
    )


@roles_required(Role.PARENT)
def complaint_new(request):
    children = children_of(request)
    require(bool(children), _("Bind your child first."))
    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        children=children,
        sessions=recent_sessions(children),
        staff=children_teachers(children),
    )
    if request.method == "GET" and request.GET.get("student") in form.children:
        form.initial["student"] = request.GET["student"]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.file_complaint(
                    actor=request.user,
                    category=data["category"],
                    description=data["description"],
                    incident_date=data["incident_date"],
                    anonymous=data["anonymous"],
                    files=data["files"],
                    **form.cleaned_objects(),
                )
            except DomainError as err:
                if err.status == 403:
                    raise
                apply_domain_error(form, err)
                status = err.status
            else:
                messages.success(
                    request,
                    _("Complaint %(ref)s sent. The school must acknowledge it by %(due)s.")
                    % {
                        "ref": complaint.reference,
                        "due": timezone.localtime(complaint.ack_due_at).strftime("%m-%d %H:%M"),
                    },
                )
                return redirect("complaint_detail", complaint.public_id)
        else:
            status = 400
    return _render(
        request,
        "feedback/complaint_form.html",
        {"form": form, "nav": "family-feedback"},
        status=status,
    )


# --------------------------------------------------------------------------- one complaint


def _complaint(request, complaint_id) -> tuple[Complaint, str]:
    complaint = get_visible_or_404(
        selectors.with_timeline(Complaint.objects.select_related(*selectors.LIST_RELATED)),
        request.scope,
        public_id=complaint_id,
    )
    side = rules.side_of(request.scope, complaint)
    if side is None:  # e.g. a teacher named in an open complaint: not theirs to read
        raise Http404
    return complaint, side


def _school_staff(complaint: Complaint):
    return list(
        StaffMember.objects.filter(school_id=complaint.school_id, is_active=True).order_by(
            "full_name"
        )
    )


def _detail(request, complaint, side, *, forms=None, status=200):
    now = timezone.now()
    forms = forms or {}
    shown = selectors.project(complaint, side, now=now)
    actions = {}
    if side == Side.SCHOOL:
        if complaint.status == ComplaintStatus.SUBMITTED:
            actions["acknowledge"] = forms.get("acknowledge") or AcknowledgeForm()
        if complaint.is_open:
            actions["close"] = forms.get("close") or CloseForm(
                staff=_school_staff(complaint),
                initial={"staff": str(complaint.staff.public_id) if complaint.staff_id else ""},
            )
    if side == Side.FAMILY:
        closed = complaint.status == ComplaintStatus.CLOSED and complaint.upheld_at is None
        if closed or complaint.is_overdue(now):
            actions["escalate"] = forms.get("escalate") or ReasonForm()
    if side == Side.DISTRICT:
        if complaint.status == ComplaintStatus.ESCALATED and complaint.outcome:
            actions["uphold"] = forms.get("uphold") or DecisionForm(prefix="uphold")
        if complaint.status in (ComplaintStatus.ESCALATED, ComplaintStatus.CLOSED):
            actions["reopen"] = forms.get("reopen") or DecisionForm(prefix="reopen")
    if side in (Side.FAMILY, Side.SCHOOL, Side.DISTRICT):
        actions["note"] = forms.get("note") or NoteForm()
    return _render(
        request,
        "feedback/complaint_detail.html",
        {
            "c": shown,
            "side": side,
            "actions": actions,
            "now": now,
            "nav": {
                Side.FAMILY: "family-feedback",
                Side.SCHOOL: f"feedback-{complaint.school_id}",
                Side.DISTRICT: "district-feedback",
            }.get(side, "teacher-evaluations"),
        },
        status=status,
    )


@login_required
@domain_errors
def complaint_detail(request, complaint_id):
    complaint, side = _complaint(request, complaint_id)
    return _detail(request, complaint, side)


ACTIONS = {"acknowledge", "close", "note", "escalate", "reopen", "uphold"}


@login_required
@require_POST
@domain_errors
def complaint_action(request, complaint_id, action):
    complaint, side = _complaint(request, complaint_id)
    if action not in ACTIONS:
        raise Http404
    user = request.user
    if action == "acknowledge":
        require(side == Side.SCHOOL)
        form = AcknowledgeForm(request.POST)
        call = lambda data: services.acknowledge_complaint(  # noqa: E731
            actor=user, complaint=complaint, note=data["note"]
        )
        done = _("Acknowledged; the family has been told.")
    elif action == "close":
        require(side == Side.SCHOOL)
        form = CloseForm(request.POST, staff=_school_staff(complaint))

        def call(data):
            return services.close_complaint(
                actor=user,
                complaint=complaint,
                outcome=data["outcome"],
                findings=data["findings"],
                staff=form.staff_members.get(data.get("staff") or ""),
                deduction_percent=data.get("deduction_percent"),
                deduction_month=data.get("deduction_month"),
            )

        done = _("Closed; the family has the findings.")
    elif action == "note":
        require(side in (Side.FAMILY, Side.SCHOOL, Side.DISTRICT))
        form = NoteForm(request.POST, request.FILES)
        call = lambda data: services.add_note(  # noqa: E731
            actor=user, complaint=complaint, side=side, note=data["note"], files=data["files"]
        )
        done = _("Sent.")
    elif action == "escalate":
        require(side == Side.FAMILY)
        form = ReasonForm(request.POST)
        call = lambda data: services.escalate_complaint(  # noqa: E731
            actor=user, complaint=complaint, reason=data["reason"]
        )
        done = _("The complaint is with the district now.")
    else:
        require(side == Side.DISTRICT)
        form = DecisionForm(request.POST, prefix=action)
        service = services.reopen_complaint if action == "reopen" else services.uphold_complaint
        call = lambda data: service(actor=user, complaint=complaint, note=data["note"])  # noqa: E731
        done = _("Reopened for the school.") if action == "reopen" else _("Upheld.")
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except DomainError as err:
            if err.status in (403, 409):
                raise
            apply_domain_error(form, err)
        else:
            messages.success(request, done)
            return redirect("complaint_detail", complaint.public_id)
    complaint, side = _complaint(request, complaint_id)
    return _detail(request, complaint, side, forms={action: form}, status=400)


def attachment_response(scope, attachment_id) -> FileResponse:
    """A complaint's photo or PDF: the filing family, the school's managers and the
    district's officials; anyone else (a teacher included) gets 404. The school gets a
    numbered file name for an anonymous complaint's family files."""
    item = get_visible_or_404(
        ComplaintAttachment.objects.select_related("complaint__staff"),
        scope,
        public_id=attachment_id,
    )
    complaint = item.complaint
    if not rules.can_read_files(scope, complaint):
        raise Http404
    side = rules.side_of(scope, complaint)
    siblings = list(
        complaint.attachments.order_by("uploaded_at", "id").values_list("pk", flat=True)
    )
    name = selectors.attachment_name(item, side, siblings.index(item.pk) + 1)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as err:
        raise Http404 from err
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = content_disposition_header(
        item.content_type == "application/pdf", name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment(request, attachment_id):
    return attachment_response(request.scope, attachment_id)


# --------------------------------------------------------------------------- the school


def _filtered(request, qs, now):
    form = ComplaintFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_valid() else {}
    return form, selectors.filter_list(qs, params, now=now)


@login_required
@domain_errors
def school_feedback(request, school_id):
    school = managed_school(request, school_id)
    now = timezone.now()
    side = Side.DISTRICT if request.scope.is_official(school.district_id) else Side.SCHOOL
    form, qs = _filtered(
        request, selectors.school_complaints(scope=request.scope, school=school), now
    )
    complaints = [selectors.project(c, side, now=now, full=False) for c in qs[:LIST_LIMIT]]
    evaluations = list(
        evaluations_for(scope=request.scope).filter(
            Q(school=school) | Q(school__isnull=True, district_id=school.district_id)
        )
    )
    return _render(
        request,
        "feedback/school.html",
        {
            "school": school,
            "complaints": complaints,
            "filter_form": form,
            "evaluations": evaluations,
            "can_open": rules.can_open_evaluation(request.scope, school.district_id, school),
            "overdue": selectors.overdue_complaints(
                district=school.district, school=school, now=now
            ).count(),
            "nav": f"feedback-{school.pk}",
            "now": now,
        },
    )


@login_required
@domain_errors
def school_export(request, school_id):
    school = managed_school(request, school_id)
    side = Side.DISTRICT if request.scope.is_official(school.district_id) else Side.SCHOOL
    _form, qs = _filtered(
        request, selectors.school_complaints(scope=request.scope, school=school), timezone.now()
    )
    data = complaints_dataset(qs, side)  # every complaint: no silent cut
    record_event(
        actor=request.user, action="complaint.exported", obj=school, payload={"rows": data.height}
    )
    return xlsx_response(data, f"{school.name}-投诉-{timezone.localdate():%Y%m%d}.xlsx")


# --------------------------------------------------------------------------- the district


@roles_required(Role.DISTRICT_OFFICIAL)
def district_feedback(request):
    district = current_district(request)
    now = timezone.now()
    base = selectors.district_complaints(scope=request.scope, district=district)
    form, qs = _filtered(request, base, now)
    school = request.GET.get("school")
    schools = list(School.objects.filter(district=district).order_by("code"))
    if school:
        qs = qs.filter(
            school__public_id__in=[s.public_id for s in schools if str(s.public_id) == school]
        )
    overdue = [
        selectors.project(c, Side.DISTRICT, now=now, full=False)
        for c in selectors.overdue_complaints(district=district, now=now).select_related(
            *selectors.LIST_RELATED
        )[:50]
    ]
    escalated = [
        selectors.project(c, Side.DISTRICT, now=now, full=False)
        for c in base.filter(status=ComplaintStatus.ESCALATED).order_by("escalated_at")[:50]
    ]
    return _render(
        request,
        "feedback/district.html",
        {
            "district": district,
            "schools": schools,
            "school_filter": school or "",
            "filter_form": form,
            "complaints": [
                selectors.project(c, Side.DISTRICT, now=now, full=False) for c in qs[:LIST_LIMIT]
            ],
            "overdue": overdue,
            "escalated": escalated,
            "summary": sorted(
                (
                    (next((s for s in schools if s.pk == k), None), v)
                    for k, v in selectors.complaint_summary(district=district, now=now).items()
                ),
                key=lambda row: row[0].code if row[0] else "",
            ),
            "evaluations": list(evaluations_for(scope=request.scope).filter(district=district)),
            "nav": "district-feedback",
            "now": now,
        },
    )


@roles_required(Role.DISTRICT_OFFICIAL)
def district_export(request):
    district = current_district(request)
    _form, qs = _filtered(
        request,
        selectors.district_complaints(scope=request.scope, district=district),
        timezone.now(),
    )
    data = complaints_dataset(qs, Side.DISTRICT)  # every complaint: no silent cut
    record_event(
        actor=request.user, action="complaint.exported", obj=district, payload={"rows": data.height}
    )
    return xlsx_response(data, f"{district.name}-投诉-{timezone.localdate():%Y%m%d}.xlsx")


@roles_required(Role.DISTRICT_OFFICIAL)
def hotline_new(request):
    district = current_district(request)
    schools = list(School.objects.filter(district=district).order_by("code"))
    form = HotlineForm(request.POST or None, request.FILES or None, schools=schools)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            school = form.schools[data["school"]]
            student = None
            number = (data.get("student_number") or "").strip()
            if number:
                student = Student.objects.filter(school=school, student_number=number).first()
            try:
                if number and student is None:
                    raise InvalidInput(
                        fields={
                            "student_number": [
                                _("No pupil of %(school)s has the student number %(number)s.")
                                % {"school": school.name, "number": number}
                            ]
                        }
                    )
                complaint = services.record_hotline_complaint(
                    actor=request.user,
                    school=school,
                    caller_name=data["caller_name"],
                    caller_mobile=data["caller_mobile"],
                    category=data["category"],
                    description=data["description"],
                    incident_date=data["incident_date"],
                    student=student,
                    anonymous=data["anonymous"],
                    files=data["files"],
                )
            except DomainError as err:
                if err.status == 403:
                    raise
                apply_domain_error(form, err)
                status = err.status
            else:
                messages.success(
                    request, _("Complaint %(ref)s recorded.") % {"ref": complaint.reference}
                )
                return redirect("complaint_detail", complaint.public_id)
        else:
            status = 400
    return _render(
        request,
        "feedback/hotline_form.html",
        {"form": form, "district": district, "nav": "district-feedback"},
        status=status,
    )
