from django.urls import path

from institutions import views

urlpatterns = [
    path("district/institution-admission/", views.admission, name="institutions_admission"),
    path(
        "district/institution-admission/batches/<uuid:batch_id>/",
        views.batch_detail,
        name="institutions_batch",
    ),
    path(
        "institution-applications/<uuid:application_id>/",
        views.application_detail,
        name="institutions_application",
    ),
    path("institution/", views.institution_home, name="institution_home"),
    path("institution/batches/<uuid:batch_id>/apply/", views.apply, name="institution_apply"),
    path(
        "public/<slug:district_code>/institutions/",
        views.public_list,
        name="institutions_public",
    ),
]
