"""The feedback API, under /api/v1/complaints/ and /api/v1/evaluations/."""

from django.urls import path

from . import complaints, evaluations

urlpatterns = [
    path("complaints/", complaints.ComplaintsView.as_view(), name="api-complaints"),
    path("complaints/hotline/", complaints.HotlineView.as_view(), name="api-complaints-hotline"),
    path("complaints/overdue/", complaints.OverdueView.as_view(), name="api-complaints-overdue"),
    path(
        "complaints/files/<uuid:attachment_id>/",
        complaints.AttachmentView.as_view(),
        name="api-complaint-file",
    ),
    path(
        "complaints/<uuid:complaint_id>/",
        complaints.ComplaintView.as_view(),
        name="api-complaint",
    ),
    *[
        path(
            f"complaints/<uuid:complaint_id>/{action}/",
            complaints.ComplaintActionView.as_view(action=action),
            name=f"api-complaint-{action}",
        )
        for action in ("acknowledge", "close", "note", "escalate", "reopen", "uphold")
    ],
    path("evaluations/", evaluations.EvaluationsView.as_view(), name="api-evaluations"),
    path("evaluations/mine/", evaluations.ToAnswerView.as_view(), name="api-evaluations-mine"),
    path(
        "evaluations/<uuid:evaluation_id>/",
        evaluations.EvaluationView.as_view(),
        name="api-evaluation",
    ),
    path(
        "evaluations/<uuid:evaluation_id>/answers/",
        evaluations.AnswersView.as_view(),
        name="api-evaluation-answers",
    ),
    path(
        "evaluations/<uuid:evaluation_id>/results/",
        evaluations.ResultsView.as_view(),
        name="api-evaluation-results",
    ),
    *[
        path(
            f"evaluations/<uuid:evaluation_id>/{action}/",
            evaluations.EvaluationActionView.as_view(action=action),
            name=f"api-evaluation-{action}",
        )
        for action in ("remind", "close")
    ],
]
