"""Students API (read): the roster as the caller may see it."""

from django_filters import rest_framework as filters
from rest_framework import serializers
from rest_framework.response import Response

from aftercare import rules
from aftercare.api_base import ScopedReadOnlyViewSet
from aftercare.audit import record_event

from .models import Guardianship, Student


class GuardianSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="user.full_name")
    mobile = serializers.CharField(source="user.mobile")

    class Meta:
        model = Guardianship
        fields = ["name", "mobile", "relation"]


class StudentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    school_class = serializers.UUIDField(source="school_class.public_id", read_only=True)
    class_name = serializers.CharField(source="school_class.name", read_only=True)
    grade = serializers.IntegerField(source="school_class.grade", read_only=True)

    class Meta:
        model = Student
        fields = [
            "id",
            "school",
            "school_class",
            "class_name",
            "grade",
            "student_number",
            "name",
            "gender",
            "is_active",
        ]


class StudentDetailSerializer(StudentSerializer):
    guardians = GuardianSerializer(source="guardianships", many=True, read_only=True)

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "guardians"]


class StudentFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id")
    school_class = filters.UUIDFilter(field_name="school_class__public_id")
    grade = filters.NumberFilter(field_name="school_class__grade")

    class Meta:
        model = Student
        fields = ["school", "school_class", "grade", "is_active"]


class StudentViewSet(ScopedReadOnlyViewSet):
    """Students the caller may see: officials their district, schools their own,
    homeroom teachers their classes, parents their children. Staff reads of one record
    are written to the audit log."""

    queryset = Student.objects.select_related("school", "school_class")
    filterset_class = StudentFilter

    def get_serializer_class(self):
        return StudentDetailSerializer if self.action == "retrieve" else StudentSerializer

    def base_queryset(self):
        qs = super().base_queryset()
        if self.action == "retrieve":
            qs = qs.prefetch_related("guardianships__user")
        return qs

    def retrieve(self, request, *args, **kwargs):
        student = self.get_object()
        if rules.is_staff_reader(self.scope, student.school_id, student.district_id):
            record_event(actor=request.user, action="student.viewed", obj=student)
        return Response(self.get_serializer(student).data)
