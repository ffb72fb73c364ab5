"""Safety pages (included at the site root)."""

from django.urls import path

from .views import pages

urlpatterns = [
    path("family/safety/", pages.family, name="safety_family"),
    path("safety/children/<uuid:student_id>/", pages.child, name="safety_child"),
    path("safety/children/<uuid:student_id>/consent/", pages.consent, name="safety_consent"),
    path(
        "safety/children/<uuid:student_id>/incidents/new/",
        pages.incident_new,
        name="safety_incident_new",
    ),
    path("safety/children/<uuid:student_id>/export/", pages.export, name="safety_export"),
    path(
        "safety/children/<uuid:student_id>/delete/",
        pages.deletion_request,
        name="safety_deletion_request",
    ),
    path("safety/incidents/<uuid:incident_id>/", pages.incident, name="safety_incident"),
    path(
        "safety/incidents/<uuid:incident_id>/correct/",
        pages.incident_edit,
        name="safety_incident_edit",
    ),
    path(
        "safety/incidents/<uuid:incident_id>/<slug:action>/",
        pages.incident_action,
        name="safety_incident_action",
    ),
    path("safety/photos/<uuid:photo_id>/", pages.photo, name="safety_photo"),
    path(
        "safety/deletions/<uuid:request_id>/<slug:action>/",
        pages.deletion_decide,
        name="safety_deletion_decide",
    ),
    path("school/<uuid:school_id>/safety/", pages.school, name="safety_school"),
    path("district/privacy/", pages.district, name="safety_district"),
]
