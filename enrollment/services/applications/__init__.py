"""Applications for after-school service and their review (家长申请 → 班级审核 → 学校核准 →
公示 → 签协议), the service agreement, the accident insurance, and withdrawal (退出).

    applied ─(class review)─▶ class_approved | flagged | rejected
    applied, class_approved ─(bulk approval)─▶ approved
    flagged, rejected ─(approval when selected one by one)─▶ approved
    approved ─(sign agreement + confirm insurance)─▶ active (``Application.is_active``)
    approved ─(request)─▶ withdrawal_requested ─(approve)─▶ withdrawn
                                               ─(decline)─▶ approved

Modules: ``apply`` (apply, change), ``review`` (class review), ``approval`` (school
approval, priority verification, public list), ``agreements`` (agreement, insurance),
``withdrawals``, ``export``; ``common`` holds the shared checks, locks and the inbox.

Every function here is keyword-only, owns its transaction, checks the actor's role (callers
have found the objects through ``visible_to``, so another tenant's never gets here), raises a
``DomainError`` (``InvalidInput`` with field messages, ``NotAllowed`` 403, ``Conflict`` 409)
before anything is written, writes an audit event and puts a message in the inbox of whoever
needs to know (delivered after the commit). Every change of status, and every step of the
parent's timeline, goes through ``enrollment.services.history.transition`` (one append-only
row per step). State transitions lock the application row (``SELECT … FOR UPDATE``); bulk
approval and list publication lock the plan row first (plan -> applications, the project's
lock order), so concurrent clicks queue up and nothing is approved twice. Bulk approval is
set-based, in batches (``approval.BATCH``).

Priority: a family declares priority groups; only those the school verifies
(``verify_priority_groups``) count, for the approval order and for lottery tiers.
"""

from enrollment.services.applications.agreements import (
    confirm_insurance,
    publish_agreement,
    sign_agreement,
)
from enrollment.services.applications.apply import apply_for_service, change_application
from enrollment.services.applications.approval import (
    Approval,
    Approved,
    approve_applications,
    publish_participant_list,
    verify_priority_groups,
)
from enrollment.services.applications.common import (
    AGREEMENT_MAX,
    NOTE_MAX,
    POLICY_NUMBER_MAX,
    REASON_MAX,
    TITLE_MAX,
    Decision,
    agreement_url,
    can_review,
    family_url,
    school_url,
)
from enrollment.services.applications.export import export_applications
from enrollment.services.applications.review import review_application
from enrollment.services.applications.school_withdrawal import withdraw_by_school
from enrollment.services.applications.withdrawals import (
    approve_withdrawal,
    decline_withdrawal,
    request_withdrawal,
)

__all__ = [
    "AGREEMENT_MAX",
    "NOTE_MAX",
    "POLICY_NUMBER_MAX",
    "REASON_MAX",
    "TITLE_MAX",
    "Approval",
    "Approved",
    "Decision",
    "agreement_url",
    "apply_for_service",
    "approve_applications",
    "approve_withdrawal",
    "can_review",
    "change_application",
    "confirm_insurance",
    "decline_withdrawal",
    "export_applications",
    "family_url",
    "publish_agreement",
    "publish_participant_list",
    "request_withdrawal",
    "review_application",
    "school_url",
    "sign_agreement",
    "verify_priority_groups",
    "withdraw_by_school",
]
