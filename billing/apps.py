from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from aftercare import registry
        from aftercare.audit import register_actions
        from billing import anonymise, demo, tasks
        from billing.views import home, subsidy

        # Registered in every process (web included), so billing.jobs can send them by name.
        assert tasks.run_billing.name == "billing.run_billing"

        registry.register_nav(40, home.nav)
        registry.register_home_section("family", 5, home.family_fees)
        registry.register_home_section("school", 30, home.school_fees)
        registry.register_home_section("school", 29, subsidy.incident_offers_todo)
        registry.register_home_section("teacher", 40, home.teacher_statements)
        registry.register_landing(90, home.committee_landing)
        registry.register_demo_step(50, demo.billing_step)
        registry.register_demo_step(55, demo.payouts_step)

        registry.register_anonymiser(anonymise.COVERS, anonymise.anonymise_child)

        register_actions(
            {
                "billing.run_started": _("Semester billing started"),
                "billing.run_refused": _("Semester billing refused"),
                "billing.run_finished": _("Semester billing finished"),
                "billing.settlement_started": _("Term-end settlement started"),
                "billing.invoice_settled": _("Invoice settled at term end"),
                "billing.invoice_reissued": _("Invoice re-issued"),
                "billing.payment_started": _("Online payment started"),
                "billing.payment_received": _("Payment received"),
                "billing.notification_rejected": _("Payment notification rejected"),
                "billing.refund_requested": _("Refund requested"),
                "billing.refund_succeeded": _("Refund confirmed by the gateway"),
                "billing.exemption_applied": _("Exemption applied for"),
                "billing.exemption_verified": _("Exemption verified"),
                "billing.exemption_refused": _("Exemption refused"),
                "billing.receipts_exported": _("Receipt register exported"),
                "billing.payout_started": _("Payout month started"),
                "billing.payout_refused": _("Payout month refused"),
                "billing.payout_computed": _("Payout month computed"),
                "billing.payout_adjusted": _("Payout line adjusted"),
                "billing.payout_approved": _("Payout month approved"),
                "billing.incident_recorded": _("Safety incident recorded"),
                "billing.incident_confirmed": _("Safety incident confirmed for the subsidy"),
                "billing.incident_declined": _("Safety incident declined for the subsidy"),
                "billing.agreement_saved": _("Labour agreement saved"),
                "billing.subsidy_rules_saved": _("Subsidy rules changed"),
                "billing.school_rules_saved": _("School subsidy values changed"),
                "billing.subsidy_granted": _("District subsidy recorded"),
                "billing.expense_recorded": _("Expense recorded"),
                "billing.disclosure_drafted": _("Disclosure drafted"),
                "billing.disclosures_drafted": _("Disclosures drafted by the calendar"),
                "billing.disclosure_amended": _("Disclosure amendment drafted"),
                "billing.disclosure_reviewed": _("Disclosure confirmed by the parents' committee"),
                "billing.disclosure_published": _("Disclosure published"),
                "billing.reviewer_appointed": _("Parents' committee reviewer named"),
                "billing.reviewer_removed": _("Parents' committee reviewer removed"),
            }
        )
