from django.urls import path

from billing.gateway import GATEWAYS
from billing.views import family, notify, sandbox, school

urlpatterns = [
    # Families
    path("family/billing/", family.family_billing, name="billing_family"),
    path("family/invoices/<uuid:invoice_id>/", family.invoice_detail, name="billing_invoice"),
    path("family/invoices/<uuid:invoice_id>/pay/", family.invoice_pay, name="billing_pay"),
    path("family/orders/<uuid:order_id>/", family.order_status, name="billing_order"),
    path("family/exemptions/new/", family.exemption_new, name="billing_exemption_new"),
    path("billing/receipts/<uuid:receipt_id>.pdf", family.receipt_pdf, name="billing_receipt_pdf"),
    path(
        "billing/exemptions/<uuid:exemption_id>/evidence/",
        family.exemption_evidence,
        name="billing_exemption_evidence",
    ),
    # Schools and the district
    path("school/<uuid:school_id>/billing/", school.school_billing, name="billing_school"),
    path(
        "school/<uuid:school_id>/billing/<str:kind>/start/",
        school.school_billing_start,
        name="billing_start",
    ),
    path(
        "school/<uuid:school_id>/billing/invoices/",
        school.school_invoices,
        name="billing_school_invoices",
    ),
    path(
        "school/<uuid:school_id>/billing/receipts.xlsx",
        school.receipt_register,
        name="billing_receipt_register",
    ),
    path("school/<uuid:school_id>/ledger/", school.school_ledger, name="billing_ledger"),
    path("billing/runs/<uuid:run_id>/progress/", school.run_progress, name="billing_run_progress"),
    path(
        "billing/exemptions/<uuid:exemption_id>/<str:decision>/",
        school.exemption_decide,
        name="billing_exemption_decide",
    ),
    path("district/billing/", school.district_billing, name="billing_district"),
    # The payment gateway's side
    path("billing/sandbox/<str:out_trade_no>/", sandbox.cashier, name="billing_sandbox_cashier"),
    *(
        path(
            f"billing/notify/{name}/",
            notify.notification,
            {"gateway_name": name},
            name=f"billing_notify_{name}",
        )
        for name in GATEWAYS
    ),
]
