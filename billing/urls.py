from django.urls import path

from billing.gateway import GATEWAYS
from billing.views import disclosure, family, notify, payouts, sandbox, school, subsidy

urlpatterns = [
    # Families
    path("family/billing/", family.family_billing, name="billing_family"),
    path("family/invoices/<uuid:invoice_id>/", family.invoice_detail, name="billing_invoice"),
    path("family/invoices/<uuid:invoice_id>/pay/", family.invoice_pay, name="billing_pay"),
    path("family/orders/<uuid:order_id>/", family.order_status, name="billing_order"),
    path("family/exemptions/new/", family.exemption_new, name="billing_exemption_new"),
    path("billing/receipts/<uuid:receipt_id>.pdf", family.receipt_pdf, name="billing_receipt_pdf"),
    path(
        "billing/exemptions/<uuid:exemption_id>/evidence/",
        family.exemption_evidence,
        name="billing_exemption_evidence",
    ),
    # Schools and the district
    path("school/<uuid:school_id>/billing/", school.school_billing, name="billing_school"),
    path(
        "school/<uuid:school_id>/billing/<str:kind>/start/",
        school.school_billing_start,
        name="billing_start",
    ),
    path(
        "school/<uuid:school_id>/billing/invoices/",
        school.school_invoices,
        name="billing_school_invoices",
    ),
    path(
        "school/<uuid:school_id>/billing/receipts.xlsx",
        school.receipt_register,
        name="billing_receipt_register",
    ),
    path("school/<uuid:school_id>/ledger/", school.school_ledger, name="billing_ledger"),
    path("billing/runs/<uuid:run_id>/progress/", school.run_progress, name="billing_run_progress"),
    path(
        "billing/exemptions/<uuid:exemption_id>/<str:decision>/",
        school.exemption_decide,
        name="billing_exemption_decide",
    ),
    path("district/billing/", school.district_billing, name="billing_district"),
    # Teacher subsidies, expenses, the district's subsidy
    path("school/<uuid:school_id>/payouts/", payouts.payout_runs, name="billing_payouts"),
    path(
        "school/<uuid:school_id>/payouts/start/",
        payouts.payout_start,
        name="billing_payout_start",
    ),
    path("billing/payouts/<uuid:run_id>/", payouts.payout_run, name="billing_payout_run"),
    path(
        "billing/payouts/<uuid:run_id>/approve/",
        payouts.payout_approve,
        name="billing_payout_approve",
    ),
    path(
        "billing/payouts/<uuid:run_id>/payroll.xlsx",
        payouts.payout_xlsx,
        name="billing_payout_xlsx",
    ),
    path(
        "billing/payout-lines/<uuid:line_id>/adjust/",
        payouts.payout_adjust,
        name="billing_payout_adjust",
    ),
    path(
        "billing/statements/<uuid:line_id>.pdf",
        payouts.statement_pdf,
        name="billing_statement_pdf",
    ),
    path("teacher/statements/", payouts.my_statements, name="billing_my_statements"),
    path("school/<uuid:school_id>/expenses/", payouts.school_expenses, name="billing_expenses"),
    path("district/subsidies/", payouts.district_subsidies, name="billing_district_subsidies"),
    path(
        "district/semesters/<uuid:semester_id>/subsidy-rules/",
        subsidy.district_rules,
        name="billing_subsidy_rules",
    ),
    path(
        "school/<uuid:school_id>/subsidy-rules/",
        subsidy.school_rules,
        name="billing_school_rules",
    ),
    path(
        "school/<uuid:school_id>/payouts/incidents/",
        subsidy.school_incidents,
        name="billing_incidents",
    ),
    path(
        "billing/safety-incidents/<uuid:incident_id>/<str:decision>/",
        subsidy.incident_decide,
        name="billing_incident_decide",
    ),
    path(
        "school/<uuid:school_id>/payouts/agreements/",
        subsidy.school_agreements,
        name="billing_agreements",
    ),
    # Term-end disclosure
    path(
        "school/<uuid:school_id>/disclosures/",
        disclosure.school_disclosures,
        name="billing_disclosures",
    ),
    path(
        "school/<uuid:school_id>/disclosures/draft/",
        disclosure.disclosure_draft,
        name="billing_disclosure_draft",
    ),
    path(
        "school/<uuid:school_id>/disclosures/reviewers/",
        disclosure.disclosure_reviewer,
        name="billing_disclosure_reviewer",
    ),
    path(
        "billing/disclosures/<uuid:version_id>/",
        disclosure.disclosure_version,
        name="billing_disclosure_version",
    ),
    *(
        path(
            f"billing/disclosures/<uuid:version_id>/{verb}/",
            view,
            name=f"billing_disclosure_{verb}",
        )
        for verb, view in (
            ("confirm", disclosure.disclosure_confirm),
            ("publish", disclosure.disclosure_publish),
            ("refresh", disclosure.disclosure_refresh),
            ("amend", disclosure.disclosure_amend),
        )
    ),
    path("billing/review/", disclosure.committee_home, name="billing_committee_home"),
    path(
        "district/disclosures/",
        disclosure.district_disclosures,
        name="billing_district_disclosures",
    ),
    path(
        "public/disclosures/<uuid:disclosure_id>/",
        disclosure.public_disclosure,
        name="billing_public_disclosure",
    ),
    path(
        "public/disclosures/v/<uuid:version_id>.pdf",
        disclosure.public_disclosure_pdf,
        name="billing_public_disclosure_pdf",
    ),
    # The payment gateway's side
    path("billing/sandbox/<str:out_trade_no>/", sandbox.cashier, name="billing_sandbox_cashier"),
    *(
        path(
            f"billing/notify/{name}/",
            notify.notification,
            {"gateway_name": name},
            name=f"billing_notify_{name}",
        )
        for name in GATEWAYS
    ),
]
