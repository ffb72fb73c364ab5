"""The parents' committee reviewers (家委会) of a school's term-end disclosure.

The principal names a reviewer by the mobile number they signed up with; the membership
(role ``parent_committee``, school level) lets them read that school's disclosure drafts and
confirm them, nothing else (``billing.services.disclosure``). One membership row per user and
school (the unique constraint makes a double click one reviewer). Audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import InvalidInput, NotAllowed
from aftercare.models import Membership, Role, School, User
from aftercare.tenancy import Scope


def _require_manager(actor: User, school: School) -> None:
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the school's principal or administrators can do this."))


def reviewers_of(school: School) -> list[User]:
    return list(
        User.objects.filter(
            memberships__school=school, memberships__role=Role.PARENT_COMMITTEE
        ).order_by("pk")
    )


def appoint_reviewer(*, actor: User, school: School, mobile: str) -> User:
    """Make the user with ``mobile`` a reviewer of ``school``'s disclosure (idempotent).
    Audited (``billing.reviewer_appointed``). Errors: NotAllowed; InvalidInput (no account
    with that number: they sign up first)."""
    _require_manager(actor, school)
    mobile = (mobile or "").strip()
    user = User.objects.filter(mobile=mobile, is_active=True).first() if mobile else None
    if user is None:
        raise InvalidInput(
            fields={
                "mobile": [
                    _("No account has the mobile number %(m)s: they sign up first.")
                    % {"m": mobile or "—"}
                ]
            }
        )
    with transaction.atomic():
        _m, created = Membership.objects.get_or_create(
            user=user, district_id=school.district_id, school=school, role=Role.PARENT_COMMITTEE
        )
        if created:
            record_event(
                actor=actor,
                action="billing.reviewer_appointed",
                obj=school,
                payload={"user": user.pk},
            )
    return user


def remove_reviewer(*, actor: User, school: School, user: User) -> None:
    """Audited (``billing.reviewer_removed``). Errors: NotAllowed."""
    _require_manager(actor, school)
    with transaction.atomic():
        deleted, _n = Membership.objects.filter(
            user=user, school=school, role=Role.PARENT_COMMITTEE
        ).delete()
        if deleted:
            record_event(
                actor=actor,
                action="billing.reviewer_removed",
                obj=school,
                payload={"user": user.pk},
            )
