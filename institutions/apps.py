from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Third-party institutions")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import register_actions
        from institutions import demo, views

        registry.register_nav(26, views.nav)
        registry.register_landing(5, views.landing)
        registry.register_demo_step(45, demo.institutions_step)
        register_actions(
            {
                "institutions.policy_saved": _("Institution price policy saved"),
                "institutions.batch_opened": _("Admission batch opened"),
                "institutions.batch_closed": _("Admission batch closed"),
                "institutions.account_opened": _("Institution account opened"),
                "institutions.applied": _("Institution applied for admission"),
                "institutions.approved": _("Institution application approved"),
                "institutions.refused": _("Institution application refused"),
                "institutions.instructor_saved": _("Institution instructor saved"),
            }
        )
