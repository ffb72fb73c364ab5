"""The complaints API, under /api/v1/complaints/.

Every complaint is returned through ``selectors.complaints.project(complaint, side)`` — the
school's view of an anonymous complaint has no filer, caller or child — in one shape
(``Complaint``); fields a side may not see are empty. Another family's or school's complaint
is 404; a wrong role on one's own is 403; a wrong state 409.
"""

from __future__ import annotations

import uuid
from datetime import date

from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.api_base import ERROR_RESPONSES, ERROR_SCHEMA
from aftercare.errors import InvalidInput
from aftercare.models import School
from aftercare.parsers import JSONParser
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import Student
from scheduling.models import Session, StaffMember

from .. import rules
from ..models import Complaint, ComplaintCategory, ComplaintOutcome, ComplaintStatus, Side
from ..selectors import complaints as selectors
from ..services import complaints as services
from ..views.complaints import attachment_response

ERRORS = {**ERROR_RESPONSES, 409: OpenApiResponse(ERROR_SCHEMA, description="Wrong state")}
PARSERS = [JSONParser, MultiPartParser, FormParser]


# --------------------------------------------------------------------------- parsing


def _data(request):
    return request.data if hasattr(request.data, "get") else {}


def _uuid(data, name: str, *, required: bool = False) -> uuid.UUID | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            raise InvalidInput(fields={name: [_("This field is required.")]})
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidInput(fields={name: [_("Must be a valid UUID.")]}) from exc


def _refuse_unknown(params) -> None:
    """The list's filters: a value that is not one of theirs is a 400, never ignored."""
    status, category = params.get("status") or "", params.get("category") or ""
    if status and status not in {"open", "overdue", *ComplaintStatus.values}:
        raise InvalidInput(fields={"status": [_("Choose a valid status.")]})
    if category and category not in ComplaintCategory.values:
        raise InvalidInput(fields={"category": [_("Choose a valid category.")]})
    _uuid(params, "school")


def _date(data, name: str, *, month: bool = False) -> date | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    text = str(raw)
    value = None
    try:
        value = parse_date(f"{text}-01" if month and len(text) == 7 else text)
    except ValueError:
        value = None
    if value is None:
        hint = _("Give a month as YYYY-MM.") if month else _("Give a date as YYYY-MM-DD.")
        raise InvalidInput(fields={name: [hint]})
    return value


def _int(data, name: str) -> int | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(str(raw))
    except ValueError as exc:
        raise InvalidInput(fields={name: [_("Give a whole number.")]}) from exc


def _bool(data, name: str) -> bool:
    raw = data.get(name)
    return raw is True or str(raw).lower() in ("1", "true", "on", "yes")


def _text(data, name: str) -> str:
    raw = data.get(name)
    return "" if raw is None else str(raw)


def _files(request) -> list:
    return list(request.FILES.getlist("files")) if hasattr(request, "FILES") else []


def _subject(data, school_id: int):
    """The session and teacher a complaint names, looked up in its school."""
    session = staff = None
    if (sid := _uuid(data, "session")) is not None:
        session = Session.objects.filter(public_id=sid, school_id=school_id).first()
        if session is None:
            raise InvalidInput(fields={"session": [_("No such session at this school.")]})
    if (tid := _uuid(data, "staff")) is not None:
        staff = StaffMember.objects.filter(public_id=tid, school_id=school_id).first()
        if staff is None:
            raise InvalidInput(fields={"staff": [_("No such teacher at this school.")]})
    return session, staff


# --------------------------------------------------------------------------- serializers


class EventOut(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    side = serializers.CharField()
    side_label = serializers.CharField()
    actor = serializers.CharField(help_text="Empty where the reader may not see names.")
    note = serializers.CharField()
    at = serializers.DateTimeField()
    late = serializers.BooleanField()
    outcome = serializers.CharField(required=False)
    deduction_percent = serializers.IntegerField(required=False, allow_null=True)
    deduction_month = serializers.CharField(required=False, allow_null=True)


class AttachmentOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    side = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.CharField()


class ComplaintOut(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    side = serializers.CharField(help_text="What the caller is to this complaint.")
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    category_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    channel = serializers.CharField()
    anonymous = serializers.BooleanField()
    school_id = serializers.UUIDField()
    school_name = serializers.CharField()
    incident_date = serializers.DateField()
    submitted_at = serializers.DateTimeField()
    ack_due_at = serializers.DateTimeField()
    resolve_due_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    flagged = serializers.BooleanField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    escalated_at = serializers.DateTimeField(allow_null=True)
    upheld_at = serializers.DateTimeField(allow_null=True)
    reopened_count = serializers.IntegerField()
    missed_deadline = serializers.BooleanField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField()
    findings = serializers.CharField()
    description = serializers.CharField()
    child_id = serializers.UUIDField(allow_null=True)
    child_name = serializers.CharField()
    child_grade = serializers.CharField()
    child_class = serializers.CharField()
    filed_by_name = serializers.CharField()
    filed_by_mobile = serializers.CharField()
    caller_name = serializers.CharField()
    caller_mobile = serializers.CharField()
    session_id = serializers.UUIDField(allow_null=True)
    session_label = serializers.CharField()
    staff_id = serializers.UUIDField(allow_null=True)
    staff_name = serializers.CharField()
    deduction_percent = serializers.IntegerField(allow_null=True)
    deduction_month = serializers.DateField(allow_null=True)
    events = EventOut(many=True)
    attachments = AttachmentOut(many=True)


class ComplaintIn(serializers.Serializer):
    student = serializers.UUIDField()
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=2000)
    incident_date = serializers.DateField(required=False)
    anonymous = serializers.BooleanField(required=False)
    session = serializers.UUIDField(required=False)
    staff = serializers.UUIDField(required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class HotlineIn(serializers.Serializer):
    school = serializers.UUIDField()
    caller_name = serializers.CharField(max_length=40)
    caller_mobile = serializers.CharField(max_length=20, required=False)
    student = serializers.UUIDField(required=False)
    category = serializers.ChoiceField(choices=ComplaintCategory.choices)
    description = serializers.CharField(max_length=2000)
    incident_date = serializers.DateField(required=False)
    anonymous = serializers.BooleanField(required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class ActionIn(serializers.Serializer):
    note = serializers.CharField(required=False, help_text="acknowledge, note, reopen, uphold")
    reason = serializers.CharField(required=False, help_text="escalate")
    outcome = serializers.ChoiceField(
        choices=ComplaintOutcome.choices, required=False, help_text="close"
    )
    findings = serializers.CharField(required=False, help_text="close")
    staff = serializers.UUIDField(required=False, help_text="close: the teacher concerned")
    deduction_percent = serializers.IntegerField(
        required=False, min_value=10, max_value=100, help_text="close, verified: 10–100"
    )
    deduction_month = serializers.CharField(required=False, help_text="close: YYYY-MM")
    files = serializers.ListField(child=serializers.FileField(), required=False)


def _out(complaint: Complaint, side: str, *, full: bool = True) -> dict:
    return ComplaintOut(selectors.project(complaint, side, full=full)).data


def _lookup(request, complaint_id) -> tuple[Complaint, str]:
    scope = scope_for(request)
    complaint = get_visible_or_404(
        selectors.with_timeline(Complaint.objects.select_related(*selectors.LIST_RELATED)),
        scope,
        public_id=complaint_id,
    )
    side = rules.side_of(scope, complaint)
    if side is None:
        raise Http404
    return complaint, side


# --------------------------------------------------------------------------- views


class ComplaintsView(APIView):
    """GET: the caller's complaints (a family its own, a school's managers the school's, an
    official the district's, a teacher the verified ones about them), newest first, filtered
    by ``status`` (a status, ``open``, ``overdue``), ``category``, ``school``. POST: a
    guardian files a complaint about one of their children (multipart for ``files``)."""

    parser_classes = PARSERS

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, required=False, enum=["open", "overdue", *ComplaintStatus.values]
            ),
            OpenApiParameter("category", str, required=False, enum=ComplaintCategory.values),
            OpenApiParameter("school", OpenApiTypes.UUID, required=False),
        ],
        responses={200: ComplaintOut(many=True)},
    )
    def get(self, request):
        scope = scope_for(request)
        now = timezone.now()
        _refuse_unknown(request.query_params)
        qs = selectors.filter_list(
            selectors.complaints_for(scope=scope), request.query_params, now=now
        )
        if school := request.query_params.get("school"):
            qs = qs.filter(school__public_id=uuid.UUID(school))  # checked above
        out = []
        for complaint in qs[:500]:
            side = rules.side_of(scope, complaint)
            if side is not None:
                out.append(_out(complaint, side, full=False))
        return Response(out)

    @extend_schema(request=ComplaintIn, responses={201: ComplaintOut, **ERRORS})
    def post(self, request):
        data = _data(request)
        student = get_visible_or_404(
            Student.objects.all(),
            scope_for(request),
            public_id=_uuid(data, "student", required=True),
        )
        session, staff = _subject(data, student.school_id)
        complaint = services.file_complaint(
            actor=request.user,
            student=student,
            category=_text(data, "category"),
            description=_text(data, "description"),
            incident_date=_date(data, "incident_date"),
            anonymous=_bool(data, "anonymous"),
            session=session,
            staff=staff,
            files=_files(request),
        )
        complaint, side = _lookup(request, complaint.public_id)
        return Response(_out(complaint, side), status=201)


class HotlineView(APIView):
    """A district official records a complaint received by the hotline."""

    parser_classes = PARSERS

    @extend_schema(request=HotlineIn, responses={201: ComplaintOut, **ERRORS})
    def post(self, request):
        data = _data(request)
        scope = scope_for(request)
        school = get_visible_or_404(
            School.objects.all(), scope, public_id=_uuid(data, "school", required=True)
        )
        if not rules.can_record_hotline(scope, school.district_id):
            raise PermissionDenied
        student = None
        if (sid := _uuid(data, "student")) is not None:
            student = Student.objects.filter(public_id=sid, school=school).first()
            if student is None:
                raise InvalidInput(fields={"student": [_("No such pupil at this school.")]})
        session, staff = _subject(data, school.pk)
        complaint = services.record_hotline_complaint(
            actor=request.user,
            school=school,
            caller_name=_text(data, "caller_name"),
            caller_mobile=_text(data, "caller_mobile"),
            category=_text(data, "category"),
            description=_text(data, "description"),
            incident_date=_date(data, "incident_date"),
            student=student,
            anonymous=_bool(data, "anonymous"),
            session=session,
            staff=staff,
            files=_files(request),
        )
        complaint, side = _lookup(request, complaint.public_id)
        return Response(_out(complaint, side), status=201)


class OverdueView(APIView):
    """The district's open complaints past their deadline (officials)."""

    @extend_schema(responses={200: ComplaintOut(many=True), **ERRORS})
    def get(self, request):
        scope = scope_for(request)
        if not scope.official_district_objects:
            raise PermissionDenied
        out = []
        for district in scope.official_district_objects:
            for complaint in selectors.overdue_complaints(district=district).select_related(
                *selectors.LIST_RELATED
            ):
                out.append(_out(complaint, Side.DISTRICT, full=False))
        return Response(out)


class ComplaintView(APIView):
    @extend_schema(responses={200: ComplaintOut, **ERRORS})
    def get(self, request, complaint_id):
        complaint, side = _lookup(request, complaint_id)
        return Response(_out(complaint, side))


class ComplaintActionView(APIView):
    """``acknowledge`` (note), ``close`` (outcome, findings, staff, deduction_percent,
    deduction_month), ``note`` (note, files) — the school's managers, the filing family,
    the district; ``escalate`` (reason) — the filing family; ``reopen`` / ``uphold``
    (note) — the district's officials."""

    parser_classes = PARSERS
    action = "note"

    @extend_schema(request=ActionIn, responses={200: ComplaintOut, **ERRORS})
    def post(self, request, complaint_id):
        complaint, side = _lookup(request, complaint_id)
        data = _data(request)
        user = request.user
        action = self.action
        needed = {
            "acknowledge": (Side.SCHOOL,),
            "close": (Side.SCHOOL,),
            "note": (Side.SCHOOL, Side.FAMILY, Side.DISTRICT),
            "escalate": (Side.FAMILY,),
            "reopen": (Side.DISTRICT,),
            "uphold": (Side.DISTRICT,),
        }[action]
        if side not in needed:
            raise PermissionDenied
        if action == "acknowledge":
            services.acknowledge_complaint(
                actor=user, complaint=complaint, note=_text(data, "note")
            )
        elif action == "close":
            staff = None
            if (tid := _uuid(data, "staff")) is not None:
                staff = StaffMember.objects.filter(
                    public_id=tid, school_id=complaint.school_id
                ).first()
                if staff is None:
                    raise InvalidInput(fields={"staff": [_("No such teacher at this school.")]})
            services.close_complaint(
                actor=user,
                complaint=complaint,
                outcome=_text(data, "outcome"),
                findings=_text(data, "findings"),
                staff=staff,
                deduction_percent=_int(data, "deduction_percent"),
                deduction_month=_date(data, "deduction_month", month=True),
            )
        elif action == "note":
            services.add_note(
                actor=user,
                complaint=complaint,
                side=side,
                note=_text(data, "note"),
                files=_files(request),
            )
        elif action == "escalate":
            services.escalate_complaint(
                actor=user, complaint=complaint, reason=_text(data, "reason")
            )
        elif action == "reopen":
            services.reopen_complaint(actor=user, complaint=complaint, note=_text(data, "note"))
        else:
            services.uphold_complaint(actor=user, complaint=complaint, note=_text(data, "note"))
        complaint, side = _lookup(request, complaint_id)
        return Response(_out(complaint, side))


class AttachmentView(APIView):
    """A complaint's photo or PDF (the filing family, the school's managers, the district)."""

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS})
    def get(self, request, attachment_id):
        return attachment_response(scope_for(request), attachment_id)
