from django.urls import include, path
from rest_framework.routers import SimpleRouter

from enrollment.api import families as api

router = SimpleRouter()
router.register("students", api.StudentViewSet, basename="student")
router.register("binding-requests", api.BindingRequestViewSet, basename="binding-request")

urlpatterns = [
    path("", include("enrollment.api.courses")),  # the rush endpoint resolves first
    path("auth/sms-code/", api.SmsCodeView.as_view(), name="api-sms-code"),
    path("auth/signup/", api.SignupView.as_view(), name="api-signup"),
    path("family/children/", api.FamilyChildrenView.as_view(), name="api-family-children"),
    path("schools/<uuid:school_id>/roster/", api.RosterView.as_view(), name="school-roster"),
    *router.urls,
    path("", include("enrollment.api.applications")),
]
