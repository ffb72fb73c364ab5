from rest_framework.routers import SimpleRouter

from billing.api import views

router = SimpleRouter()
router.register("billing/invoices", views.InvoiceViewSet, basename="billing-invoice")
router.register("billing/orders", views.OrderViewSet, basename="billing-order")
router.register("billing/receipts", views.ReceiptViewSet, basename="billing-receipt")
router.register("billing/refunds", views.RefundViewSet, basename="billing-refund")
router.register("billing/exemptions", views.ExemptionViewSet, basename="billing-exemption")
router.register("billing/runs", views.RunViewSet, basename="billing-run")
router.register("billing/funds", views.FundViewSet, basename="billing-fund")

urlpatterns = router.urls
