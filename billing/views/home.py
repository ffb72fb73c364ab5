"""What billing adds to the kernel's navigation and home pages (``BillingConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftercare.context_processors import school_nav_label
from aftercare.models import Role
from aftercare.registry import Section
from billing.models import Invoice, InvoiceStatus
from billing.selectors import statements_for


def nav(scope) -> list[dict]:
    items = []
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"billing-{school.pk}",
                "label": school_nav_label(scope, school, _("Fees")),
                "url": reverse("billing_school", args=[school.public_id]),
                "group": index,
                "position": 40,
            }
        )
        items.append(
            {
                "key": f"payouts-{school.pk}",
                "label": school_nav_label(scope, school, _("Subsidies and disclosure")),
                "url": reverse("billing_payouts", args=[school.public_id]),
                "group": index,
                "position": 41,
            }
        )
    if scope.is_official():
        items.append(
            {
                "key": "district-billing",
                "label": _("Fees"),
                "url": reverse("billing_district"),
                "group": 0,
                "position": 40,
            }
        )
        items.append(
            {
                "key": "district-disclosures",
                "label": _("Term-end disclosures"),
                "url": reverse("billing_district_disclosures"),
                "group": 0,
                "position": 41,
            }
        )
        items.append(
            {
                "key": "district-subsidies",
                "label": _("District subsidy"),
                "url": reverse("billing_district_subsidies"),
                "group": 0,
                "position": 42,
            }
        )
    if scope.teacher_schools:
        items.append(
            {
                "key": "payout-statements",
                "label": _("My subsidy statements"),
                "url": reverse("billing_my_statements"),
                "group": 100,
                "position": 40,
            }
        )
    if Role.PARENT_COMMITTEE in scope.roles:
        items.append(
            {
                "key": "disclosure-review",
                "label": _("Disclosures to review"),
                "url": reverse("billing_committee_home"),
                "group": 150,
                "position": 10,
            }
        )
    if Role.PARENT in scope.roles:
        items.append(
            {
                "key": "family-billing",
                "label": _("Fees and payments"),
                "url": reverse("billing_family"),
                "group": 200,
                "position": 30,
            }
        )
    return items


def family_fees(request) -> Section | None:
    """Unpaid fee notices on top of the family's home page (its to-do list)."""
    open_invoices = list(
        Invoice.objects.filter(
            student__guardianships__user=request.user, status=InvoiceStatus.OPEN
        ).select_related("student", "semester")[:10]
    )
    if not open_invoices:
        return None
    return Section("billing/home/family_fees.html", {"invoices": open_invoices})


def school_fees(request, *, school) -> Section | None:
    if not request.scope.manages(school) and not request.scope.is_official(school.district_id):
        return None
    return Section("billing/home/school_fees.html", {"school": school})


def committee_landing(scope) -> str | None:
    """A parents' committee reviewer with no other role lands on their review list."""
    if Role.PARENT_COMMITTEE in scope.roles:
        return reverse("billing_committee_home")
    return None


def teacher_statements(request) -> Section | None:
    """The teacher's latest approved statement on their home page (their to-do list)."""
    latest = statements_for(user=request.user).first()
    if latest is None:
        return None
    return Section("billing/home/teacher_statement.html", {"statement": latest})
