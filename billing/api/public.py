"""The public term-end disclosures of a school, read-only and anonymous like the public page
(``billing_public_disclosure``): only published versions (a draft or a confirmed version
awaiting publication is never shown), figures in fen, the spending categories, the PDF's
address; no personal data (no reviewer, no publisher, no journals)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from aftercare.api_base import ERROR_RESPONSES
from aftercare.models import School
from billing.models import Disclosure, DisclosureStatus, DisclosureVersion
from billing.services.disclosure import lines_of


class PublicLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    amount_fen = serializers.IntegerField()


class PublicVersionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    income = serializers.SerializerMethodField()
    spending = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = DisclosureVersion
        fields = [
            "id",
            "number",
            "published_at",
            "amendment_reason",
            "fees_fen",
            "reductions_fen",
            "subsidy_fen",
            "income_fen",
            "spending_fen",
            "balance_fen",
            "carried_in_fen",
            "carried_out_fen",
            "income",
            "spending",
            "pdf",
        ]

    def _lines(self, version, key):
        return PublicLineSerializer(
            [
                {"code": code, "label": str(label), "amount_fen": fen}
                for code, label, fen in lines_of(version)[key]
            ],
            many=True,
        ).data

    def get_income(self, version) -> list[dict]:
        return self._lines(version, "income")

    def get_spending(self, version) -> list[dict]:
        return self._lines(version, "spending")

    def get_pdf(self, version) -> str:
        return reverse("billing_public_disclosure_pdf", args=[version.public_id])


class PublicDisclosureSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.CharField(source="school.name")
    semester = serializers.CharField(source="semester.name")
    page = serializers.SerializerMethodField()
    versions = PublicVersionSerializer(source="published_versions", many=True)

    class Meta:
        model = Disclosure
        fields = ["id", "school", "semester", "page", "versions"]

    def get_page(self, disclosure) -> str:
        return reverse("billing_public_disclosure", args=[disclosure.public_id])


class PublicDisclosureList(ListAPIView):
    """Published term-end disclosures of a school (anonymous, read-only), newest semester
    first, each with its published versions (amendments are new versions, newest first)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    serializer_class = PublicDisclosureSerializer
    pagination_class = None

    @extend_schema(
        summary="A school's published term-end disclosures (public, no login)",
        description="Only published versions; a school with none returns an empty list. "
        "404 for an unknown school.",
        responses={200: PublicDisclosureSerializer(many=True), 404: ERROR_RESPONSES[404]},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no school
            return Disclosure.objects.none()
        school = School.objects.filter(public_id=self.kwargs["school_id"]).first()
        if school is None:
            raise Http404
        published = DisclosureVersion.objects.filter(status=DisclosureStatus.PUBLISHED).order_by(
            "-number"
        )
        return (
            Disclosure.objects.filter(school=school, versions__status=DisclosureStatus.PUBLISHED)
            .distinct()
            .select_related("school", "semester")
            .prefetch_related(
                Prefetch("versions", queryset=published, to_attr="published_versions")
            )
            .order_by("-semester__start_date")
        )
