from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = _("Safety and consent")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import reference, register_actions, register_object_repr
        from safety import demo
        from safety.views import home

        registry.register_nav(42, home.nav)
        registry.register_home_section("school", 33, home.school_section)
        registry.register_home_section("teacher", 28, home.teacher_section)
        registry.register_home_section("family", 18, home.family_section)
        registry.register_home_section("district", 18, home.district_section)
        registry.register_demo_step(44, demo.safety_step)
        registry.register_flow_step("child_bound", home.after_binding)
        # audit events reference a child by id, not by name (PIPL: minimum necessary; and
        # nothing for anonymisation to chase later)
        for label in (
            "enrollment.student",
            "enrollment.guardianship",
            "enrollment.bindingrequest",
            "safety.safetyprofile",
            "safety.deletionrequest",
        ):
            register_object_repr(label, reference)

        register_actions(
            {
                "safety.profile_saved": _("Safety profile saved"),
                "safety.profile_confirmed": _("Safety profile confirmed for the semester"),
                "safety.medical_viewed": _("Medical notes viewed"),
                "safety.incident_recorded": _("Incident recorded"),
                "safety.incident_edited": _("Incident corrected before acknowledgement"),
                "safety.incident_acknowledged": _("Incident acknowledged by a guardian"),
                "safety.incident_amended": _("Incident amended"),
                "safety.photo_viewed": _("Incident photo viewed"),
                "safety.notice_published": _("Privacy notice published"),
                "safety.consent_decided": _("Consent given or withdrawn"),
                "safety.data_exported": _("A child's data downloaded"),
                "safety.deletion_requested": _("Deletion of a child's data requested"),
                "safety.deletion_refused": _("Deletion request refused"),
                "safety.deletion_approved": _("Child's data anonymised"),
            }
        )
