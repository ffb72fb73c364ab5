"""API of applications (家长申请), class review, school approval, the public list, the service
agreement, insurance and withdrawal — everything the application pages do.

applications/                          list (scoped) · create (parent)
applications/{id}/                     retrieve · PATCH (parent, while ``applied``)
applications/{id}/review/              class review: approve | flag | reject
applications/{id}/sign/                sign the latest agreement (parent)
applications/{id}/insurance/           confirm the accident insurance (parent)
applications/{id}/withdrawal/          request withdrawal (parent)
applications/{id}/withdrawal/approve/  · decline/   the school's answer
plans/{plan_id}/applications/approve/  bulk approval in priority order (school)
plans/{plan_id}/applications/publish/  publish the participant list (school)
plans/{plan_id}/agreements/            the agreement's versions · publish a new one (school)
agreements/ · {id}/                    agreements the caller may read

Objects are found through ``visible_to`` (another tenant's, school's or family's: 404); the
services then answer 403 for a wrong role and 409 for a wrong state.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from enrollment.api.applications.views import (
    AgreementViewSet,
    ApplicationViewSet,
    PlanAgreementsView,
    PlanApproveView,
    PlanPublishView,
)

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")
router.register("agreements", AgreementViewSet, basename="agreement")

urlpatterns = [
    *router.urls,
    path(
        "plans/<uuid:plan_id>/applications/approve/",
        PlanApproveView.as_view(),
        name="plan-applications-approve",
    ),
    path(
        "plans/<uuid:plan_id>/applications/publish/",
        PlanPublishView.as_view(),
        name="plan-applications-publish",
    ),
    path(
        "plans/<uuid:plan_id>/agreements/",
        PlanAgreementsView.as_view(),
        name="plan-agreements",
    ),
]
