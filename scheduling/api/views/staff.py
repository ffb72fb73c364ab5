"""Institutions, staff with their vetting, the staff file, rooms."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare import uploads
from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.errors import InvalidInput
from aftercare.tenancy import get_visible_or_404, scope_for
from scheduling import rules, selectors
from scheduling.api import serializers as s
from scheduling.models import (
    Institution,
    Room,
    StaffMember,
    VettingRecord,
)
from scheduling.resources import MAX_FILE_MB as STAFF_MAX_FILE_MB
from scheduling.services import staff as staff_services
from scheduling.services.staff_import import export_staff, import_staff
from scheduling.views.staff import document_response

from .common import WRITE_ERRORS, school_or_404

# --------------------------------------------------------------------------- institutions


class InstitutionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The district's approved third-party institutions (members of the district read it;
    officials add, change, suspend or remove)."""

    queryset = Institution.objects.all()
    serializer_class = s.InstitutionSerializer
    http_method_names = ["get", "post", "patch"]

    def base_queryset(self):
        return Institution.objects.order_by("district_id", "name")

    @extend_schema(
        request=s.InstitutionSerializer, responses={201: s.InstitutionSerializer, **WRITE_ERRORS}
    )
    def create(self, request):
        data = s.InstitutionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        districts = self.scope.official_district_objects
        if not districts:
            raise PermissionDenied
        inst = staff_services.save_institution(
            actor=request.user, district=districts[0], data=data.validated_data
        )
        return Response(s.InstitutionSerializer(inst).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.InstitutionSerializer, responses={200: s.InstitutionSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request, public_id=None):
        inst = self.get_object()
        data = s.InstitutionSerializer(inst, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        inst = staff_services.save_institution(
            actor=request.user, district=inst.district, data=data.validated_data, institution=inst
        )
        return Response(s.InstitutionSerializer(inst).data)

    @extend_schema(
        request=s.InstitutionStatusSerializer,
        responses={200: s.InstitutionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def status(self, request, public_id=None):
        inst = self.get_object()
        data = s.InstitutionStatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        inst = staff_services.set_institution_status(
            actor=request.user, institution=inst, **data.validated_data
        )
        return Response(s.InstitutionSerializer(inst).data)


# --------------------------------------------------------------------------- staff


class StaffFilter(filters.FilterSet):
    school = filters.UUIDFilter(field_name="school__public_id")

    class Meta:
        model = StaffMember
        fields = ["school", "kind", "is_active"]


class StaffViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """School staff for after-school service: managers and officials see a school's list,
    a teacher their own record."""

    queryset = StaffMember.objects.all()
    serializer_class = s.StaffSerializer
    filterset_class = StaffFilter

    def base_queryset(self):
        return (
            StaffMember.objects.select_related("school", "user", "institution")
            .prefetch_related("vetting")
            .order_by("school_id", "kind", "full_name", "id")
        )

    def _values(self, data: dict, school) -> dict:
        values = dict(data)
        values.pop("school", None)
        if values.get("user"):
            user = selectors.staff_users(school).filter(public_id=values["user"]).first()
            if user is None:
                raise InvalidInput(
                    fields={"user": [_("Choose a user with a staff role at the school.")]}
                )
            values["user"] = user
        elif "user" in values:
            values["user"] = None
        if values.get("institution"):
            values["institution"] = get_visible_or_404(
                Institution.objects.filter(district_id=school.district_id),
                self.scope,
                public_id=values["institution"],
            )
        elif "institution" in values:
            values["institution"] = None
        return values

    @extend_schema(
        request=s.StaffWriteSerializer, responses={201: s.StaffSerializer, **WRITE_ERRORS}
    )
    def create(self, request):
        data = s.StaffWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not data.validated_data.get("school"):
            raise InvalidInput(fields={"school": [_("This field is required.")]})
        school = school_or_404(self.scope, data.validated_data["school"])
        staff = staff_services.save_staff(
            actor=request.user, school=school, data=self._values(data.validated_data, school)
        )
        return Response(
            s.StaffSerializer(self.base_queryset().get(pk=staff.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=s.StaffWriteSerializer, responses={200: s.StaffSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request, public_id=None):
        staff = self.get_object()
        data = s.StaffWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        staff_services.save_staff(
            actor=request.user,
            school=staff.school,
            data=self._values(data.validated_data, staff.school),
            staff=staff,
        )
        return Response(s.StaffSerializer(self.base_queryset().get(pk=staff.pk)).data)

    @extend_schema(
        request={"multipart/form-data": s.VettingUploadSerializer},
        responses={201: s.VettingRecordSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def vetting(self, request, public_id=None):
        staff = self.get_object()
        data = s.VettingUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = staff_services.record_vetting(
            actor=request.user,
            staff=staff,
            step=data.validated_data["step"],
            done_on=data.validated_data["done_on"],
            upload=data.validated_data["document"],
        )
        return Response(s.VettingRecordSerializer(record).data, status=status.HTTP_201_CREATED)


StaffViewSet.http_method_names = ["get", "post", "patch"]


class VettingRecordViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    queryset = VettingRecord.objects.all()
    serializer_class = s.VettingRecordSerializer

    def base_queryset(self):
        return VettingRecord.objects.select_related("staff")

    @extend_schema(
        summary="A vetting document (the school's managers, district officials, the person)",
        responses={(200, "application/octet-stream"): bytes, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def document(self, request, public_id=None):
        record = self.get_object()
        if not rules.can_read_vetting(self.scope, record):
            raise Http404
        return document_response(record)


class StaffImportView(APIView):
    # Refused while streaming in (aftercare.uploads): 400 ``staff_file_invalid``.
    max_upload_bytes = STAFF_MAX_FILE_MB * 1024 * 1024

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Import the school's staff list (.xlsx/.csv): all rows or none",
        description="400 ``staff_file_invalid_rows`` lists every bad cell as "
        "``fields['row.<n>.<column>']``; nothing is written then.",
        request={"multipart/form-data": s.UploadSerializer},
        responses={200: s.ImportResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request, school_id):
        school = school_or_404(scope_for(request), school_id)
        if uploads.refused(request):
            raise InvalidInput(
                fields={
                    "file": [_("The file is larger than %(max)d MB.") % {"max": STAFF_MAX_FILE_MB}]
                },
                code="staff_file_invalid",
            )
        data = s.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = import_staff(
            actor=request.user,
            school=school,
            content=upload.read(),
            filename=upload.name,
            dry_run=data.validated_data["dry_run"],
        )
        return Response(result.as_dict())


class StaffExportView(APIView):
    @extend_schema(
        summary="The school's staff list as .xlsx",
        responses={(200, "application/octet-stream"): bytes, **ERROR_RESPONSES},
    )
    def get(self, request, school_id):
        school = school_or_404(scope_for(request), school_id)
        content, filename = export_staff(actor=request.user, school=school)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response


# --------------------------------------------------------------------------- rooms


class RoomViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Room.objects.all()
    serializer_class = s.RoomSerializer
    http_method_names = ["get", "post", "patch"]

    def base_queryset(self):
        return Room.objects.select_related("school").order_by("school_id", "name")

    @extend_schema(request=s.RoomSerializer, responses={201: s.RoomSerializer, **WRITE_ERRORS})
    def create(self, request):
        data = s.RoomSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        school = school_or_404(self.scope, values.pop("school")["public_id"])
        room = staff_services.save_room(actor=request.user, school=school, data=values)
        return Response(s.RoomSerializer(room).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.RoomUpdateSerializer, responses={200: s.RoomSerializer, **WRITE_ERRORS}
    )
    def partial_update(self, request, public_id=None):
        room = self.get_object()
        data = s.RoomUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        room = staff_services.save_room(
            actor=request.user, school=room.school, data=data.validated_data, room=room
        )
        return Response(s.RoomSerializer(room).data)
