"""API of teacher subsidy payouts and the term-end disclosure.

Lookups go through the scope: a payout run is its school managers' and the district's
officials' (a teacher of the school gets 404, as does everyone else); a payout line is also
its own teacher's once the month is approved (``statements``); a disclosure and its versions
are the school managers', its parents' committee reviewers' and the officials'. Refusals come
from the services, through the project's single exception handler: approving twice,
paying a session not served, publishing an unreviewed disclosure are 409s with the reason,
and nothing is written."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.models import School, Semester
from aftercare.tenancy import get_visible_or_404
from billing import statements
from billing.api import serializers as s
from billing.models import (
    Disclosure,
    DisclosureStatus,
    DisclosureVersion,
    PayoutAdjustment,
    PayoutDeduction,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
)
from billing.services import disclosure as disclosures
from billing.services import payouts

WRITE_ERRORS = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _managed_or_official(scope) -> Q:
    return Q(school_id__in=scope.manager_schools) | Q(district_id__in=scope.official_districts)


def _lines_queryset():
    return PayoutLine.objects.select_related("run").prefetch_related(
        Prefetch("deductions", queryset=PayoutDeduction.objects.order_by("pk")),
        Prefetch("adjustments", queryset=PayoutAdjustment.objects.order_by("created_at", "pk")),
    )


@extend_schema_view(
    list=extend_schema(summary="Payout runs (school managers, the district's officials)"),
    retrieve=extend_schema(summary="A payout run: status and totals (fen)"),
)
class PayoutRunViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = PayoutRun.objects.all()
    serializer_class = s.PayoutRunSerializer

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .filter(_managed_or_official(self.scope))
            .select_related("school", "semester", "rules")
            .order_by("-month", "-created_at", "-pk")
        )

    @extend_schema(
        summary="Start (or recompute) a school's payout month (principal, school admin)",
        description="Computed by a Celery job from staff attendance; poll the run. 409 "
        "``payout_refused`` names every reason (the month is not over, no rules, a school "
        "value outside the district's bounds), ``payout_active``, ``payout_approved``.",
        request=s.PayoutRunCreateSerializer,
        responses={201: s.PayoutRunSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = s.PayoutRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = get_visible_or_404(School, self.scope, public_id=v["school"])
        year, month = (int(x) for x in v["month"].split("-"))
        run = payouts.start_payout_run(
            actor=request.user, school=school, month=date(year, month, 1)
        )
        run = self.get_queryset().get(pk=run.pk)
        return Response(s.PayoutRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve the month: the payouts go to the ledger, statements are issued",
        description="409 ``payout_approved`` (approving twice: who approved it and when; "
        "nothing is written), ``payout_not_in_review``.",
        request=None,
        responses={200: s.PayoutRunSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, public_id=None):
        run = payouts.approve_run(actor=request.user, run=self.get_object())
        return Response(s.PayoutRunSerializer(self.get_queryset().get(pk=run.pk)).data)

    @extend_schema(
        summary="The run's lines: per staff member, sessions served, deductions, total",
        responses={200: s.PayoutLineSerializer(many=True), **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def lines(self, request, public_id=None):
        run = self.get_object()
        rows = _lines_queryset().filter(run=run).order_by("staff_name", "pk")
        return Response(s.PayoutLineSerializer(rows, many=True).data)

    @extend_schema(
        summary="The month's payroll for the finance office (xlsx)",
        responses={(200, XLSX): bytes},
    )
    @action(detail=True, methods=["get"])
    def payroll(self, request, public_id=None):
        run = self.get_object()
        response = HttpResponse(statements.payroll_xlsx(run), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="payroll-{run.month:%Y-%m}.xlsx"'
        return response


@extend_schema_view(
    list=extend_schema(summary="Payout lines the caller may see (managers: their schools')"),
    retrieve=extend_schema(summary="One payout line with its deductions and adjustments"),
)
class PayoutLineViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = PayoutLine.objects.all()
    serializer_class = s.PayoutLineSerializer

    def get_queryset(self):
        return (
            _lines_queryset()
            .visible_to(self.scope)
            .filter(_managed_or_official(self.scope))
            .order_by("-run__month", "staff_name", "pk")
        )

    @extend_schema(
        summary="Adjust a line with a reason (principal, school admin; audited)",
        description="``amount_fen`` and/or ``units`` (sessions or 课时 at the line's rate). "
        "409 ``not_served`` (more units than staff attendance shows: a session not served is "
        "never paid), ``over_cap``, ``payout_approved``, ``payout_not_in_review``; 400 without "
        "a reason or with a total below zero.",
        request=s.PayoutAdjustSerializer,
        responses={200: s.PayoutLineSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request, public_id=None):
        line = self.get_object()
        data = s.PayoutAdjustSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        payouts.adjust_line(
            actor=request.user,
            line=line,
            reason=v["reason"],
            amount_fen=v["amount_fen"],
            units=v["units"],
        )
        return Response(s.PayoutLineSerializer(self.get_queryset().get(pk=line.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="The caller's own payout statements (approved months)"),
    retrieve=extend_schema(summary="One of the caller's statements"),
)
class StatementViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A teacher's statements: their own lines of approved months, nobody else's."""

    queryset = PayoutLine.objects.all()
    serializer_class = s.PayoutLineSerializer

    def get_queryset(self):
        return (
            _lines_queryset()
            .visible_to(self.scope)
            .filter(staff__user=self.request.user, run__status=PayoutStatus.APPROVED)
            .order_by("-run__month", "pk")
        )

    @extend_schema(summary="The statement as PDF", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, public_id=None):
        line = self.get_object()
        path = statements.render(line)
        return FileResponse(
            open(path, "rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"statement-{line.run.month:%Y-%m}.pdf",
        )


@extend_schema_view(
    list=extend_schema(
        summary="Term-end disclosures (school managers, parents' committee reviewers, officials)"
    ),
    retrieve=extend_schema(summary="A disclosure with every version"),
)
class DisclosureViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Disclosure.objects.all()
    serializer_class = s.DisclosureSerializer

    def get_queryset(self):
        return (
            disclosures.disclosures_for(self.scope)
            .select_related("school", "semester")
            .prefetch_related(
                Prefetch("versions", queryset=DisclosureVersion.objects.order_by("-number"))
            )
            .order_by("-semester__start_date", "school_id")
        )

    @extend_schema(
        summary="Draft (or refresh) a school's disclosure from the ledger (principal)",
        description="409 ``disclosure_published``: the latest version is published (amend).",
        request=s.DisclosureCreateSerializer,
        responses={201: s.DisclosureVersionSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = s.DisclosureCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = get_visible_or_404(School, self.scope, public_id=v["school"])
        semester = get_visible_or_404(Semester, self.scope, public_id=v["semester"])
        if semester.district_id != school.district_id:
            raise Http404
        version = disclosures.draft_disclosure(actor=request.user, school=school, semester=semester)
        return Response(s.DisclosureVersionSerializer(version).data, status=201)

    @extend_schema(
        summary="After publication: draft the next version with a reason (principal)",
        request=s.ReasonSerializer,
        responses={201: s.DisclosureVersionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, public_id=None):
        disclosure = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = disclosures.amend_disclosure(
            actor=request.user, disclosure=disclosure, reason=data.validated_data["reason"]
        )
        return Response(s.DisclosureVersionSerializer(version).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="Disclosure versions the caller may read"),
    retrieve=extend_schema(summary="One version: the figures (fen) and its status"),
)
class DisclosureVersionViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = DisclosureVersion.objects.all()
    serializer_class = s.DisclosureVersionSerializer

    def get_queryset(self):
        return (
            disclosures.versions_for(self.scope)
            .select_related("disclosure__school", "disclosure__semester")
            .order_by("-drafted_at", "-pk")
        )

    @extend_schema(
        summary="Confirm the draft for the parents' committee (reviewer of that school)",
        description="403 for anyone but the school's reviewers; 409 ``disclosure_not_draft``.",
        request=s.NoteSerializer,
        responses={200: s.DisclosureVersionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, public_id=None):
        version = self.get_object()
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = disclosures.review_disclosure(
            actor=request.user, version=version, note=data.validated_data["note"]
        )
        return Response(s.DisclosureVersionSerializer(version).data)

    @extend_schema(
        summary="Publish a confirmed version (principal)",
        description="409 ``not_reviewed`` (not confirmed by the parents' committee), "
        "``semester_running``, ``ledger_mismatch`` (naming each figure that differs from the "
        "ledger), ``disclosure_published``; nothing is written.",
        request=None,
        responses={200: s.DisclosureVersionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, public_id=None):
        version = disclosures.publish_disclosure(actor=request.user, version=self.get_object())
        return Response(s.DisclosureVersionSerializer(version).data)

    @extend_schema(
        summary="The published version as PDF",
        responses={(200, "application/pdf"): bytes, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["get"])
    def pdf(self, request, public_id=None):
        version = self.get_object()
        if version.status != DisclosureStatus.PUBLISHED:
            raise Http404
        path = disclosures.render_pdf(version_id=version.pk)
        return FileResponse(
            open(path, "rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"disclosure-v{version.number}.pdf",
        )
