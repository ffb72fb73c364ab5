from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = _("Scheduling")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import register_actions
        from plans.services import plans
        from scheduling import demo
        from scheduling.services.sessions import regenerate_on_publish
        from scheduling.views import home

        if regenerate_on_publish not in plans.PUBLISH_HOOKS:
            plans.PUBLISH_HOOKS.append(regenerate_on_publish)

        registry.register_nav(30, home.nav)
        registry.register_home_section("teacher", 5, home.teacher_today)
        registry.register_home_section("school", 30, home.school_link)
        registry.register_demo_step(40, demo.scheduling_step)

        register_actions(
            {
                "institution.added": _("Institution added to the approved list"),
                "institution.changed": _("Institution changed"),
                "institution.status_changed": _("Institution status changed"),
                "staff.added": _("Staff member added"),
                "staff.changed": _("Staff member changed"),
                "staff.vetting_recorded": _("Vetting step recorded"),
                "staff.imported": _("Staff list imported"),
                "staff.exported": _("Staff list exported"),
                "room.added": _("Room added"),
                "room.changed": _("Room changed"),
                "grouping.proposed": _("Groups proposed"),
                "grouping.students_moved": _("Students moved between groups"),
                "grouping.groups_merged": _("Groups merged"),
                "grouping.group_split": _("Group split"),
                "grouping.confirmed": _("Groups confirmed"),
                "grouping.latecomers_placed": _("New participants placed"),
                "staffing.assigned": _("Staff assigned"),
                "staffing.unassigned": _("Assignment removed"),
                "staffing.room_booked": _("Room booked"),
                "staffing.room_released": _("Room released"),
                "sessions.generated": _("Sessions generated"),
                "sessions.generated_for_district": _("Sessions generated for the district"),
                "sessions.day_cancelled": _("Day cancelled"),
            }
        )
