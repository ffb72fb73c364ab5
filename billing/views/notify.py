"""The gateways' notification endpoint: verify, decrypt, apply once, answer fast.

No login and no CSRF (the gateway calls it); trust comes only from the signature check in
the gateway class. Nothing slow runs here: the payment is applied in one short transaction
and the receipt PDF and messages follow after commit.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import gateway
from billing.gateway import GatewayDisabled
from billing.gateway.base import NotificationRejected
from billing.services import payments, refunds

logger = logging.getLogger("billing.notify")


@csrf_exempt
@require_POST
def notification(request, gateway_name: str):
    try:
        gw = gateway.get(gateway_name)
    except GatewayDisabled:
        return HttpResponse(status=404)
    event = None
    try:
        event = gw.parse_notification(headers=request.headers, body=request.body)
        if event.kind == "refund":
            refunds.apply_refund(gateway_name=gateway_name, state=event.refund)
        else:
            payments.apply_payment(gateway_name=gateway_name, state=event.order)
    except NotificationRejected as rejection:
        logger.warning("%s notification rejected: %s", gateway_name, rejection)
        order = None
        if event is not None and event.kind == "payment" and event.order is not None:
            order = (
                payments.PaymentOrder.objects.filter(out_trade_no=event.order.out_trade_no)
                .select_related("district", "school")
                .first()
            )
        payments.reject(gateway_name=gateway_name, rejection=rejection, order=order)
        status, content_type, body = gw.refuse(rejection)
        return HttpResponse(body, status=status, content_type=content_type)
    status, content_type, body = gw.acknowledge()
    return HttpResponse(body, status=status, content_type=content_type)
