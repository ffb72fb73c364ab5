"""Pages of applications, review, agreements and withdrawals (included at the site root)."""

from django.urls import path

from . import views_applications as views

urlpatterns = [
    # parents
    path("family/applications/", views.family_applications, name="family_applications"),
    path("family/applications/apply/", views.apply, name="application_apply"),
    path("applications/<uuid:application_id>/change/", views.change, name="application_change"),
    path(
        "applications/<uuid:application_id>/agreement/",
        views.agreement,
        name="application_agreement",
    ),
    path("applications/<uuid:application_id>/sign/", views.sign, name="application_sign"),
    path(
        "applications/<uuid:application_id>/insurance/",
        views.insurance,
        name="application_insurance",
    ),
    path(
        "applications/<uuid:application_id>/withdraw/",
        views.withdraw,
        name="application_withdraw",
    ),
    # homeroom teachers (and school managers)
    path("teacher/applications/", views.teacher_applications, name="teacher_applications"),
    path("applications/<uuid:application_id>/review/", views.review, name="application_review"),
    # the school
    path(
        "school/<uuid:school_id>/applications/",
        views.school_applications,
        name="school_applications",
    ),
    path(
        "plans/<uuid:plan_id>/applications/approve/",
        views.bulk_approve,
        name="applications_bulk_approve",
    ),
    path(
        "plans/<uuid:plan_id>/applications/publish/",
        views.publish_list,
        name="applications_publish_list",
    ),
    path("plans/<uuid:plan_id>/agreement/", views.agreement_editor, name="agreement_editor"),
    path(
        "applications/<uuid:application_id>/withdrawal/<slug:decision>/",
        views.withdrawal_decision,
        name="application_withdrawal_decision",
    ),
    # the public (no login)
    path(
        "public/participants/<uuid:plan_id>/",
        views.public_participants,
        name="public_participants",
    ),
]
