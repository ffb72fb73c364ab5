"""Applications for after-school service and their review (家长申请 → 班级审核 → 学校核准 →
公示 → 签协议), the service agreement, the accident insurance, and withdrawal (退出).

    applied ─(class review)─▶ class_approved | flagged | rejected
    applied, class_approved ─(bulk approval)─▶ approved
    flagged, rejected ─(approval when selected one by one)─▶ approved
    approved ─(sign agreement + confirm insurance)─▶ active (``Application.is_active``)
    approved ─(request)─▶ withdrawal_requested ─(approve)─▶ withdrawn
                                               ─(decline)─▶ approved

Every function here is keyword-only, owns its transaction, checks the actor's role (callers
have found the objects through ``visible_to``, so another tenant's never gets here), raises a
``DomainError`` (``InvalidInput`` with field messages, ``NotAllowed`` 403, ``Conflict`` 409)
before anything is written, writes an audit event and puts a message in the inbox of whoever
needs to know. State transitions lock the application row (``SELECT … FOR UPDATE``); bulk
approval and list publication lock the plan row first, so concurrent clicks queue up and
nothing is approved twice.
"""

from enrollment.services.applications.agreements import (
    confirm_insurance,
    publish_agreement,
    sign_agreement,
)
from enrollment.services.applications.apply import apply_for_service, change_application
from enrollment.services.applications.approval import (
    Approval,
    approve_applications,
    publish_participant_list,
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
]
