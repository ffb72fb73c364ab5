"""The reporting API, under /api/v1/assessments/ (the annual assessment)."""

from django.urls import path

from reporting import api

urlpatterns = [
    path("assessments/", api.SheetsView.as_view(), name="api-assessments"),
    path(
        "assessments/schools/<uuid:assessment_id>/",
        api.AssessmentView.as_view(),
        name="api-assessment-school",
    ),
    path(
        "assessments/schools/<uuid:assessment_id>/scores/",
        api.ScoreView.as_view(),
        name="api-assessment-score",
    ),
    path("assessments/<uuid:sheet_id>/", api.SheetView.as_view(), name="api-assessment"),
    *[
        path(
            f"assessments/<uuid:sheet_id>/{action}/",
            api.SheetActionView.as_view(action=action),
            name=f"api-assessment-{action}",
        )
        for action in ("compute", "publish")
    ],
]
