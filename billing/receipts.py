"""Receipt PDFs (WeasyPrint, Chinese fonts from fonts-wqy-microhei) and the school's receipt
register (xlsx).

A receipt's PDF is rendered once, after the payment commits, by the task
``billing.render_receipt``, and kept under ``BILLING_PRIVATE_ROOT/receipts/`` (outside the web
root); downloads serve the stored file (rendering it first if the task has not run yet —
same function, same file, so concurrent renders end with one identical file).
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

import tablib
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aftercare.exports import xlsx_bytes
from billing import conf
from billing.models import InvoiceLine, Receipt
from billing.money import capitals, fmt, to_yuan


def pdf_path(receipt: Receipt) -> Path:
    return conf.private_root() / "receipts" / str(receipt.school_id) / f"{receipt.number}.pdf"


def render(*, receipt_id: int) -> Path:
    """Render (or find) the receipt's PDF; idempotent."""
    receipt = Receipt.objects.select_related(
        "school",
        "payment__invoice__student__school_class",
        "payment__invoice__semester",
        "payment__order",
    ).get(pk=receipt_id)
    target = pdf_path(receipt)
    if receipt.pdf_path and target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    data = pdf_bytes(receipt)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    Receipt.objects.filter(pk=receipt.pk).update(
        pdf_path=str(target.relative_to(conf.private_root())), pdf_at=timezone.now()
    )
    return target


def pdf_bytes(receipt: Receipt) -> bytes:
    from weasyprint import HTML  # heavy (Pango): loaded only where PDFs are made

    payment = receipt.payment
    invoice = payment.invoice
    lines = list(
        InvoiceLine.objects.filter(invoice=invoice, revision=payment.order.revision).order_by(
            "service", "course_id"
        )
    )
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "billing/receipt_pdf.html",
            {
                "receipt": receipt,
                "payment": payment,
                "invoice": invoice,
                "lines": lines,
                "amount": fmt(payment.amount_fen),
                "capitals": capitals(payment.amount_fen),
                "paid_at": timezone.localtime(payment.paid_at),
            },
        )
    out = io.BytesIO()
    HTML(string=html).write_pdf(out)
    return out.getvalue()


def register_xlsx(receipts) -> bytes:
    """The receipt register (收据登记簿) as an xlsx workbook."""

    data = tablib.Dataset(
        headers=["收据号", "开具时间", "学生", "班级", "学期", "金额（元）", "支付流水号", "订单号"]
    )
    for r in receipts:
        payment = r.payment
        invoice = payment.invoice
        data.append(
            [
                r.number,
                timezone.localtime(r.issued_at).strftime("%Y-%m-%d %H:%M"),
                invoice.student.name,
                str(invoice.student.school_class.name),
                invoice.semester.name,
                to_yuan(payment.amount_fen),
                payment.transaction_id,
                payment.order.out_trade_no,
            ]
        )
    return xlsx_bytes(data)  # formula-like text stays text
