from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self):
        from aftercare.audit import register_actions

        register_actions(
            {
                "roster.imported": _("Roster imported"),
                "roster.exported": _("Roster exported"),
                "account.signed_up": _("Parent signed up"),
                "guardianship.bound": _("Child bound to a parent"),
                "guardianship.relation_changed": _("Guardian's relation changed"),
            }
        )
