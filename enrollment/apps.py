from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import register_actions
        from enrollment import demo
        from enrollment.services.registration import carry_over_on_publish
        from enrollment.views import home
        from plans.services import plans

        if carry_over_on_publish not in plans.PUBLISH_HOOKS:
            plans.PUBLISH_HOOKS.append(carry_over_on_publish)

        registry.register_nav(20, home.nav)
        registry.register_landing(20, home.landing)
        registry.register_home_section("district", 10, home.district_schools)
        registry.register_home_section("school", 2, home.school_todos)
        registry.register_home_section("school", 10, home.school_classes)
        registry.register_home_section("teacher", 1, home.teacher_reviews)
        registry.register_home_section("teacher", 10, home.teacher_classes)
        registry.register_home_section("family", 10, home.family_children)
        registry.register_demo_step(10, demo.students_step)
        registry.register_demo_step(30, demo.applications_step)
        registry.register_demo_step(33, demo.round_two_step)

        register_actions(
            {
                "roster.imported": _("Roster imported"),
                "roster.exported": _("Roster exported"),
                "course.registrants_exported": _("Course registrants exported"),
                "account.signed_up": _("Parent signed up"),
                "guardianship.bound": _("Child bound to a parent"),
                "guardianship.relation_changed": _("Guardian's relation changed"),
                "course.registered": _("Registered for a course"),
                "course.seat_offered": _("Seat offered from the waiting list"),
                "course.offer_accepted": _("Offered seat accepted"),
                "course.offer_declined": _("Offered seat declined"),
                "course.offer_expired": _("Offered seat expired"),
                "course.cancelled_by_family": _("Course given up by the family"),
                "course.released_on_withdrawal": _("Seats released on withdrawal"),
                "course.lottery_drawn": _("Lottery drawn"),
                "course.cancelled_below_minimum": _("Course cancelled below its minimum"),
                "course.seats_carried_over": _("Seats carried over to the amended plan"),
            }
        )
