"""Pages of the enrollment app (roster, family sign-up and binding, applications)."""

urlpatterns: list = []
