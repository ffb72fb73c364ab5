"""The attendance API, under /api/v1/attendance/."""

from django.urls import path

from . import family, roll, school

urlpatterns = [
    path("attendance/today/", roll.TodayView.as_view(), name="api-attendance-today"),
    path(
        "attendance/sessions/<uuid:session_id>/roll/",
        roll.RollView.as_view(),
        name="api-attendance-roll",
    ),
    path(
        "attendance/sessions/<uuid:session_id>/pickups/",
        roll.PickupsView.as_view(),
        name="api-attendance-pickups",
    ),
    path(
        "attendance/sessions/<uuid:session_id>/close/",
        roll.CloseView.as_view(),
        name="api-attendance-close",
    ),
    path(
        "attendance/sessions/<uuid:session_id>/handovers/",
        roll.SessionHandoversView.as_view(),
        name="api-attendance-session-handovers",
    ),
    path(
        "attendance/sessions/<uuid:session_id>/staff/",
        roll.SessionStaffView.as_view(),
        name="api-attendance-session-staff",
    ),
    path(
        "attendance/handovers/<uuid:handover_id>/",
        roll.HandoverView.as_view(),
        name="api-attendance-handover",
    ),
    path(
        "attendance/handovers/<uuid:handover_id>/resolve/",
        roll.HandoverResolveView.as_view(),
        name="api-attendance-handover-resolve",
    ),
    path("attendance/leave/", family.LeaveListView.as_view(), name="api-attendance-leave-list"),
    path(
        "attendance/leave/<uuid:leave_id>/",
        family.LeaveDetailView.as_view(),
        name="api-attendance-leave",
    ),
    *[
        path(
            f"attendance/leave/<uuid:leave_id>/{action}/",
            family.LeaveActionView.as_view(action=action),
            name=f"api-attendance-leave-{action}",
        )
        for action in ("approve", "refuse", "cancel")
    ],
    path(
        "attendance/students/<uuid:student_id>/pickup-persons/",
        family.PickupPersonsView.as_view(),
        name="api-attendance-pickup-persons",
    ),
    path(
        "attendance/pickup-persons/<uuid:person_id>/",
        family.PickupPersonView.as_view(),
        name="api-attendance-pickup-person",
    ),
    path(
        "attendance/students/<uuid:student_id>/history/",
        family.HistoryView.as_view(),
        name="api-attendance-history",
    ),
    path(
        "attendance/schools/<uuid:school_id>/day/",
        school.DayView.as_view(),
        name="api-attendance-day",
    ),
    path(
        "attendance/schools/<uuid:school_id>/clearing/",
        school.ClearingView.as_view(),
        name="api-attendance-clearing",
    ),
    path(
        "attendance/schools/<uuid:school_id>/patrols/",
        school.PatrolsView.as_view(),
        name="api-attendance-patrols",
    ),
    path(
        "attendance/schools/<uuid:school_id>/staff-month/",
        school.StaffMonthView.as_view(),
        name="api-attendance-staff-month",
    ),
    path(
        "attendance/schools/<uuid:school_id>/weekly-records/archive/",
        school.WeeklyArchiveView.as_view(),
        name="api-attendance-weekly-archive",
    ),
    path(
        "attendance/schools/<uuid:school_id>/export/",
        school.ExportView.as_view(),
        name="api-attendance-export",
    ),
    path("attendance/followups/", school.FollowUpsView.as_view(), name="api-attendance-followups"),
    *[
        path(
            f"attendance/followups/<uuid:followup_id>/{action}/",
            school.FollowUpActionView.as_view(action=action),
            name=f"api-attendance-followup-{action}",
        )
        for action in ("warn", "close", "dismiss")
    ],
    path(
        "attendance/classes/<uuid:class_id>/weekly-records/",
        school.WeeklyRecordsView.as_view(),
        name="api-attendance-weekly-records",
    ),
]
