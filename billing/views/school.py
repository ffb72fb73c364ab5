"""The school's billing pages: start semester billing and watch it, invoices, exemptions to
verify, the receipt register, the ledger, term-end settlement; the district's overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.audit import record_event
from aftercare.errors import DomainError
from aftercare.models import School, Semester
from aftercare.roles import OFFICIAL_ROLES
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from billing import receipts, selectors
from billing.forms import RefuseForm
from billing.models import BillingRun, Exemption, InvoiceStatus, Journal, Refund, RunKind
from billing.services import exemptions as exemption_services
from billing.services import ledger, runs, settlement


def _school(request, school_id, *, manage: bool = False) -> School:
    """Another tenant's school is 404; one's own school without a staff role is 403 (the
    lookup comes first, so a foreign id never learns which roles would pass)."""
    school = get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    scope = request.scope
    allowed = scope.manages(school) or (not manage and scope.is_official(school.district_id))
    if not allowed:
        raise PermissionDenied
    return school


def _semester(request, school) -> Semester | None:
    semesters = Semester.objects.filter(district_id=school.district_id)
    wanted = request.GET.get("semester") or request.POST.get("semester")
    if wanted:
        found = semesters.filter(public_id=wanted).first()
        if found:
            return found
    today = timezone.localdate()
    return (
        semesters.filter(start_date__lte=today, end_date__gte=today).first()
        or semesters.order_by("-start_date").first()
    )


@login_required
def school_billing(request, school_id):
    school = _school(request, school_id)
    semester = _semester(request, school)
    context = {"school": school, "semester": school and semester, "nav": f"billing-{school.pk}"}
    if semester is not None:
        reasons, version, _policy = runs.refusals(
            school=school, semester=semester, today=timezone.localdate()
        )
        invoices = selectors.school_invoices(scope=request.scope, school=school, semester=semester)
        bal = ledger.balances(school_id=school.pk, district_id=school.district_id)
        context.update(
            semesters=Semester.objects.filter(district_id=school.district_id).order_by(
                "-start_date"
            ),
            refusals=reasons,
            version=version,
            run=selectors.latest_run(school=school, semester=semester),
            settlement_run=selectors.latest_run(
                school=school, semester=semester, kind=RunKind.SETTLEMENT
            ),
            totals=selectors.invoice_totals(invoices),
            exemptions=list(
                selectors.school_exemptions(scope=request.scope, school=school, semester=semester)[
                    :100
                ]
            ),
            refunds=list(
                Refund.objects.filter(school=school, invoice__semester=semester)
                .select_related("invoice__student")
                .order_by("-created_at")[:50]
            ),
            summary=ledger.summary(bal),
            manages=request.scope.manages(school),
            refuse_form=RefuseForm(),
            can_settle=timezone.localdate() > semester.end_date,
        )
    return render(request, "billing/school.html", context)


@require_POST
@login_required
def school_billing_start(request, school_id, kind):
    school = _school(request, school_id, manage=True)
    semester = _semester(request, school)
    try:
        if kind == "settle":
            settlement.start_settlement(actor=request.user, school=school, semester=semester)
        else:
            runs.start_billing(actor=request.user, school=school, semester=semester)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Started; the progress shows below."))
    return redirect(
        reverse("billing_school", args=[school.public_id]) + f"?semester={semester.public_id}"
    )


@login_required
def run_progress(request, run_id):
    run = get_visible_or_404(
        BillingRun.objects.select_related("semester", "school"), request.scope, public_id=run_id
    )
    _school(request, run.school.public_id)
    return render(request, "billing/_run_progress.html", {"run": run})


@login_required
def school_invoices(request, school_id):
    school = _school(request, school_id)
    semester = _semester(request, school)
    status = request.GET.get("status", "")
    qs = selectors.school_invoices(
        scope=request.scope,
        school=school,
        semester=semester,
        status=status if status in InvoiceStatus.values else "",
        class_id=request.GET.get("class") or None,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/school_invoices.html",
        {
            "school": school,
            "semester": semester,
            "page": page,
            "status": status,
            "statuses": InvoiceStatus.choices,
            "classes": school.classes.order_by("grade", "number"),
            "query": f"semester={semester.public_id if semester else ''}&status={status}",
            "nav": f"billing-{school.pk}",
        },
    )


@require_POST
@login_required
def exemption_decide(request, exemption_id, decision):
    exemption = get_visible_or_404(
        Exemption.objects.select_related("school"), request.scope, public_id=exemption_id
    )
    if not request.scope.manages(exemption.school) or decision not in ("verify", "refuse"):
        raise PermissionDenied
    try:
        if decision == "verify":
            exemption_services.verify_exemption(actor=request.user, exemption=exemption)
            messages.success(request, _("Verified."))
        else:
            form = RefuseForm(request.POST)
            exemption_services.refuse_exemption(
                actor=request.user,
                exemption=exemption,
                reason=form.data.get("reason", ""),
            )
            messages.success(request, _("Refused; the family sees the reason."))
    except DomainError as err:
        messages.error(
            request,
            err.message
            if not err.fields
            else " ".join(str(m) for ms in err.fields.values() for m in ms),
        )
    return redirect(reverse("billing_school", args=[exemption.school.public_id]) + "#exemptions")


@login_required
def receipt_register(request, school_id):
    school = _school(request, school_id)
    rows = selectors.receipts_for(scope=request.scope, school=school)
    data = receipts.register_xlsx(rows)
    record_event(actor=request.user, action="billing.receipts_exported", obj=school, payload={})
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"收据登记簿-{school.name}.xlsx"
    )
    return response


@login_required
def school_ledger(request, school_id):
    school = _school(request, school_id)
    bal = ledger.balances(school_id=school.pk, district_id=school.district_id)
    journals = Paginator(
        Journal.objects.visible_to(request.scope)
        .filter(school=school)
        .prefetch_related("lines")
        .order_by("-created_at", "-pk"),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/ledger.html",
        {
            "school": school,
            "balances": bal,
            "summary": ledger.summary(bal),
            "page": journals,
            "nav": f"billing-{school.pk}",
        },
    )


@roles_required(*OFFICIAL_ROLES)
def district_billing(request):
    district = current_district(request)
    by_school = ledger.balances_by_school(district_id=district.pk)
    rows = [
        {"school": school, "summary": ledger.summary(by_school.get(school.pk, {}))}
        for school in district.schools.order_by("code")
    ]
    return render(
        request,
        "billing/district.html",
        {
            "district": district,
            "rows": rows,
            "exemptions": selectors.district_exemptions(scope=request.scope, district=district),
            "nav": "district-billing",
        },
    )
