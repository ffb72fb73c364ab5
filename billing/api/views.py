"""Billing API views. Every object is looked up ``visible_to`` the caller: another family's
invoice or another school's fund is 404; a wrong role in one's own tenant is 403."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import FileResponse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from aftercare.api_base import ERROR_RESPONSES, ScopedViewSetMixin
from aftercare.models import School, Semester
from aftercare.parsers import JSONParser  # never a 500 on a malformed body
from aftercare.tenancy import get_visible_or_404
from billing import receipts
from billing.api import serializers as s
from billing.models import (
    BillingRun,
    Exemption,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentOrder,
    Receipt,
    Refund,
    RunKind,
)
from billing.services import exemptions as exemption_services
from billing.services import ledger, payments, runs, settlement
from enrollment.models import Student

WRITE_ERRORS = {**ERROR_RESPONSES, 409: ERROR_RESPONSES[400]}


class _ReadOnly(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    pass


@extend_schema_view(
    list=extend_schema(summary="Invoices the caller may see (families: their children's)"),
    retrieve=extend_schema(summary="One invoice with its lines, payments and refunds"),
)
class InvoiceViewSet(_ReadOnly):
    queryset = Invoice.objects.all()
    serializer_class = s.InvoiceSerializer

    def base_queryset(self):
        qs = Invoice.objects.select_related("school", "semester", "student")
        if self.action == "retrieve":
            qs = qs.prefetch_related(
                Prefetch("lines", queryset=InvoiceLine.objects.select_related("course")),
                Prefetch("payments", queryset=Payment.objects.select_related("receipt")),
                "refunds__invoice",
            )
        return qs.order_by("-issued_at", "-pk")

    def get_serializer_class(self):
        return s.InvoiceDetailSerializer if self.action == "retrieve" else s.InvoiceSerializer

    @extend_schema(
        summary="Pay the invoice in full (guardian): returns the payment order and its pay URL",
        description="409 ``not_payable`` (paid, nothing due), ``no_merchant``. The pay URL "
        "appears once the gateway has opened the order (poll the order).",
        request=None,
        responses={201: s.OrderSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, public_id=None):
        order = payments.start_payment(actor=request.user, invoice=self.get_object())
        order.refresh_from_db()
        return Response(s.OrderSerializer(order).data, status=status.HTTP_201_CREATED)


@extend_schema_view(retrieve=extend_schema(summary="A payment order and its pay URL"))
class OrderViewSet(ScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = PaymentOrder.objects.select_related("invoice")
    serializer_class = s.OrderSerializer


@extend_schema_view(
    list=extend_schema(summary="Receipts the caller may see"),
    retrieve=extend_schema(summary="One receipt"),
)
class ReceiptViewSet(_ReadOnly):
    queryset = Receipt.objects.select_related("payment__invoice").order_by(
        "school_id", "year", "seq"
    )
    serializer_class = s.ReceiptSerializer

    @extend_schema(summary="The receipt as PDF", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, public_id=None):
        receipt = self.get_object()
        path = receipts.render(receipt_id=receipt.pk)
        return FileResponse(
            open(path, "rb"),
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{receipt.number}.pdf",
        )


@extend_schema_view(
    list=extend_schema(summary="Refunds the caller may see, with their computation"),
    retrieve=extend_schema(summary="One refund and how it was computed"),
)
class RefundViewSet(_ReadOnly):
    queryset = Refund.objects.select_related("invoice").order_by("-created_at", "-pk")
    serializer_class = s.RefundSerializer


@extend_schema_view(
    list=extend_schema(summary="Exemption applications the caller may see"),
    retrieve=extend_schema(summary="One exemption application"),
)
class ExemptionViewSet(_ReadOnly, mixins.CreateModelMixin):
    queryset = Exemption.objects.select_related("student", "semester").order_by("-applied_at")
    serializer_class = s.ExemptionSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="Apply for an exemption (guardian; multipart with the evidence file)",
        request={"multipart/form-data": s.ExemptionCreateSerializer},
        responses={201: s.ExemptionSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = s.ExemptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        student = get_visible_or_404(Student, self.scope, public_id=v["student"])
        semester = get_visible_or_404(Semester, self.scope, public_id=v["semester"])
        exemption = exemption_services.apply_exemption(
            actor=request.user,
            student=student,
            semester=semester,
            category=v["category"],
            evidence=v["evidence"],
            note=v["note"],
        )
        return Response(s.ExemptionSerializer(exemption).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Verify (school manager): applies to the next billing and unpaid invoices",
        request=None,
        responses={200: s.ExemptionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, public_id=None):
        exemption = exemption_services.verify_exemption(
            actor=request.user, exemption=self.get_object()
        )
        return Response(s.ExemptionSerializer(exemption).data)

    @extend_schema(
        summary="Refuse with a reason (school manager)",
        request=s.ReasonSerializer,
        responses={200: s.ExemptionSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def refuse(self, request, public_id=None):
        exemption = self.get_object()  # another tenant's: 404 before anything else
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        exemption = exemption_services.refuse_exemption(
            actor=request.user, exemption=exemption, reason=data.validated_data["reason"]
        )
        return Response(s.ExemptionSerializer(exemption).data)


@extend_schema_view(
    list=extend_schema(summary="Billing and settlement runs (school staff, officials)"),
    retrieve=extend_schema(summary="A run's progress"),
)
class RunViewSet(_ReadOnly, mixins.CreateModelMixin):
    queryset = BillingRun.objects.select_related("school", "semester").order_by("-created_at")
    serializer_class = s.RunSerializer

    @extend_schema(
        summary="Start semester billing or term-end settlement (principal, school admin)",
        description="409 ``billing_refused`` names every reason: fee standard not published, "
        "outside the billing window (no cross-term prepayment), a line above a policy cap; "
        "``run_active`` when one is already running.",
        request=s.RunCreateSerializer,
        responses={201: s.RunSerializer, **WRITE_ERRORS},
    )
    def create(self, request):
        data = s.RunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = get_visible_or_404(School, self.scope, public_id=v["school"])
        semester = get_visible_or_404(Semester, self.scope, public_id=v["semester"])
        start = (
            settlement.start_settlement if v["kind"] == RunKind.SETTLEMENT else runs.start_billing
        )
        run = start(actor=request.user, school=school, semester=semester)
        run.refresh_from_db()
        return Response(s.RunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A school's ring-fenced fund: balances by category (fen) and summary",
        responses={200: s.FundSerializer, **ERROR_RESPONSES},
    )
)
class FundViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    queryset = School.objects.all()
    serializer_class = s.FundSerializer

    def retrieve(self, request, public_id=None):
        school = self.get_object()
        if not (self.scope.manages(school) or self.scope.is_official(school.district_id)):
            raise PermissionDenied
        bal = ledger.balances(school_id=school.pk, district_id=school.district_id)
        return Response(
            {"school": school.public_id, "balances": bal, "summary": ledger.summary(bal)}
        )
