from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = _("Attendance")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import register_actions
        from attendance import demo
        from attendance.views import home

        registry.register_nav(40, home.nav)
        registry.register_home_section("teacher", 3, home.teacher_today)
        registry.register_home_section("teacher", 4, home.teacher_duty)
        registry.register_home_section("school", 25, home.school_today)
        registry.register_home_section("family", 12, home.family_today)
        registry.register_demo_step(45, demo.attendance_step)

        register_actions(
            {
                "roll.taken": _("Roll taken"),
                "roll.corrected": _("Roll corrected"),
                "roll.resubmitted": _("Roll resubmitted unchanged"),
                "roll.corrected_after_day": _("Roll corrected after the day"),
                "roll.group_closed": _("Group closed: every child gone"),
                "leave.requested": _("Leave requested"),
                "leave.approved": _("Leave approved"),
                "leave.refused": _("Leave refused"),
                "leave.cancelled": _("Leave cancelled"),
                "handover.recorded": _("Children handed over"),
                "handover.changed": _("Handover changed"),
                "handover.mismatch": _("Handover does not match the roll"),
                "handover.resolved": _("Handover mismatch resolved"),
                "pickup.person_added": _("Pickup person authorized"),
                "pickup.person_removed": _("Pickup person removed"),
                "pickup.recorded": _("Pickup recorded"),
                "pickup.corrected": _("Pickup corrected"),
                "duty.school_cleared": _("School cleared (清校)"),
                "duty.patrol_recorded": _("Patrol recorded (巡查)"),
                "staff.checked_in": _("Teacher checked in"),
                "staff.checked_out": _("Teacher checked out"),
                "staff.attendance_recorded": _("Staff attendance recorded"),
                "staff.attendance_corrected": _("Staff attendance corrected"),
                "followup.opened": _("Child flagged for follow-up"),
                "followup.closed": _("Follow-up closed"),
                "attendance.warning_issued": _("Attendance warning sent"),
                "attendance.dismissed": _("Child dismissed (劝退)"),
                "attendance.exported": _("Attendance exported"),
                "weekly_record.written": _("Weekly record written"),
                "weekly_record.changed": _("Weekly record changed"),
                "weekly_record.archived": _("Weekly records archived"),
            }
        )
