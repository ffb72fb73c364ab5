"""The safety API, under /api/v1/safety/."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "safety/children/<uuid:student_id>/profile/",
        views.ProfileView.as_view(),
        name="api-safety-profile",
    ),
    path(
        "safety/children/<uuid:student_id>/incidents/",
        views.IncidentsView.as_view(),
        name="api-safety-incidents",
    ),
    path(
        "safety/children/<uuid:student_id>/consent/",
        views.ConsentView.as_view(),
        name="api-safety-consent",
    ),
    path(
        "safety/children/<uuid:student_id>/export/",
        views.ExportView.as_view(),
        name="api-safety-export",
    ),
    path(
        "safety/children/<uuid:student_id>/deletion/",
        views.DeletionRequestView.as_view(),
        name="api-safety-deletion",
    ),
    path(
        "safety/incidents/<uuid:incident_id>/",
        views.IncidentView.as_view(),
        name="api-safety-incident",
    ),
    *[
        path(
            f"safety/incidents/<uuid:incident_id>/{action}/",
            views.IncidentActionView.as_view(action=action),
            name=f"api-safety-incident-{action}",
        )
        for action in ("acknowledge", "amend")
    ],
    *[
        path(
            f"safety/deletions/<uuid:request_id>/{action}/",
            views.DeletionDecisionView.as_view(action=action),
            name=f"api-safety-deletion-{action}",
        )
        for action in ("approve", "refuse")
    ],
]
