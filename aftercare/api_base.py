"""Shared API plumbing: scoped viewsets and the error schema for the OpenAPI document."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from aftercare.api_conf import error_body
from aftercare.tenancy import scope_for

__all__ = ["ERROR_RESPONSES", "ScopedReadOnlyViewSet", "ScopedViewSetMixin", "error_body"]

ERROR_SCHEMA = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorBody",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(
                    child=serializers.ListField(child=serializers.DictField()), required=False
                ),
            },
        )
    },
)
ERROR_RESPONSES = {
    400: OpenApiResponse(ERROR_SCHEMA, description="Invalid input"),
    403: OpenApiResponse(ERROR_SCHEMA, description="Wrong role"),
    404: OpenApiResponse(ERROR_SCHEMA, description="Not found (or another tenant's)"),
}


class ScopedViewSetMixin:
    """Base of every viewset: the queryset is always ``visible_to`` the caller's scope."""

    lookup_field = "public_id"

    @property
    def scope(self):
        return scope_for(self.request)

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return self.base_queryset().visible_to(self.scope)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


def created(data) -> Response:
    return Response(data, status=status.HTTP_201_CREATED)
