"""Parents' billing pages (phone-first): fee notices and invoices, paying, receipts, refunds,
exemption applications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import apply_domain_error
from billing import receipts, selectors
from billing.forms import ExemptionForm
from billing.models import Exemption, Invoice, OrderStatus, PaymentOrder, Receipt
from billing.services import exemptions as exemption_services
from billing.services import payments
from enrollment.models import Application, ApplicationStatus, Student


def _children(user):
    return list(
        Student.objects.filter(guardianships__user=user)
        .select_related("school", "school_class")
        .order_by("name")
    )


def _current_semester(student):
    app = (
        Application.objects.filter(student=student)
        .exclude(status=ApplicationStatus.REJECTED)
        .select_related("semester")
        .order_by("-semester__start_date")
        .first()
    )
    return app.semester if app else None


@login_required
def family_billing(request):
    invoices = list(selectors.family_invoices(user=request.user))
    exemptions = list(
        Exemption.objects.filter(student__guardianships__user=request.user)
        .select_related("student", "semester")
        .order_by("-applied_at")
    )
    return render(
        request,
        "billing/family.html",
        {"invoices": invoices, "exemptions": exemptions, "nav": "family-billing"},
    )


@login_required
def invoice_detail(request, invoice_id):
    invoice = get_visible_or_404(
        Invoice.objects.select_related("student__school_class", "school", "semester"),
        request.scope,
        public_id=invoice_id,
    )
    context = selectors.invoice_page(invoice)
    context.update(
        invoice=invoice,
        is_guardian=invoice.student.guardianships.filter(user=request.user).exists(),
        nav="family-billing",
    )
    return render(request, "billing/invoice.html", context)


@require_POST
@login_required
def invoice_pay(request, invoice_id):
    invoice = get_visible_or_404(Invoice, request.scope, public_id=invoice_id)
    try:
        order = payments.start_payment(actor=request.user, invoice=invoice)
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("billing_invoice", invoice.public_id)
    return redirect("billing_order", order.public_id)


@login_required
def order_status(request, order_id):
    """Waits for the gateway to open the order, then sends the payer to its page (htmx polls
    this every second; a plain reload works too)."""
    order = get_visible_or_404(
        PaymentOrder.objects.select_related("invoice"), request.scope, public_id=order_id
    )
    if order.status == OrderStatus.PENDING and order.pay_url:
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = order.pay_url
            return response
        return redirect(order.pay_url)
    if order.status in (OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.CLOSED):
        target = reverse("billing_invoice", args=[order.invoice.public_id])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        if order.status == OrderStatus.FAILED:
            messages.error(request, _("The payment could not be started; try again."))
        return redirect(target)
    template = "billing/_order_wait.html" if request.htmx else "billing/order_wait.html"
    return render(request, template, {"order": order, "nav": "family-billing"})


@login_required
def receipt_pdf(request, receipt_id):
    receipt = get_visible_or_404(Receipt, request.scope, public_id=receipt_id)
    path = receipts.render(receipt_id=receipt.pk)
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"收据-{receipt.number}.pdf",
        content_type="application/pdf",
    )


@login_required
def exemption_new(request):
    children = _children(request.user)
    if not children:
        raise Http404
    chosen = children[0]
    if request.POST.get("student"):
        chosen = next((c for c in children if str(c.public_id) == request.POST["student"]), chosen)
    elif request.GET.get("student"):
        chosen = next((c for c in children if str(c.public_id) == request.GET["student"]), chosen)
    semester = _current_semester(chosen)
    cats = exemption_services.categories(semester) if semester else []
    form = ExemptionForm(
        request.POST or None,
        request.FILES or None,
        children=children,
        categories=cats,
        initial={"student": str(chosen.public_id)},
    )
    if request.method == "POST" and form.is_valid():
        if semester is None:
            form.add_error("student", _("The child has no application this semester."))
        else:
            try:
                exemption_services.apply_exemption(
                    actor=request.user,
                    student=chosen,
                    semester=semester,
                    category=form.cleaned_data["category"],
                    evidence=form.cleaned_data["evidence"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as err:
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Sent: the school will verify the evidence."))
                return redirect("billing_family")
    return render(
        request,
        "billing/exemption_form.html",
        {"form": form, "semester": semester, "categories": cats, "nav": "family-billing"},
    )


@login_required
def exemption_evidence(request, exemption_id):
    """The evidence file, to the family, that school's staff and the district's officials."""
    exemption = get_visible_or_404(Exemption, request.scope, public_id=exemption_id)
    path = exemption_services.evidence_file(exemption)
    if not path.exists():
        raise Http404
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=exemption.evidence_type,
        as_attachment=False,
        filename=exemption.evidence_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
