"""Pages of scheduling (included at the site root)."""

from django.urls import path

from scheduling.views import board, staff, timetable

urlpatterns = [
    # staff, vetting, rooms, institutions
    path("school/<uuid:school_id>/scheduling/", board.scheduling_index, name="scheduling_index"),
    path("school/<uuid:school_id>/staff/", staff.staff_list, name="scheduling_staff"),
    path(
        "school/<uuid:school_id>/staff/import/",
        staff.staff_import,
        name="scheduling_staff_import",
    ),
    path(
        "school/<uuid:school_id>/staff/export/",
        staff.staff_export,
        name="scheduling_staff_export",
    ),
    path("staff/<uuid:staff_id>/", staff.staff_detail, name="scheduling_staff_detail"),
    path("staff/<uuid:staff_id>/vetting/", staff.vetting_upload, name="scheduling_vetting_upload"),
    path(
        "vetting/<uuid:record_id>/document/",
        staff.vetting_document,
        name="scheduling_vetting_document",
    ),
    path("school/<uuid:school_id>/rooms/", staff.rooms, name="scheduling_rooms"),
    path("rooms/<uuid:room_id>/", staff.room_edit, name="scheduling_room_edit"),
    path("district/institutions/", staff.institutions, name="scheduling_institutions"),
    path(
        "institutions/<uuid:institution_id>/",
        staff.institution_detail,
        name="scheduling_institution_detail",
    ),
    # the board of a plan, groups, assignments
    path("plans/<uuid:plan_id>/scheduling/", board.plan_board, name="scheduling_board"),
    path("plans/<uuid:plan_id>/scheduling/week/", board.plan_week, name="scheduling_week"),
    path(
        "plans/<uuid:plan_id>/scheduling/export/<slug:what>/",
        board.plan_export,
        name="scheduling_export",
    ),
    path(
        "plans/<uuid:plan_id>/scheduling/<slug:action>/",
        board.plan_board_action,
        name="scheduling_board_action",
    ),
    path("groups/<uuid:group_id>/", board.group_detail, name="scheduling_group"),
    path(
        "groups/<uuid:group_id>/<slug:action>/", board.group_action, name="scheduling_group_action"
    ),
    path(
        "assignments/<uuid:assignment_id>/delete/",
        board.assignment_delete,
        name="scheduling_assignment_delete",
    ),
    path(
        "bookings/<uuid:booking_id>/delete/",
        board.booking_delete,
        name="scheduling_booking_delete",
    ),
    # timetables
    path("teacher/timetable/", timetable.teacher_timetable, name="scheduling_teacher_timetable"),
    path("family/sessions/", timetable.family_sessions, name="scheduling_family_sessions"),
]
