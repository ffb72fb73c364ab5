"""Pages of the enrollment app (roster, family sign-up and binding, applications)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("school/<uuid:school_id>/roster/", views.roster, name="roster"),
    path("school/<uuid:school_id>/roster/import/", views.roster_import, name="roster_import"),
    path(
        "school/<uuid:school_id>/roster/import/confirm/",
        views.roster_import_confirm,
        name="roster_import_confirm",
    ),
    path("school/<uuid:school_id>/roster/export/", views.roster_export, name="roster_export"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/verify/", views.signup_verify, name="signup_verify"),
    path("accounts/signup/resend/", views.signup_resend, name="signup_resend"),
    path("family/children/add/", views.bind_child, name="bind_child"),
    path("", include("enrollment.urls_courses")),
    path("", include("enrollment.urls_applications")),
]
