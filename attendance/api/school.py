"""API of the school's side: the duty leader's day (groups, handovers, patrols, clearing),
follow-ups (warnings, 劝退), weekly records, the staff month (for subsidies), exports."""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.errors import InvalidInput
from aftercare.models import School, SchoolClass, Semester
from aftercare.tenancy import get_visible_or_404, scope_for
from scheduling.models import CareGroup, Session, StaffMember

from ..access import is_homeroom_teacher, is_manager, is_school_staff
from ..models import FollowUp, WeeklyRecord
from ..selectors.duty import day_board
from ..selectors.followup import follow_ups_for
from ..selectors.staff import staff_month
from ..services import duty as duty_services
from ..services import export as export_services
from ..services import followup as followup_services
from ..services import records as record_services
from .common import ERRORS, date_field, require, uuid_field
from .roll import handover_data
from .schemas import ArchivedOut, CreatedOut, FollowUpOut, StaffMonthOut


def _school(request, school_id) -> School:
    return get_visible_or_404(School.objects.all(), scope_for(request), public_id=school_id)


class DayView(APIView):
    """The duty leader's board of a day (default today): each group with its roll and
    whether it is still open, handovers (mismatches first), patrols, the clearing."""

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=False)],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request, school_id):
        school = _school(request, school_id)
        scope = scope_for(request)
        require(is_school_staff(scope, school.pk) or scope.is_official(school.district_id))
        day = date_field(request.query_params, "date", required=False) or timezone.localdate()
        board = day_board(school, day)
        return Response(
            {
                "date": day.isoformat(),
                "groups": [
                    {
                        "session": str(s.public_id),
                        "group": s.group.name,
                        "start_time": s.start_time.strftime("%H:%M"),
                        "end_time": s.end_time.strftime("%H:%M"),
                        "roll_taken": s.roll is not None,
                        "open": s.is_open,
                        "children_not_gone": s.waiting,
                        "here": s.n_here,
                        "absent": s.n_absent,
                        "leave": s.n_leave,
                        "teacher_checked_in": s.teacher_checked_in,
                    }
                    for s in board.sessions
                ],
                "handovers": [handover_data(h) for h in board.handovers],
                "patrols": [
                    {
                        "id": str(p.public_id),
                        "at": p.at.isoformat(),
                        "place": p.place,
                        "group": p.session.group.name if p.session_id else None,
                        "note": p.note,
                        "issue": p.issue,
                        "by": str(p.recorded_by),
                    }
                    for p in board.patrols
                ],
                "clearing": None
                if board.clearing is None
                else {
                    "id": str(board.clearing.public_id),
                    "confirmed_at": board.clearing.confirmed_at.isoformat(),
                    "by": str(board.clearing.confirmed_by),
                    "note": board.clearing.note,
                },
            }
        )


class ClearingIn(serializers.Serializer):
    notes = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text="Per session id: what was found where the group was still open.",
    )
    note = serializers.CharField(required=False, allow_blank=True)


class ClearingView(APIView):
    """The duty leader confirms today's clearing (清校): every group empty."""

    @extend_schema(request=ClearingIn, responses={201: CreatedOut, **ERRORS})
    def post(self, request, school_id):
        school = _school(request, school_id)
        data = request.data if hasattr(request.data, "get") else {}
        notes = data.get("notes") or {}
        if not isinstance(notes, dict):
            raise InvalidInput(fields={"notes": [_("Send the notes by group.")]})
        clearing = duty_services.confirm_clearing(
            actor=request.user,
            school=school,
            day=timezone.localdate(),
            notes=notes,
            note=str(data.get("note") or ""),
        )
        return Response(
            {"id": str(clearing.public_id), "confirmed_at": clearing.confirmed_at.isoformat()},
            status=201,
        )


class PatrolIn(serializers.Serializer):
    note = serializers.CharField()
    session = serializers.UUIDField(required=False)
    place = serializers.CharField(required=False, allow_blank=True)
    issue = serializers.BooleanField(required=False)


class PatrolsView(APIView):
    """The duty leader records a patrol round (巡查)."""

    @extend_schema(request=PatrolIn, responses={201: CreatedOut, **ERRORS})
    def post(self, request, school_id):
        school = _school(request, school_id)
        data = request.data if hasattr(request.data, "get") else {}
        session = None
        key = uuid_field(data, "session", required=False)
        if key is not None:
            session = Session.objects.filter(public_id=key, school=school).first()
            if session is None:
                raise InvalidInput(fields={"session": [_("Choose a group of today.")]})
        patrol = duty_services.record_patrol(
            actor=request.user,
            school=school,
            note=str(data.get("note") or ""),
            session=session,
            place=str(data.get("place") or ""),
            issue=bool(data.get("issue")),
        )
        return Response({"id": str(patrol.public_id), "at": patrol.at.isoformat()}, status=201)


def followup_data(f: FollowUp) -> dict:
    return {
        "id": str(f.public_id),
        "student": str(f.student.public_id),
        "name": f.student.name,
        "class_name": f.student.school_class.name,
        "kind": f.kind,
        "count": f.count,
        "window_days": f.window_days,
        "opened_at": f.opened_at.isoformat(),
        "status": f.status,
        "warnings": len(getattr(f, "warning_list", [])),
        "dismissed": getattr(f, "dismissed", False),
    }


class FollowUpsView(APIView):
    """Open follow-up flags (repeated unexcused absence or late pickup) of the caller's
    classes (homeroom teacher) or schools (managers)."""

    @extend_schema(responses={200: FollowUpOut(many=True)})
    def get(self, request):
        return Response([followup_data(f) for f in follow_ups_for(scope=scope_for(request))])


class FollowUpActionIn(serializers.Serializer):
    text = serializers.CharField(required=False, help_text="warn: the warning to the family")
    note = serializers.CharField(required=False, help_text="close: what was done")
    last_day = serializers.DateField(required=False, help_text="dismiss")
    reason = serializers.CharField(required=False, help_text="dismiss")


class FollowUpActionView(APIView):
    """``warn`` (a recorded warning to the guardians), ``close`` (with a note), ``dismiss``
    (劝退, managers; 409 ``warnings_missing`` until the policy's number of warnings)."""

    action = "warn"

    @extend_schema(request=FollowUpActionIn, responses={200: OpenApiTypes.OBJECT, **ERRORS})
    def post(self, request, followup_id):
        flag = get_visible_or_404(
            FollowUp.objects.select_related("student__school_class"),
            scope_for(request),
            public_id=followup_id,
        )
        data = request.data if hasattr(request.data, "get") else {}
        if self.action == "warn":
            w = followup_services.issue_warning(
                actor=request.user,
                student=flag.student,
                text=str(data.get("text") or ""),
                follow_up=flag,
            )
            return Response({"warning": str(w.public_id)})
        if self.action == "close":
            followup_services.close_follow_up(
                actor=request.user, follow_up=flag, note=str(data.get("note") or "")
            )
            return Response({"status": "closed"})
        d = followup_services.dismiss_student(
            actor=request.user,
            student=flag.student,
            last_day=date_field(data, "last_day"),
            reason=str(data.get("reason") or ""),
        )
        return Response({"dismissal": str(d.public_id), "last_day": d.last_day.isoformat()})


class WeeklyRecordSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    semester = serializers.CharField(source="semester.name", read_only=True)

    class Meta:
        model = WeeklyRecord
        fields = [
            "id",
            "week_start",
            "semester",
            "activities",
            "highlights",
            "safety",
            "updated_at",
            "archived_at",
        ]


class WeeklyIn(serializers.Serializer):
    week_start = serializers.DateField()
    activities = serializers.CharField()
    highlights = serializers.CharField(required=False, allow_blank=True)
    safety = serializers.CharField(required=False, allow_blank=True)


class WeeklyRecordsView(APIView):
    """A class's weekly activity records (每周活动记录); POST writes the week's (its homeroom
    teacher; 409 once archived)."""

    def _class(self, request, class_id):
        scope = scope_for(request)
        klass = get_visible_or_404(SchoolClass.objects.all(), scope, public_id=class_id)
        require(
            is_homeroom_teacher(request.user, klass)
            or is_manager(scope, klass.school_id)
            or scope.is_official(klass.district_id)
        )
        return klass

    @extend_schema(responses={200: WeeklyRecordSerializer(many=True), **ERRORS})
    def get(self, request, class_id):
        klass = self._class(request, class_id)
        records = WeeklyRecord.objects.filter(school_class=klass).select_related("semester")
        return Response(WeeklyRecordSerializer(records, many=True).data)

    @extend_schema(request=WeeklyIn, responses={201: WeeklyRecordSerializer, **ERRORS})
    def post(self, request, class_id):
        klass = self._class(request, class_id)
        data = request.data if hasattr(request.data, "get") else {}
        record = record_services.save_weekly_record(
            actor=request.user,
            school_class=klass,
            week_start=date_field(data, "week_start"),
            activities=str(data.get("activities") or ""),
            highlights=str(data.get("highlights") or ""),
            safety=str(data.get("safety") or ""),
        )
        return Response(WeeklyRecordSerializer(record).data, status=201)


class ArchiveIn(serializers.Serializer):
    semester = serializers.UUIDField()


class WeeklyArchiveView(APIView):
    """Archive a semester's weekly records of the school (managers): read-only afterwards."""

    @extend_schema(request=ArchiveIn, responses={200: ArchivedOut, **ERRORS})
    def post(self, request, school_id):
        school = _school(request, school_id)
        data = request.data if hasattr(request.data, "get") else {}
        semester = Semester.objects.filter(
            public_id=uuid_field(data, "semester"), district_id=school.district_id
        ).first()
        if semester is None:
            raise InvalidInput(fields={"semester": [_("No such semester in this district.")]})
        n = record_services.archive_weekly_records(
            actor=request.user, school=school, semester=semester
        )
        return Response({"archived": n})


class StaffMonthView(APIView):
    """Per staff member and month: sessions served, late arrivals, early leaves (早退),
    missed sessions (空堂), substituted sessions, handover violations, each with the ids of
    the records counted (the basis of subsidies and deductions)."""

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM", required=True)],
        responses={200: StaffMonthOut(many=True), **ERRORS},
    )
    def get(self, request, school_id):
        school = _school(request, school_id)
        scope = scope_for(request)
        require(is_manager(scope, school.pk) or scope.is_official(school.district_id))
        try:
            year, month = (int(x) for x in str(request.query_params.get("month", "")).split("-"))
            date(year, month, 1)
        except ValueError as exc:
            raise InvalidInput(fields={"month": [_("Give the month as YYYY-MM.")]}) from exc
        figures = staff_month(school=school, year=year, month=month)
        staff = {s.pk: s for s in StaffMember.objects.filter(pk__in=figures)}
        return Response(
            [
                {
                    "staff": str(staff[k].public_id),
                    "name": staff[k].full_name,
                    "sessions_served": v.sessions_served,
                    "late_arrivals": v.late_arrivals,
                    "early_leaves": v.early_leaves,
                    "missed_sessions": v.missed_sessions,
                    "substituted_sessions": v.substituted_sessions,
                    "handover_violations": v.handover_violations,
                    "unrecorded_sessions": len(v.unrecorded),
                    "evidence": {
                        "served": v.served,
                        "late": v.late,
                        "early": v.early,
                        "missed": v.missed,
                        "substituted": v.substituted,
                        "handovers": v.handovers,
                        "unrecorded_sessions": v.unrecorded,
                    },
                }
                for k, v in sorted(figures.items(), key=lambda kv: staff[kv[0]].full_name)
                if k in staff
            ]
        )


class ExportView(APIView):
    """Attendance as xlsx: the school, a class (``class``) or a group (``group``), between
    ``start`` and ``end`` (at most 200 days)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, required=True),
            OpenApiParameter("end", OpenApiTypes.DATE, required=True),
            OpenApiParameter("class", OpenApiTypes.UUID, required=False),
            OpenApiParameter("group", OpenApiTypes.UUID, required=False),
        ],
        responses={
            (
                200,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ): OpenApiResponse(OpenApiTypes.BINARY),
            **ERRORS,
        },
    )
    def get(self, request, school_id):
        school = _school(request, school_id)
        q = request.query_params
        klass = group = None
        if q.get("class"):
            klass = SchoolClass.objects.filter(
                school=school, public_id=uuid_field(q, "class")
            ).first()
            if klass is None:
                raise InvalidInput(fields={"class": [_("No such class in this school.")]})
        if q.get("group"):
            group = CareGroup.objects.filter(
                school=school, public_id=uuid_field(q, "group")
            ).first()
            if group is None:
                raise InvalidInput(fields={"group": [_("No such group in this school.")]})
        content, name = export_services.export_attendance(
            actor=request.user,
            school=school,
            start=date_field(q, "start"),
            end=date_field(q, "end"),
            school_class=klass,
            group=group,
        )
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
