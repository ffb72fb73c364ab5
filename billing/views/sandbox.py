"""The sandbox cashier: the page the sandbox gateway sends a payer to (development and
tests only; 404 where ``BILLING_SANDBOX`` is off). Pay or fail; the sandbox then signs its
notification and POSTs it to the notification endpoint, like the real gateway."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from aftercare.tenancy import get_visible_or_404
from billing import conf, gateway
from billing.gateway import sandbox as sandbox_gateway
from billing.models import PaymentOrder, SandboxOrder
from billing.money import fmt


@login_required
@require_http_methods(["GET", "POST"])
def cashier(request, out_trade_no):
    if not conf.sandbox_enabled():
        raise Http404
    order = get_visible_or_404(
        PaymentOrder.objects.select_related("invoice__student", "school", "invoice__semester"),
        request.scope,
        out_trade_no=out_trade_no,
        gateway="sandbox",
    )
    remote = SandboxOrder.objects.filter(out_trade_no=out_trade_no).first()
    if remote is None:
        raise Http404
    if request.method == "POST":
        gw = gateway.get("sandbox")
        url, headers, body = gw.pay(out_trade_no, success=request.POST.get("outcome") == "pay")
        sandbox_gateway.transport(url, headers, body)
        return redirect("billing_invoice", order.invoice.public_id)
    return render(
        request,
        "billing/sandbox_cashier.html",
        {"order": order, "remote": remote, "amount": fmt(order.amount_fen)},
    )
