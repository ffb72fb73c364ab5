"""Filters shared by pages and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

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
