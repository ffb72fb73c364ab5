"""Serializers of the scheduling API (read shapes and request bodies)."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from aftercare.models import WEEKDAYS
from scheduling.grouping import reason_text
from scheduling.models import (
    Assignment,
    CareGroup,
    DutyRole,
    Institution,
    InstitutionStatus,
    Room,
    RoomBooking,
    Session,
    StaffKind,
    StaffMember,
    VettingRecord,
    VettingStep,
)
from scheduling.selectors import schedulable_problem


def weekday_list():
    return serializers.ListField(child=serializers.ChoiceField(choices=WEEKDAYS), allow_empty=False)


class InstitutionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "name",
            "licence_number",
            "licence_valid_until",
            "price_list",
            "evaluation_score",
            "evaluation_note",
            "status",
            "status_label",
            "status_note",
            "status_changed_at",
        ]
        read_only_fields = ["status", "status_note", "status_changed_at"]
        validators: list = []  # the service reports a taken name on the field


class InstitutionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InstitutionStatus.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VettingRecordSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    step_label = serializers.CharField(source="get_step_display", read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = VettingRecord
        fields = [
            "id",
            "step",
            "step_label",
            "done_on",
            "content_type",
            "size",
            "uploaded_at",
            "document_url",
        ]

    def get_document_url(self, record) -> str:
        return reverse("vetting-record-document", args=[record.public_id])


class StaffSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    user = serializers.UUIDField(source="user.public_id", read_only=True, default=None)
    institution = serializers.UUIDField(
        source="institution.public_id", read_only=True, default=None
    )
    vetting = VettingRecordSerializer(many=True, read_only=True)
    schedulable = serializers.SerializerMethodField()
    problem = serializers.SerializerMethodField()

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "school",
            "kind",
            "kind_label",
            "full_name",
            "mobile",
            "user",
            "institution",
            "subject",
            "note",
            "is_active",
            "vetting",
            "schedulable",
            "problem",
        ]
        read_only_fields = fields

    def _problem(self, staff):
        return schedulable_problem(staff, list(staff.vetting.all()))

    def get_schedulable(self, staff) -> bool:
        return self._problem(staff) is None

    def get_problem(self, staff) -> str | None:
        return self._problem(staff)


class StaffWriteSerializer(serializers.Serializer):
    school = serializers.UUIDField(required=False, help_text="the school (to create)")
    kind = serializers.ChoiceField(choices=StaffKind.choices, required=False)
    full_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=11, required=False, allow_blank=True, allow_null=True)
    user = serializers.UUIDField(
        required=False, allow_null=True, help_text="a user with a staff role at the school"
    )
    institution = serializers.UUIDField(required=False, allow_null=True)
    subject = serializers.CharField(max_length=60, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class VettingUploadSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=VettingStep.choices)
    done_on = serializers.DateField()
    document = serializers.FileField(help_text="PDF, JPEG or PNG (its type is read from the file)")


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    new = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    ignored_columns = serializers.ListField(child=serializers.CharField())


class RoomSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id")

    class Meta:
        model = Room
        fields = ["id", "school", "name", "capacity", "note", "is_active"]
        validators: list = []


class RoomUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40, required=False)
    capacity = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    note = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class AssignmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    staff = serializers.UUIDField(source="staff.public_id", read_only=True)
    staff_name = serializers.CharField(source="staff.full_name", read_only=True)
    group = serializers.UUIDField(source="group.public_id", read_only=True, default=None)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "plan", "weekday", "role", "role_label", "staff", "staff_name", "group"]
        read_only_fields = fields


class AssignSerializer(serializers.Serializer):
    plan = serializers.UUIDField()
    staff = serializers.UUIDField()
    role = serializers.ChoiceField(choices=DutyRole.choices, default=DutyRole.TEACHER)
    group = serializers.UUIDField(required=False, allow_null=True, help_text="for a teacher")
    weekdays = weekday_list()


class RoomBookingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    group = serializers.UUIDField(source="group.public_id", read_only=True)
    room = serializers.UUIDField(source="room.public_id", read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True)

    class Meta:
        model = RoomBooking
        fields = ["id", "group", "weekday", "room", "room_name"]
        read_only_fields = fields


class BookSerializer(serializers.Serializer):
    group = serializers.UUIDField()
    room = serializers.UUIDField()
    weekdays = weekday_list()


class GroupSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    course = serializers.UUIDField(source="course.public_id", read_only=True, default=None)
    size = serializers.IntegerField(read_only=True, default=None)
    reasons = serializers.SerializerMethodField(help_text="why the group is as it is, in words")
    reason_codes = serializers.SerializerMethodField(
        help_text="the same as data: a code and its values each"
    )

    class Meta:
        model = CareGroup
        fields = [
            "id",
            "plan",
            "kind",
            "kind_label",
            "name",
            "grades",
            "reasons",
            "reason_codes",
            "course",
            "placed_late",
            "size",
        ]
        read_only_fields = fields

    def get_reasons(self, group) -> list[str]:
        return [reason_text(r) for r in group.reasons]

    def get_reason_codes(self, group) -> list[dict]:
        return [r if isinstance(r, dict) else {"code": "text", "text": r} for r in group.reasons]


class MemberSerializer(serializers.Serializer):
    student = serializers.UUIDField(source="student.public_id")
    name = serializers.CharField(source="student.name")
    class_name = serializers.CharField(source="student.school_class.name")
    placement = serializers.CharField()
    participating = serializers.BooleanField()


class GroupDetailSerializer(GroupSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta(GroupSerializer.Meta):
        fields = [*GroupSerializer.Meta.fields, "members"]


class MoveSerializer(serializers.Serializer):
    students = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class MergeSerializer(serializers.Serializer):
    other = serializers.UUIDField(help_text="the group merged into this one")


class SplitSerializer(serializers.Serializer):
    students = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="the members forming the new group (default: the second half)",
    )


class SessionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    plan = serializers.UUIDField(source="plan.public_id", read_only=True)
    group = serializers.UUIDField(source="group.public_id", read_only=True)
    group_name = serializers.CharField(source="group.name", read_only=True)
    kind = serializers.CharField(source="group.kind", read_only=True)
    teachers = serializers.ListField(child=serializers.CharField(), read_only=True, default=list)
    room = serializers.CharField(source="room_name", read_only=True, default="")

    class Meta:
        model = Session
        fields = [
            "id",
            "plan",
            "group",
            "group_name",
            "kind",
            "date",
            "weekday",
            "start_time",
            "end_time",
            "minutes",
            "lessons",
            "status",
            "cancel_reason",
            "teachers",
            "room",
        ]
        read_only_fields = fields


class ChildSessionsSerializer(serializers.Serializer):
    student = serializers.UUIDField(source="child.public_id")
    name = serializers.CharField(source="child.name")
    sessions = SessionSerializer(many=True)


class IssueSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    group = serializers.UUIDField(allow_null=True)


class DayStaffingSerializer(serializers.Serializer):
    weekday = serializers.IntegerField()
    groups = serializers.IntegerField()
    teachers_required = serializers.IntegerField()
    teachers_assigned = serializers.IntegerField()
    managers_required = serializers.IntegerField()
    managers_assigned = serializers.IntegerField()
    duty_leaders = serializers.IntegerField()


class SchedulingBoardSerializer(serializers.Serializer):
    plan = serializers.UUIDField()
    published_version = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(allow_null=True, help_text="proposed | confirmed | null")
    participants = serializers.IntegerField()
    unplaced = serializers.IntegerField()
    rules = serializers.DictField(help_text="the rules of the plan's primary grades")
    rules_by_group = serializers.DictField(
        help_text="each group's rules (its stage and class of service may differ)"
    )
    violations = IssueSerializer(many=True)
    staffing = DayStaffingSerializer(many=True)
    groups = GroupSerializer(many=True)
    sessions = serializers.DictField(child=serializers.IntegerField())


class CancelDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(max_length=200)


class GenerationSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    schools = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.CharField())


class DistrictGenerateSerializer(serializers.Serializer):
    semester = serializers.UUIDField()


class TaskSerializer(serializers.Serializer):
    task_id = serializers.CharField()
