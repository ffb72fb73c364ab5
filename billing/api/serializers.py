from rest_framework import serializers

from billing.models import (
    BillingRun,
    Exemption,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentOrder,
    Receipt,
    Refund,
)


class InvoiceLineSerializer(serializers.ModelSerializer):
    course = serializers.UUIDField(source="course.public_id", read_only=True, default=None)

    class Meta:
        model = InvoiceLine
        fields = [
            "service",
            "course",
            "label",
            "unit",
            "rate",
            "quantity",
            "sessions",
            "lessons",
            "gross_fen",
            "reduction_percent",
            "reduction_fen",
            "amount_fen",
        ]


class ReceiptSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    amount_fen = serializers.IntegerField(source="payment.amount_fen", read_only=True)
    invoice = serializers.UUIDField(source="payment.invoice.public_id", read_only=True)

    class Meta:
        model = Receipt
        fields = ["id", "number", "issued_at", "amount_fen", "invoice", "pdf_at"]


class PaymentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    receipt = serializers.CharField(source="receipt.number", read_only=True, default=None)

    class Meta:
        model = Payment
        fields = ["id", "gateway", "transaction_id", "amount_fen", "paid_at", "receipt"]


class RefundSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    invoice = serializers.UUIDField(source="invoice.public_id", read_only=True)

    class Meta:
        model = Refund
        fields = [
            "id",
            "invoice",
            "reason",
            "amount_fen",
            "status",
            "computation",
            "created_at",
            "succeeded_at",
        ]


class InvoiceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    student = serializers.UUIDField(source="student.public_id", read_only=True)
    student_name = serializers.CharField(source="student.name", read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "school",
            "semester",
            "student",
            "student_name",
            "kind",
            "revision",
            "status",
            "gross_fen",
            "reduction_fen",
            "amount_fen",
            "from_date",
            "until",
            "issued_at",
            "paid_at",
        ]


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = serializers.SerializerMethodField()
    payments = PaymentSerializer(many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines", "payments", "refunds"]

    def get_lines(self, obj) -> list[dict]:
        lines = [line for line in obj.lines.all() if line.revision == obj.revision]
        return InvoiceLineSerializer(lines, many=True).data


class OrderSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    invoice = serializers.UUIDField(source="invoice.public_id", read_only=True)

    class Meta:
        model = PaymentOrder
        fields = [
            "id",
            "invoice",
            "out_trade_no",
            "amount_fen",
            "gateway",
            "status",
            "pay_url",
            "expires_at",
        ]


class ExemptionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    student = serializers.UUIDField(source="student.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)

    class Meta:
        model = Exemption
        fields = [
            "id",
            "student",
            "semester",
            "category",
            "category_name",
            "reduction_percent",
            "status",
            "note",
            "evidence_name",
            "refusal_reason",
            "applied_at",
            "decided_at",
        ]


class ExemptionCreateSerializer(serializers.Serializer):
    student = serializers.UUIDField()
    semester = serializers.UUIDField()
    category = serializers.CharField(max_length=40)
    evidence = serializers.FileField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = BillingRun
        fields = [
            "id",
            "school",
            "semester",
            "kind",
            "status",
            "total",
            "processed",
            "percent",
            "invoices_created",
            "amount_fen",
            "created_at",
            "finished_at",
        ]


class RunCreateSerializer(serializers.Serializer):
    school = serializers.UUIDField()
    semester = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=["billing", "settlement"], default="billing")


class FundSerializer(serializers.Serializer):
    school = serializers.UUIDField()
    balances = serializers.DictField(child=serializers.IntegerField())
    summary = serializers.DictField(child=serializers.IntegerField())
