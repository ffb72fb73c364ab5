"""Filters shared by pages and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from aftercare.models import AuditEvent, School


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(
        label=_("action"), lookup_expr="startswith", help_text=_("e.g. plan. or semester.created")
    )
    school = django_filters.ModelChoiceFilter(
        label=_("school"), queryset=School.objects.none(), to_field_name="public_id"
    )
    actor = django_filters.CharFilter(
        label=_("actor"), field_name="actor_repr", lookup_expr="icontains"
    )
    since = django_filters.DateFilter(
        label=_("from"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        label=_("to"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "school", "actor", "since", "until"]

    def __init__(self, *args, district=None, **kwargs):
        super().__init__(*args, **kwargs)
        if district is not None:
            self.filters["school"].queryset = School.objects.filter(district=district)


# --------------------------------------------------------------------------- the API's backend

_BOOLEAN_WORDS = {"true", "false", "1", "0", "yes", "no"}


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing what it would silently ignore (issue 14): a boolean
    filter given anything but true/false (its widget reads "maybe" as "not given"). Other
    bad values (an unknown choice, a malformed id or date) are already a 400."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            bad = {
                name: [_("Give true or false.")]
                for name, f in filterset.filters.items()
                if isinstance(f, django_filters.BooleanFilter)
                and name in request.query_params
                and request.query_params[name].strip().lower() not in _BOOLEAN_WORDS
            }
            if bad:
                raise ValidationError(bad)
        return super().filter_queryset(request, queryset, view)
