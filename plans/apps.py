from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Policy and school plans")

    def ready(self):
        from aftercare import registry
        from aftercare.actions import register_code_labels, register_payload_labels
        from aftercare.audit import register_actions
        from plans.demo import amend_shiyan, seed_plans
        from plans.models import DistrictPolicy, PlanVersion
        from plans.presets import PRESETS
        from plans.views import home

        registry.register_nav(10, home.nav)
        # The audit log names policy and plan fields as the forms do (policy.changed, plan.edited).
        register_payload_labels(
            {
                f.name: f.verbose_name
                for model in (DistrictPolicy, PlanVersion)
                for f in model._meta.fields
                if f.verbose_name != f.name.replace("_", " ")
            },
            replace=False,
        )
        register_code_labels(
            "part",
            {
                "general": _("general part"),
                "period": _("service period"),
                "course": _("course"),
                "window": _("registration window"),
            },
        )
        register_code_labels("preset", {k: p["label"] for k, p in PRESETS.items()})
        registry.register_home_section("school", 1, home.school_plan_link)
        registry.register_home_section("district", 0, home.district_reviews)
        registry.register_demo_step(20, seed_plans)
        registry.register_demo_step(32, amend_shiyan)  # after round one's draws (30)
        register_actions(
            {
                "policy.created": _("Policy started from a preset"),
                "policy.changed": _("Policy changed"),
                "plan.created": _("Plan created"),
                "plan.edited": _("Plan edited"),
                "plan.submitted": _("Plan submitted"),
                "plan.approved": _("Plan approved"),
                "plan.returned": _("Plan returned"),
                "plan.published": _("Plan published"),
                "plan.amendment_started": _("Plan amendment started"),
            }
        )
