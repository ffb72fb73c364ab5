"""Payout statements: one PDF per staff member and approved month (WeasyPrint, Chinese fonts),
and the month's payroll for the finance office (xlsx).

A statement is rendered once, after the approval commits, by the task
``billing.render_statements`` (the whole run), and kept under
``BILLING_PRIVATE_ROOT/statements/`` (outside the web root); a download serves the stored
file, rendering it first when the task has not run yet (same function, same bytes; the file
is written to a temporary name and renamed, so concurrent renders end with one file). An
approved line never changes (database trigger), so the cached file never goes stale.
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
from billing.models import PayoutAdjustment, PayoutDeduction, PayoutLine, PayoutRun, PayoutStatus
from billing.money import capitals, fmt, to_yuan

# The printed statement is a Chinese document (like the receipts).
KIND_ZH = {
    "school_teacher": "本校教师",
    "retired_teacher": "退休教师",
    "volunteer": "志愿者",
    "external": "外聘人员",
    "institution": "机构教师",
}
BASIS_ZH = {
    "scheme": "课后服务补助",
    "points": "工作量积分",
    "agreement": "劳务费（按协议）",
    "no_agreement": "未登记劳务协议，不计发",
    "unpaid": "志愿服务，不计发",
}
UNIT_ZH = {"session": "节次", "lesson": "课时"}


def deduction_zh(d) -> str:
    """One deduction in the words of the seed (扣除当月…/本学期…)."""
    of = "本学期" if d.base == "semester" else "当月"
    if d.kind == "early_leave":
        what = f"早退{d.count}次"
    elif d.kind == "missed":
        what = f"无故空堂{d.count}次"
    elif d.kind == "handover":
        what = f"交接违规{d.count}次"
    elif d.kind == "complaint":
        what = "家长投诉经查属实"
    else:
        what = "发生重大安全事故"
    return f"{what}，扣除{of}{d.percent}%"


def pdf_path(line: PayoutLine) -> Path:
    return (
        conf.private_root()
        / "statements"
        / str(line.school_id)
        / str(line.run.public_id)
        / f"{line.public_id}.pdf"
    )


def _lines(run_id: int):
    return PayoutLine.objects.filter(run_id=run_id).select_related(
        "run__school", "run__semester", "run__approved_by", "staff"
    )


def render(line: PayoutLine) -> Path:
    """The line's statement PDF (rendered now if it is not stored yet). Only an approved
    month has statements."""
    if line.run.status != PayoutStatus.APPROVED:
        raise ValueError("statements are issued for approved months only")
    target = pdf_path(line)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    data = pdf_bytes(line)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def render_run(*, run_id: int) -> int:
    """Every statement of an approved run (the task's body); returns how many were new."""
    run = PayoutRun.objects.get(pk=run_id)
    if run.status != PayoutStatus.APPROVED:
        return 0
    made = 0
    for line in _lines(run_id):
        if not pdf_path(line).exists():
            render(line)
            made += 1
    return made


def pdf_bytes(line: PayoutLine) -> bytes:
    from weasyprint import HTML  # heavy (Pango): loaded only where PDFs are made

    run = line.run
    deductions = list(PayoutDeduction.objects.filter(line=line).order_by("pk"))
    adjustments = list(PayoutAdjustment.objects.filter(line=line).order_by("created_at", "pk"))
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "billing/payouts/statement_pdf.html",
            {
                "line": line,
                "run": run,
                "kind": KIND_ZH.get(line.staff_kind, line.staff_kind),
                "basis": BASIS_ZH.get(line.basis, line.basis),
                "unit": UNIT_ZH.get(line.rate_unit, ""),
                "deductions": [(deduction_zh(d), d) for d in deductions],
                "adjustments": adjustments,
                "capitals": capitals(line.total_fen),
                "total": fmt(line.total_fen),
                "unrecorded": len(line.evidence.get("unrecorded", [])),
                "approved_at": timezone.localtime(run.approved_at) if run.approved_at else None,
            },
        )
    out = io.BytesIO()
    HTML(string=html).write_pdf(out)
    return out.getvalue()


def payroll_xlsx(run: PayoutRun) -> bytes:
    """The month's payroll for the finance office (one row per staff member)."""
    headers = [
        "姓名",
        "类别",
        "计发方式",
        "服务节数",
        "计发节数",
        "计发课时",
        "标准（元）",
        "上课补助",
        "课间安全管理",
        "值班领导",
        "行政值班",
        "应发",
        "扣除",
        "扣除事由",
        "调整",
        "调整事由",
        "实发",
        "签收",
    ]
    status = "已审批" if run.status == PayoutStatus.APPROVED else "待审批（仅供核对）"
    data = tablib.Dataset(headers=headers, title=f"{run.month:%Y-%m} {status}"[:31])
    lines = list(_lines(run.pk).order_by("staff_name", "pk"))
    deductions: dict[int, list[str]] = {}
    for d in PayoutDeduction.objects.filter(line__run=run).order_by("pk"):
        deductions.setdefault(d.line_id, []).append(deduction_zh(d))
    adjustments: dict[int, list[str]] = {}
    for a in PayoutAdjustment.objects.filter(line__run=run).order_by("created_at", "pk"):
        adjustments.setdefault(a.line_id, []).append(f"{fmt(a.amount_fen)}：{a.reason}")
    for line in lines:
        data.append(
            [
                line.staff_name,
                KIND_ZH.get(line.staff_kind, line.staff_kind),
                BASIS_ZH.get(line.basis, line.basis),
                line.sessions_served,
                line.sessions_paid,
                line.lessons_paid,
                f"{to_yuan(line.rate_fen)}/{UNIT_ZH.get(line.rate_unit, '')}",
                to_yuan(line.teaching_fen),
                to_yuan(line.safety_fen),
                to_yuan(line.leader_fen),
                to_yuan(line.admin_fen),
                to_yuan(line.gross_fen),
                to_yuan(line.deduction_fen),
                "；".join(deductions.get(line.pk, [])),
                to_yuan(line.adjustment_fen),
                "；".join(adjustments.get(line.pk, [])),
                to_yuan(line.total_fen),
                "",
            ]
        )
    data.append(
        [
            "合计",
            "",
            "",
            sum(x.sessions_served for x in lines),
            sum(x.sessions_paid for x in lines),
            sum(x.lessons_paid for x in lines),
            "",
            to_yuan(sum(x.teaching_fen for x in lines)),
            to_yuan(sum(x.safety_fen for x in lines)),
            to_yuan(sum(x.leader_fen for x in lines)),
            to_yuan(sum(x.admin_fen for x in lines)),
            to_yuan(run.gross_fen),
            to_yuan(run.deduction_fen),
            "",
            to_yuan(run.adjustment_fen),
            "",
            to_yuan(run.total_fen),
            "",
        ]
    )
    return xlsx_bytes(data)  # formula-like text stays text
