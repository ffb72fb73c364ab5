from rest_framework import serializers

from billing.models import (
    BillingRun,
    Disclosure,
    DisclosureVersion,
    Exemption,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentOrder,
    PayoutAdjustment,
    PayoutDeduction,
    PayoutLine,
    PayoutRun,
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


# --------------------------------------------------------------------------- payouts


class PayoutDeductionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayoutDeduction
        fields = ["kind", "count", "percent", "base", "amount_fen", "evidence"]


class PayoutAdjustmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = PayoutAdjustment
        fields = ["id", "amount_fen", "units", "reason", "created_at"]


class PayoutRunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    rules_version = serializers.IntegerField(source="rules.version", read_only=True)

    class Meta:
        model = PayoutRun
        fields = [
            "id",
            "school",
            "semester",
            "month",
            "status",
            "rules_version",
            "staff_count",
            "gross_fen",
            "deduction_fen",
            "adjustment_fen",
            "total_fen",
            "error",
            "created_at",
            "computed_at",
            "approved_at",
        ]


class PayoutRunCreateSerializer(serializers.Serializer):
    school = serializers.UUIDField()
    month = serializers.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM")


class PayoutLineSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    run = serializers.UUIDField(source="run.public_id", read_only=True)
    month = serializers.DateField(source="run.month", read_only=True)
    deductions = PayoutDeductionSerializer(many=True, read_only=True)
    adjustments = PayoutAdjustmentSerializer(many=True, read_only=True)
    unrecorded_sessions = serializers.SerializerMethodField()

    class Meta:
        model = PayoutLine
        fields = [
            "id",
            "run",
            "month",
            "staff_name",
            "staff_kind",
            "basis",
            "rate_unit",
            "rate_fen",
            "sessions_served",
            "lessons_served",
            "sessions_paid",
            "lessons_paid",
            "teaching_fen",
            "safety_days",
            "safety_fen",
            "leader_days",
            "leader_fen",
            "admin_units",
            "admin_fen",
            "points",
            "capped_fen",
            "gross_fen",
            "deduction_fen",
            "adjustment_fen",
            "total_fen",
            "deductions",
            "adjustments",
            "unrecorded_sessions",
        ]

    def get_unrecorded_sessions(self, line) -> int:
        return len(line.evidence.get("unrecorded", []))


class PayoutAdjustSerializer(serializers.Serializer):
    amount_fen = serializers.IntegerField(required=False, default=0)
    units = serializers.IntegerField(
        required=False, default=0, help_text="Sessions (or 课时) at the line's rate"
    )
    reason = serializers.CharField(max_length=200)


# --------------------------------------------------------------------------- disclosure


class DisclosureVersionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    disclosure = serializers.UUIDField(source="disclosure.public_id", read_only=True)

    class Meta:
        model = DisclosureVersion
        fields = [
            "id",
            "disclosure",
            "number",
            "status",
            "figures",
            "fees_fen",
            "reductions_fen",
            "subsidy_fen",
            "income_fen",
            "spending_fen",
            "balance_fen",
            "carried_in_fen",
            "carried_out_fen",
            "journals",
            "amendment_reason",
            "drafted_at",
            "reviewed_at",
            "review_note",
            "published_at",
        ]


class DisclosureSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    school = serializers.UUIDField(source="school.public_id", read_only=True)
    semester = serializers.UUIDField(source="semester.public_id", read_only=True)
    versions = DisclosureVersionSerializer(many=True, read_only=True)

    class Meta:
        model = Disclosure
        fields = ["id", "school", "semester", "due_date", "versions"]


class DisclosureCreateSerializer(serializers.Serializer):
    school = serializers.UUIDField()
    semester = serializers.UUIDField()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
