"""Teacher subsidy pages: the principal's payout runs (start a month, review each line with
its sessions served, deductions and their evidence, adjust with a reason, approve), the
statement PDF of each line, the finance office's xlsx; a teacher's own statements; the
school's expenses; the district's subsidy per semester and school."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import Semester
from aftercare.roles import OFFICIAL_ROLES
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import apply_domain_error, domain_errors, error_messages
from billing import selectors, statements
from billing.forms import AdjustForm, ExpenseForm, PayoutStartForm
from billing.models import (
    EXPENSE_CATEGORIES,
    DistrictSubsidy,
    Expense,
    PayoutAdjustment,
    PayoutDeduction,
    PayoutLine,
    PayoutRun,
    PayoutStatus,
)
from billing.money import to_fen
from billing.services import expenses as expense_services
from billing.services import payouts, subsidies
from billing.views.school import _school, _semester

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _months(today: date, count: int = 6) -> list[date]:
    """The last ``count`` months that are over, newest first."""
    month, out = today.replace(day=1), []
    for _i in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
        out.append(month)
    return out


def _run(request, run_id) -> PayoutRun:
    """A run of a school the user manages (officials of its district read it)."""
    run = get_visible_or_404(
        PayoutRun.objects.select_related("school", "semester", "approved_by", "rules"),
        request.scope,
        public_id=run_id,
    )
    scope = request.scope
    if not (scope.manages(run.school) or scope.is_official(run.district_id)):
        raise Http404  # a teacher of the school sees their own line, never the run
    return run


def _run_url(run) -> str:
    return reverse("billing_payout_run", args=[run.public_id])


@login_required
def payout_runs(request, school_id):
    school = _school(request, school_id)
    today = timezone.localdate()
    form = PayoutStartForm(months=_months(today))
    return render(
        request,
        "billing/payouts/runs.html",
        {
            "school": school,
            "runs": list(selectors.payout_runs_for(scope=request.scope, school=school)[:24]),
            "form": form,
            "manages": request.scope.manages(school),
            "nav": f"payouts-{school.pk}",
        },
    )


@require_POST
@login_required
def payout_start(request, school_id):
    school = _school(request, school_id, manage=True)
    back = reverse("billing_payouts", args=[school.public_id])
    form = PayoutStartForm(request.POST, months=_months(timezone.localdate()))
    if not form.is_valid():
        messages.error(request, _("Choose a month that is over."))
        return redirect(back)
    year, month = (int(x) for x in form.cleaned_data["month"].split("-"))
    try:
        run = payouts.start_payout_run(
            actor=request.user, school=school, month=date(year, month, 1)
        )
    except DomainError as err:
        messages.error(request, str(err.message))
        return redirect(back)
    messages.success(request, _("Started; the lines appear when it has been computed."))
    return redirect(_run_url(run))


@login_required
def payout_run(request, run_id):
    run = _run(request, run_id)
    lines = list(
        PayoutLine.objects.filter(run=run)
        .prefetch_related(
            Prefetch("deductions", queryset=PayoutDeduction.objects.order_by("pk")),
            Prefetch(
                "adjustments",
                queryset=PayoutAdjustment.objects.select_related("created_by").order_by(
                    "created_at", "pk"
                ),
            ),
        )
        .order_by("staff_name", "pk")
    )
    words = selectors.word_evidence(lines)
    for line in lines:
        line.worded = [
            (d, [words.get(str(e), str(e)) for e in d.evidence or []])
            for d in line.deductions.all()
        ]
        line.unrecorded_count = len(line.evidence.get("unrecorded", []))
        line.unpaid = line.evidence.get("unpaid", [])
    manages = request.scope.manages(run.school)
    context = {
        "run": run,
        "school": run.school,
        "lines": lines,
        "manages": manages,
        "can_change": manages and run.status == PayoutStatus.REVIEW,
        "adjust_form": AdjustForm(),
        "nav": f"payouts-{run.school_id}",
    }
    if request.htmx and run.active:
        return render(request, "billing/payouts/_status.html", context)
    return render(request, "billing/payouts/run.html", context)


@require_POST
@login_required
def payout_adjust(request, line_id):
    line = get_visible_or_404(
        PayoutLine.objects.select_related("run__school"), request.scope, public_id=line_id
    )
    if not request.scope.manages(line.run.school):
        raise PermissionDenied
    form = AdjustForm(request.POST)
    back = _run_url(line.run) + f"#line-{line.public_id}"
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, f"{line.staff_name}：{e}")
        return redirect(back)
    amount = form.cleaned_data.get("amount")
    try:
        payouts.adjust_line(
            actor=request.user,
            line=line,
            reason=form.cleaned_data["reason"],
            amount_fen=to_fen(amount) if amount else 0,
            units=form.cleaned_data.get("units") or 0,
        )
    except DomainError as err:
        for e in error_messages(err):
            messages.error(request, f"{line.staff_name}：{e}")
        return redirect(back)
    messages.success(request, _("Adjusted: %(name)s.") % {"name": line.staff_name})
    return redirect(back)


@require_POST
@login_required
@domain_errors(back=lambda request, run_id: reverse("billing_payout_run", args=[run_id]))
def payout_approve(request, run_id):
    run = _run(request, run_id)
    if not request.scope.manages(run.school):
        raise PermissionDenied
    payouts.approve_run(actor=request.user, run=run)
    messages.success(
        request, _("Approved: the payouts are in the ledger and the statements are issued.")
    )
    return redirect(_run_url(run))


@login_required
def payout_xlsx(request, run_id):
    run = _run(request, run_id)
    response = HttpResponse(statements.payroll_xlsx(run), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        True, f"课后服务补助-{run.school.name}-{run.month:%Y-%m}.xlsx"
    )
    return response


@login_required
def statement_pdf(request, line_id):
    """The line's statement: the teacher's own, or any of the school's for its managers;
    only an approved month has one."""
    line = get_visible_or_404(
        PayoutLine.objects.select_related("run__school", "run__semester", "staff"),
        request.scope,
        public_id=line_id,
    )
    scope = request.scope
    own = line.staff.user_id == request.user.pk
    if not (own or scope.manages(line.run.school) or scope.is_official(line.district_id)):
        raise Http404
    if line.run.status != PayoutStatus.APPROVED:
        raise Http404
    path = statements.render(line)
    return FileResponse(
        open(path, "rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"补助明细-{line.staff_name}-{line.run.month:%Y-%m}.pdf",
    )


@login_required
def my_statements(request):
    lines = list(selectors.statements_for(user=request.user)[:36])
    return render(
        request, "billing/payouts/mine.html", {"lines": lines, "nav": "payout-statements"}
    )


# --------------------------------------------------------------------------- expenses


@login_required
def school_expenses(request, school_id):
    school = _school(request, school_id)
    semester = _semester(request, school)
    semesters = list(
        Semester.objects.filter(district_id=school.district_id).order_by("-start_date")
    )
    categories = [(str(c.value), c.label) for c in EXPENSE_CATEGORIES]
    manages = request.scope.manages(school)
    initial = {"semester": str(semester.public_id) if semester else ""}
    form = ExpenseForm(initial=initial, semesters=semesters, categories=categories)
    if request.method == "POST":
        if not manages:
            raise PermissionDenied
        form = ExpenseForm(request.POST, semesters=semesters, categories=categories)
        if form.is_valid():
            data = form.cleaned_data
            chosen = next(s for s in semesters if str(s.public_id) == data["semester"])
            try:
                expense_services.record_expense(
                    actor=request.user,
                    school=school,
                    semester=chosen,
                    category=data["category"],
                    amount_fen=to_fen(data["amount"]),
                    paid_on=data["paid_on"],
                    payee=data["payee"],
                    description=data["description"],
                    evidence=data["evidence"],
                )
            except DomainError as err:
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Recorded and posted to the ledger."))
                return redirect(
                    reverse("billing_expenses", args=[school.public_id])
                    + f"?semester={chosen.public_id}"
                )
    rows = (
        Expense.objects.visible_to(request.scope)
        .filter(school=school, semester=semester)
        .select_related("recorded_by")
        .order_by("-paid_on", "-pk")
    )
    return render(
        request,
        "billing/payouts/expenses.html",
        {
            "school": school,
            "semester": semester,
            "semesters": semesters,
            "expenses": list(rows[:200]),
            "total": sum(e.amount_fen for e in rows),
            "form": form,
            "manages": manages,
            "nav": f"payouts-{school.pk}",
        },
    )


# --------------------------------------------------------------------------- the district


@roles_required(*OFFICIAL_ROLES)
def district_subsidies(request):
    district = current_district(request)
    semesters = list(Semester.objects.filter(district=district).order_by("-start_date"))
    wanted = request.GET.get("semester") or request.POST.get("semester")
    semester = next((s for s in semesters if str(s.public_id) == wanted), None) or (
        semesters[0] if semesters else None
    )
    if request.method == "POST" and semester is not None:
        try:
            granted = subsidies.grant_district_subsidies(actor=request.user, semester=semester)
        except DomainError as err:
            messages.error(request, str(err.message))
        else:
            messages.success(
                request,
                _("Recorded for %(n)s schools and posted to their ledgers.") % {"n": len(granted)},
            )
        return redirect(reverse("billing_district_subsidies") + f"?semester={semester.public_id}")
    rows, recorded = [], {}
    if semester is not None:
        rows = subsidies.subsidy_figures(semester=semester)
        recorded = {
            d.school_id: d
            for d in DistrictSubsidy.objects.filter(district=district, semester=semester)
        }
        for row in rows:
            row["recorded"] = recorded.get(row["school"].pk)
    return render(
        request,
        "billing/payouts/district_subsidies.html",
        {
            "district": district,
            "semester": semester,
            "semesters": semesters,
            "rows": rows,
            "pending": any(r["amount_fen"] > 0 and not r["recorded"] for r in rows),
            "total": sum((r["recorded"].amount_fen if r["recorded"] else 0) for r in rows),
            "nav": "district-subsidies",
        },
    )
