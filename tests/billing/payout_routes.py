"""Every payout and disclosure route with an object id, pointed at school b1's objects (a
payout run in review, a line of it, a disclosure and its draft), for the cross-tenant matrix of
tests/test_tenancy.py (and, turned inward, the intra-district one). Objects are written
directly: the matrix tests lookups, the services have their own tests."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from billing.models import Disclosure, DisclosureVersion, PayoutLine, PayoutRun, SubsidyRules
from billing.services.disclosure import empty_figures
from safety.models import Incident
from scheduling.models import StaffKind, StaffMember

PUBLIC_PAYOUT_ROUTES = {
    "billing_public_disclosure",
    "billing_public_disclosure_pdf",
    "billing-public-disclosures",
}


def foreign_payout_routes(world) -> dict:
    school, district, semester = world.schools["b1"], world.b, world.semesters["b"]
    rules = SubsidyRules.objects.filter(district=district, semester=semester).first()
    if rules is None:
        rules = SubsidyRules.objects.create(district=district, semester=semester)
    run = PayoutRun.objects.create(
        district=district,
        school=school,
        semester=semester,
        month=date(2026, 10, 1),
        rules=rules,
        status="review",
    )
    staff = StaffMember.objects.create(
        district=district, school=school, kind=StaffKind.EXTERNAL, full_name="外校老师"
    )
    line = PayoutLine.objects.create(
        district=district,
        school=school,
        run=run,
        staff=staff,
        staff_name=staff.full_name,
        staff_kind=staff.kind,
        basis="no_agreement",
        ledger_group="external",
        rate_unit="session",
    )
    disclosure = Disclosure.objects.create(
        district=district, school=school, semester=semester, due_date=semester.end_date
    )
    version = DisclosureVersion.objects.create(
        district=district,
        school=school,
        disclosure=disclosure,
        number=1,
        **empty_figures().columns(),
    )
    s, r, ln, d, v = (
        school.public_id,
        run.public_id,
        line.public_id,
        disclosure.public_id,
        version.public_id,
    )
    routes = {
        "billing_payouts": ("get", reverse("billing_payouts", args=[s])),
        "billing_payout_start": ("post", reverse("billing_payout_start", args=[s])),
        "billing_expenses": ("get", reverse("billing_expenses", args=[s])),
        "billing_disclosures": ("get", reverse("billing_disclosures", args=[s])),
        "billing_disclosure_draft": ("post", reverse("billing_disclosure_draft", args=[s])),
        "billing_disclosure_reviewer": ("post", reverse("billing_disclosure_reviewer", args=[s])),
        "billing_payout_run": ("get", reverse("billing_payout_run", args=[r])),
        "billing_payout_approve": ("post", reverse("billing_payout_approve", args=[r])),
        "billing_payout_xlsx": ("get", reverse("billing_payout_xlsx", args=[r])),
        "billing_payout_adjust": ("post", reverse("billing_payout_adjust", args=[ln])),
        "billing_statement_pdf": ("get", reverse("billing_statement_pdf", args=[ln])),
        "billing_disclosure_version": ("get", reverse("billing_disclosure_version", args=[v])),
        "billing-payout-run-detail": ("get", reverse("billing-payout-run-detail", args=[r])),
        "billing-payout-run-approve": ("post", reverse("billing-payout-run-approve", args=[r])),
        "billing-payout-run-lines": ("get", reverse("billing-payout-run-lines", args=[r])),
        "billing-payout-run-payroll": ("get", reverse("billing-payout-run-payroll", args=[r])),
        "billing-payout-line-detail": ("get", reverse("billing-payout-line-detail", args=[ln])),
        "billing-payout-line-adjust": ("post", reverse("billing-payout-line-adjust", args=[ln])),
        "billing-statement-detail": ("get", reverse("billing-statement-detail", args=[ln])),
        "billing-statement-pdf": ("get", reverse("billing-statement-pdf", args=[ln])),
        "billing-disclosure-detail": ("get", reverse("billing-disclosure-detail", args=[d])),
        "billing-disclosure-amend": ("post", reverse("billing-disclosure-amend", args=[d])),
        "billing-disclosure-version-detail": (
            "get",
            reverse("billing-disclosure-version-detail", args=[v]),
        ),
    }
    incident = _serious_incident(world)
    routes["billing_subsidy_rules"] = (
        "get",
        reverse("billing_subsidy_rules", args=[semester.public_id]),
    )
    for name in ("billing_school_rules", "billing_incidents", "billing_agreements"):
        routes[name] = ("post", reverse(name, args=[s]))
    routes["billing_incident_decide"] = (
        "post",
        reverse("billing_incident_decide", args=[incident.public_id, "declined"]),
    )
    routes["billing-incident-offer-decide"] = (
        "post",
        reverse("billing-incident-offer-decide", args=[incident.public_id]),
    )
    for verb in ("confirm", "publish", "refresh", "amend"):
        name = f"billing_disclosure_{verb}"
        routes[name] = ("post", reverse(name, args=[v]))
    for verb in ("confirm", "publish", "pdf"):
        name = f"billing-disclosure-version-{verb}"
        routes[name] = ("post" if verb != "pdf" else "get", reverse(name, args=[v]))
    return routes


def _serious_incident(world):
    """A serious safety record of school b1 (offered to its principal for the subsidy)."""
    school, now = world.schools["b1"], timezone.now()
    return Incident.objects.create(
        district=school.district,
        school=school,
        student=world.students["b1"],
        kind="injury",
        severity="serious",
        occurred_at=now,
        place="操场",
        description="骨折",
        action_taken="送医",
        recorded_by=world.users["teacher_b1"],
        recorded_at=now,
        escalated_at=now,
    )
