"""API of applications, review, agreements and withdrawals (being built)."""

urlpatterns: list = []
