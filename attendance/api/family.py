"""API of leave (请假), authorized pickup persons and a child's attendance history."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.errors import InvalidInput
from aftercare.tenancy import get_visible_or_404, scope_for
from enrollment.models import Guardianship, Student

from ..access import is_school_staff
from ..models import LeaveReason, LeaveRequest, LeaveStatus, PickupPerson, PickupRelation
from ..selectors.history import child_history
from ..services import leave as leave_services
from ..services import pickup as pickup_services
from .common import ERRORS, date_field, require, uuid_field


class LeaveSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    student = serializers.UUIDField(source="student.public_id", read_only=True)
    student_name = serializers.CharField(source="student.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "student",
            "student_name",
            "start_date",
            "end_date",
            "reason",
            "note",
            "status",
            "status_label",
            "requested_at",
            "decided_at",
            "decision_note",
        ]


class LeaveIn(serializers.Serializer):
    student = serializers.UUIDField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False)
    reason = serializers.ChoiceField(choices=LeaveReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class LeaveListView(APIView):
    """Leave requests: a guardian's children's, a homeroom teacher's classes', a manager's
    school's. POST (a guardian) asks for one or more days from today on (a past day is a
    400)."""

    @extend_schema(
        parameters=[OpenApiParameter("status", str, required=False, enum=LeaveStatus.values)],
        responses={200: LeaveSerializer(many=True)},
    )
    def get(self, request):
        scope = scope_for(request)
        status = request.query_params.get("status") or ""
        if status and status not in LeaveStatus.values:  # a 400, never silently ignored
            raise InvalidInput(fields={"status": [_("Choose a valid status.")]})
        qs = (
            LeaveRequest.objects.visible_to(scope)
            .filter(
                Q(student__guardianships__user=request.user)
                | Q(school_id__in=scope.manager_schools)
                | Q(student__school_class__homeroom_teacher=request.user)
            )
            .select_related("student")
            .distinct()
            .order_by("-start_date", "-requested_at")
        )
        if status:
            qs = qs.filter(status=status)
        return Response(LeaveSerializer(qs[:500], many=True).data)

    @extend_schema(request=LeaveIn, responses={201: LeaveSerializer, **ERRORS})
    def post(self, request):
        scope = scope_for(request)
        data = request.data if hasattr(request.data, "get") else {}
        student = get_visible_or_404(
            Student.objects.select_related("school_class"),
            scope,
            public_id=uuid_field(data, "student"),
        )
        leave = leave_services.request_leave(
            actor=request.user,
            student=student,
            start_date=date_field(data, "start_date"),
            end_date=date_field(data, "end_date", required=False),
            reason=str(data.get("reason") or ""),
            note=str(data.get("note") or ""),
        )
        return Response(LeaveSerializer(leave).data, status=201)


class LeaveDetailView(APIView):
    @extend_schema(responses={200: LeaveSerializer, **ERRORS})
    def get(self, request, leave_id):
        leave = get_visible_or_404(
            LeaveRequest.objects.select_related("student"), scope_for(request), public_id=leave_id
        )
        return Response(LeaveSerializer(leave).data)


class DecisionIn(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class LeaveActionView(APIView):
    """``approve`` / ``refuse`` (homeroom teacher or manager; refusing needs a note) or
    ``cancel`` (a guardian). Approval excuses the child's absent marks of those days."""

    action = "approve"

    @extend_schema(request=DecisionIn, responses={200: LeaveSerializer, **ERRORS})
    def post(self, request, leave_id):
        leave = get_visible_or_404(
            LeaveRequest.objects.select_related("student__school_class"),
            scope_for(request),
            public_id=leave_id,
        )
        note = str((request.data or {}).get("note") or "") if hasattr(request.data, "get") else ""
        if self.action == "cancel":
            leave = leave_services.cancel_leave(actor=request.user, leave=leave)
        else:
            leave = leave_services.decide_leave(
                actor=request.user, leave=leave, approve=self.action == "approve", note=note
            )
        return Response(LeaveSerializer(leave).data)


class PickupPersonSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = PickupPerson
        fields = ["id", "name", "relation", "phone", "added_at"]


class PickupPersonIn(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    relation = serializers.ChoiceField(choices=PickupRelation.choices)
    phone = serializers.CharField(max_length=11)


class PickupPersonsView(APIView):
    """A child's authorized pickup persons (kept by the guardians; the guardians themselves
    always may pick up)."""

    def _student(self, request, student_id):
        scope = scope_for(request)
        student = get_visible_or_404(Student.objects.all(), scope, public_id=student_id)
        is_guardian = Guardianship.objects.filter(student=student, user=request.user).exists()
        return student, is_guardian, scope

    @extend_schema(responses={200: PickupPersonSerializer(many=True), **ERRORS})
    def get(self, request, student_id):
        student, is_guardian, scope = self._student(request, student_id)
        require(is_guardian or is_school_staff(scope, student.school_id))
        persons = PickupPerson.objects.filter(student=student, removed_at__isnull=True)
        return Response(PickupPersonSerializer(persons, many=True).data)

    @extend_schema(request=PickupPersonIn, responses={201: PickupPersonSerializer, **ERRORS})
    def post(self, request, student_id):
        student, _is_guardian, _scope = self._student(request, student_id)
        data = request.data if hasattr(request.data, "get") else {}
        person = pickup_services.add_pickup_person(
            actor=request.user,
            student=student,
            name=str(data.get("name") or ""),
            relation=str(data.get("relation") or ""),
            phone=str(data.get("phone") or ""),
        )
        return Response(PickupPersonSerializer(person).data, status=201)


class PickupPersonView(APIView):
    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, person_id):
        person = get_visible_or_404(
            PickupPerson.objects.select_related("student"), scope_for(request), public_id=person_id
        )
        pickup_services.remove_pickup_person(actor=request.user, person=person)
        return Response(status=204)


class HistoryView(APIView):
    """A child's attendance (marks, pickups) and leave history: the guardians and the
    school."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **ERRORS})
    def get(self, request, student_id):
        scope = scope_for(request)
        student = get_visible_or_404(Student.objects.all(), scope, public_id=student_id)
        is_guardian = Guardianship.objects.filter(student=student, user=request.user).exists()
        require(
            is_guardian
            or is_school_staff(scope, student.school_id)
            or scope.is_official(student.district_id)
        )
        h = child_history(student)
        return Response(
            {
                "counts": h["counts"],
                "late_pickups": h["late_pickups"],
                "marks": [
                    {
                        "date": m.date.isoformat(),
                        "group": m.session.group.name,
                        "status": m.status,
                        "note": m.note,
                        "picked_up_by": m.departure.picked_up_by if m.departure else None,
                        "picked_up_at": m.departure.at.isoformat() if m.departure else None,
                        "late_pickup": bool(m.departure and m.departure.is_late),
                    }
                    for m in h["marks"]
                ],
                "leaves": LeaveSerializer(h["leaves"], many=True).data,
            }
        )
