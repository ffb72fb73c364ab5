"""Routes of the scheduling API (included under /api/v1/; see ``scheduling.api.views``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api import views

router = SimpleRouter()
router.register("institutions", views.InstitutionViewSet, basename="institution")
router.register("staff", views.StaffViewSet, basename="staff")
router.register("vetting-records", views.VettingRecordViewSet, basename="vetting-record")
router.register("rooms", views.RoomViewSet, basename="room")
router.register("groups", views.GroupViewSet, basename="group")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("room-bookings", views.RoomBookingViewSet, basename="room-booking")
router.register("sessions", views.SessionViewSet, basename="session")

PLAN = "plans/<uuid:plan_id>/scheduling/"

urlpatterns = [
    path(PLAN, views.BoardView.as_view(), name="plan-scheduling"),
    path(f"{PLAN}propose/", views.ProposeView.as_view(), name="plan-scheduling-propose"),
    path(f"{PLAN}confirm/", views.ConfirmView.as_view(), name="plan-scheduling-confirm"),
    path(f"{PLAN}place/", views.PlaceView.as_view(), name="plan-scheduling-place"),
    path(
        f"{PLAN}generate-sessions/",
        views.GenerateView.as_view(),
        name="plan-scheduling-generate",
    ),
    path(f"{PLAN}cancel-day/", views.CancelDayView.as_view(), name="plan-scheduling-cancel-day"),
    path(
        "schools/<uuid:school_id>/staff/import/",
        views.StaffImportView.as_view(),
        name="school-staff-import",
    ),
    path(
        "schools/<uuid:school_id>/staff/export/",
        views.StaffExportView.as_view(),
        name="school-staff-export",
    ),
    path("family/sessions/", views.FamilySessionsView.as_view(), name="api-family-sessions"),
    path("district-sessions/", views.DistrictSessionsView.as_view(), name="district-sessions"),
    *router.urls,
]
