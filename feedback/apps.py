from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Complaints and evaluations")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import register_actions
        from feedback import anonymise, demo, tasks
        from feedback.views import home

        # Registered in every process (web included): beat sends it by name.
        assert tasks.remind_closing.name == "feedback.remind_closing"

        registry.register_nav(45, home.nav)
        registry.register_home_section("district", 20, home.district_section)
        registry.register_home_section("school", 35, home.school_section)
        registry.register_home_section("teacher", 30, home.teacher_section)
        registry.register_home_section("family", 20, home.family_section)
        registry.register_demo_step(47, demo.feedback_step)

        registry.register_anonymiser(anonymise.COVERS, anonymise.anonymise_child)

        register_actions(
            {
                "complaint.filed": _("Complaint filed"),
                "complaint.recorded": _("Hotline complaint recorded"),
                "complaint.acknowledged": _("Complaint acknowledged"),
                "complaint.closed": _("Complaint closed with findings"),
                "complaint.note_added": _("Message on a complaint"),
                "complaint.escalated": _("Complaint escalated to the district"),
                "complaint.reopened": _("Complaint reopened by the district"),
                "complaint.upheld": _("Complaint closure upheld by the district"),
                "complaint.exported": _("Complaints exported"),
                "evaluation.opened": _("Service evaluation opened"),
                "evaluation.closed": _("Service evaluation closed"),
                "evaluation.reminded": _("Families reminded to evaluate"),
                "evaluation.exported": _("Evaluation results exported"),
            }
        )
