"""Pages of attendance (included at the site root)."""

from django.urls import path

from .views import duty, family, leave, records, roll

urlpatterns = [
    # the teacher's day and a session's pages
    path("attendance/", roll.today, name="attendance_today"),
    path("attendance/sessions/<uuid:session_id>/roll/", roll.roll, name="attendance_roll"),
    path("attendance/sessions/<uuid:session_id>/pickup/", roll.pickup, name="attendance_pickup"),
    path("attendance/sessions/<uuid:session_id>/close/", roll.close, name="attendance_close"),
    path("attendance/sessions/<uuid:session_id>/staff/", roll.staff, name="attendance_staff"),
    path(
        "attendance/sessions/<uuid:session_id>/staff/record/",
        duty.staff_record,
        name="attendance_staff_record",
    ),
    # handover
    path("attendance/handover/", duty.handover_start, name="attendance_handover_start"),
    path(
        "attendance/handover/<uuid:class_id>/<uuid:session_id>/",
        duty.handover_form,
        name="attendance_handover_form",
    ),
    path(
        "attendance/handovers/<uuid:handover_id>/", duty.handover_detail, name="attendance_handover"
    ),
    # the duty leader's day, the school's records
    path("attendance/schools/<uuid:school_id>/duty/", duty.board, name="attendance_duty"),
    path(
        "attendance/schools/<uuid:school_id>/records/",
        records.school_records,
        name="attendance_school_records",
    ),
    path("attendance/schools/<uuid:school_id>/export/", records.export, name="attendance_export"),
    # leave
    path("attendance/leave/", leave.leave_queue, name="attendance_leave_queue"),
    path(
        "attendance/leave/<uuid:leave_id>/<slug:decision>/",
        leave.leave_decide,
        name="attendance_leave_decide",
    ),
    path("family/leave/", leave.family_leave, name="attendance_family_leave"),
    path(
        "family/leave/<uuid:leave_id>/cancel/",
        leave.family_leave_cancel,
        name="attendance_family_leave_cancel",
    ),
    # children
    path("family/children/<uuid:student_id>/attendance/", family.child, name="attendance_child"),
    path(
        "family/children/<uuid:student_id>/pickup/",
        family.pickup_persons,
        name="attendance_pickup_persons",
    ),
    path(
        "family/pickup/<uuid:person_id>/remove/",
        family.pickup_person_remove,
        name="attendance_pickup_person_remove",
    ),
    # follow-up and weekly records
    path("attendance/followups/", records.followups, name="attendance_followups"),
    path(
        "attendance/followups/<uuid:followup_id>/<slug:action>/",
        records.followup_action,
        name="attendance_followup_action",
    ),
    path("attendance/classes/<uuid:class_id>/weekly/", records.weekly, name="attendance_weekly"),
]
