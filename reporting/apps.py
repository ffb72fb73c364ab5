from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from aftercare import registry
        from aftercare.actions import register_code_labels
        from aftercare.audit import register_actions
        from reporting import compliance, demo, tasks
        from reporting.views import home

        # Registered in every process (web included): services send them by name.
        assert tasks.refresh_district.name == "reporting.refresh"

        registry.register_nav(5, home.nav)
        registry.register_home_section("district", 1, home.district_section)
        registry.register_home_section("school", 90, home.school_section)
        registry.register_landing(50, home.landing)
        registry.register_demo_step(60, demo.reporting_step)
        # The audit log names a compliance rule by its label (alert.opened's "rule").
        register_code_labels("rule", {code: r.label for code, r in compliance.RULES.items()})

        register_actions(
            {
                "alert.opened": _("Compliance alert opened"),
                "alert.reopened": _("Compliance alert opened again"),
                "alert.cleared": _("Compliance alert resolved: the condition is gone"),
                "alert.acknowledged": _("Compliance alert acknowledged"),
                "alert.resolved": _("Compliance alert resolved"),
                "reporting.refresh_requested": _("Dashboard recompute asked for"),
                "reporting.exported": _("Dashboard table exported"),
                "assessment.created": _("Assessment score sheet drafted"),
                "assessment.computed": _("Assessment computed from the data"),
                "assessment.scored": _("Assessment score entered by an inspector"),
                "assessment.published": _("Assessment published with ranks"),
            }
        )
