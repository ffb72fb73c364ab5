from django.urls import path
from rest_framework.routers import SimpleRouter

from billing.api import payouts, public, subsidy, views

router = SimpleRouter()
router.register("billing/invoices", views.InvoiceViewSet, basename="billing-invoice")
router.register("billing/orders", views.OrderViewSet, basename="billing-order")
router.register("billing/receipts", views.ReceiptViewSet, basename="billing-receipt")
router.register("billing/refunds", views.RefundViewSet, basename="billing-refund")
router.register("billing/exemptions", views.ExemptionViewSet, basename="billing-exemption")
router.register("billing/runs", views.RunViewSet, basename="billing-run")
router.register("billing/funds", views.FundViewSet, basename="billing-fund")
router.register("billing/payout-runs", payouts.PayoutRunViewSet, basename="billing-payout-run")
router.register("billing/payout-lines", payouts.PayoutLineViewSet, basename="billing-payout-line")
router.register("billing/statements", payouts.StatementViewSet, basename="billing-statement")
router.register("billing/disclosures", payouts.DisclosureViewSet, basename="billing-disclosure")
router.register(
    "billing/disclosure-versions",
    payouts.DisclosureVersionViewSet,
    basename="billing-disclosure-version",
)
router.register(
    "billing/subsidy-rules", subsidy.SubsidyRulesViewSet, basename="billing-subsidy-rules"
)
router.register(
    "billing/school-subsidy-values", subsidy.SchoolValuesViewSet, basename="billing-school-values"
)
router.register("billing/labour-agreements", subsidy.AgreementViewSet, basename="billing-agreement")
router.register(
    "billing/subsidy-incidents", subsidy.IncidentViewSet, basename="billing-subsidy-incident"
)
router.register(
    "billing/incident-offers", subsidy.IncidentOfferViewSet, basename="billing-incident-offer"
)

urlpatterns = [
    *router.urls,
    path(
        "billing/public/schools/<uuid:school_id>/disclosures/",
        public.PublicDisclosureList.as_view(),
        name="billing-public-disclosures",
    ),
]
