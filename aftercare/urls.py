from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from aftercare import api, api_tokens
from aftercare.health import health
from aftercare.views import assets, dev_sms, security
from aftercare.views import core as views

router = DefaultRouter()
router.register("districts", api.DistrictViewSet, basename="district")
router.register("schools", api.SchoolViewSet, basename="school")
router.register("classes", api.SchoolClassViewSet, basename="class")
router.register("semesters", api.SemesterViewSet, basename="semester")
router.register("audit-events", api.AuditEventViewSet, basename="audit-event")
router.register("notifications", api.NotificationViewSet, basename="notification")
router.register("auth/tokens", api_tokens.ApiTokenViewSet, basename="api-token")

api_v1 = [
    path("auth/token/", api.TokenLoginView.as_view(), name="api-token"),
    path(
        "auth/logout-everywhere/",
        api_tokens.LogoutEverywhereView.as_view(),
        name="api-logout-everywhere",
    ),
    path("me/", api.MeView.as_view(), name="api-me"),
    path("", include("enrollment.api.urls")),
    path("", include("plans.api")),
    path("", include("scheduling.api.urls")),
    path("", include("safety.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("attendance.api.urls")),
    path("", include("feedback.api.urls")),
    path("", include("reporting.api_urls")),
    path("", include("institutions.api")),
    path("", include(router.urls)),
]

urlpatterns = [
    # The API first: the registration rush resolves its URL on every request.
    path("api/v1/", include(api_v1)),
    path("", views.home, name="home"),
    path("favicon.ico", assets.favicon, name="favicon"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/no-role/", views.no_role, name="no_role"),
    path("dev/sms/", dev_sms.held_sms, name="dev_sms"),
    path("accounts/security/", security.account_security, name="account_security"),
    path(
        "accounts/security/tokens/<uuid:token_id>/revoke/",
        security.revoke_token,
        name="token_revoke",
    ),
    path("accounts/logout-everywhere/", security.logout_everywhere, name="logout_everywhere"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("district/", views.district_home, name="district_home"),
    path("district/audit/", views.audit_log, name="audit_log"),
    path("district/semesters/", views.semester_list, name="semester_list"),
    path("semesters/<uuid:semester_id>/", views.semester_detail, name="semester_detail"),
    path(
        "semesters/<uuid:semester_id>/exceptions/<int:exception_id>/delete/",
        views.calendar_exception_delete,
        name="calendar_exception_delete",
    ),
    path("school/", views.school_landing, name="school_landing"),
    path("school/<uuid:school_id>/", views.school_home, name="school_home"),
    path("teacher/", views.teacher_home, name="teacher_home"),
    path("family/", views.family_home, name="family_home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("health/", health, name="health"),
    # The apps' pages (each app's urls.py; the project package only composes them).
    path("", include("plans.urls")),
    path("", include("enrollment.urls")),
    path("", include("scheduling.urls")),
    path("", include("safety.urls")),
    path("", include("attendance.urls")),
    path("", include("feedback.urls")),
    path("", include("billing.urls")),
    path("", include("reporting.urls")),
    path("", include("institutions.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler400 = "aftercare.errors_views.bad_request"
handler404 = "aftercare.errors_views.not_found"
handler500 = "aftercare.errors_views.server_error"
handler403 = "aftercare.errors_views.forbidden"
