"""Response shapes of the attendance API, for the OpenAPI schema (the views build the dicts)."""

from rest_framework import serializers

from ..models import FollowUpKind, HandoverStatus, StaffAttendanceSource, StaffStatus


class HandoverOut(serializers.Serializer):
    id = serializers.UUIDField()
    session = serializers.UUIDField()
    date = serializers.DateField()
    from_class = serializers.UUIDField(allow_null=True)
    from_session = serializers.UUIDField(allow_null=True)
    count = serializers.IntegerField()
    status = serializers.ChoiceField(choices=HandoverStatus.choices)
    missing = serializers.IntegerField(help_text="handed over, not marked present")
    extra = serializers.IntegerField(help_text="marked present, not handed over")
    handed_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution_note = serializers.CharField()
    fault = serializers.CharField()
    children = serializers.ListField(child=serializers.UUIDField(), required=False)


class PickupOut(serializers.Serializer):
    id = serializers.UUIDField()
    by = serializers.CharField()
    relation = serializers.CharField()
    at = serializers.DateTimeField()
    late = serializers.BooleanField()
    minutes_late = serializers.IntegerField()


class ClosedOut(serializers.Serializer):
    closed_at = serializers.DateTimeField()


class StaffRecordOut(serializers.Serializer):
    id = serializers.UUIDField()
    staff = serializers.UUIDField()
    status = serializers.ChoiceField(choices=StaffStatus.choices)
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)
    minutes_late = serializers.IntegerField()
    minutes_early = serializers.IntegerField()
    substitute = serializers.UUIDField(allow_null=True)
    note = serializers.CharField()
    source = serializers.ChoiceField(choices=StaffAttendanceSource.choices)
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    supersedes = serializers.UUIDField(allow_null=True)


class StaffChainOut(serializers.Serializer):
    staff = serializers.UUIDField()
    name = serializers.CharField()
    current = StaffRecordOut(allow_null=True)
    history = StaffRecordOut(many=True)


class FollowUpOut(serializers.Serializer):
    id = serializers.UUIDField()
    student = serializers.UUIDField()
    name = serializers.CharField()
    class_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=FollowUpKind.choices)
    count = serializers.IntegerField()
    window_days = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    status = serializers.CharField()
    warnings = serializers.IntegerField()
    dismissed = serializers.BooleanField()


class StaffMonthOut(serializers.Serializer):
    staff = serializers.UUIDField()
    name = serializers.CharField()
    sessions_served = serializers.IntegerField()
    late_arrivals = serializers.IntegerField()
    early_leaves = serializers.IntegerField()
    missed_sessions = serializers.IntegerField()
    substituted_sessions = serializers.IntegerField()
    handover_violations = serializers.IntegerField()
    unrecorded_sessions = serializers.IntegerField()
    evidence = serializers.DictField(
        child=serializers.ListField(child=serializers.UUIDField()),
        help_text="ids of the staff attendance records (handovers, sessions) counted",
    )


class CreatedOut(serializers.Serializer):
    id = serializers.UUIDField()


class ArchivedOut(serializers.Serializer):
    archived = serializers.IntegerField()
