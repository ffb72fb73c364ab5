"""Pages of applications (家长申请), class review (班级审核), school approval (学校核准), the
public participant list (公示), the service agreement (服务协议) and withdrawal (退出).

Thin: look objects up through ``visible_to`` (another tenant's, school's or family's is 404),
parse a form, call one service of ``enrollment.applications``, then redirect — or render the
page again with the service's field errors in place on the form that was sent.

One module per reader: ``family`` (parents), ``teacher`` (class review), ``school``
(approval, publication, withdrawals, the agreement editor), ``public``; ``common`` helpers.
"""

from enrollment.views.applications.family import (
    agreement,
    apply,
    change,
    family_applications,
    insurance,
    sign,
    withdraw,
)
from enrollment.views.applications.public import public_participants
from enrollment.views.applications.school import (
    agreement_editor,
    bulk_approve,
    publish_list,
    school_applications,
    verify_priority,
    withdrawal_decision,
)
from enrollment.views.applications.teacher import review, review_batch, teacher_applications

__all__ = [
    "agreement",
    "agreement_editor",
    "apply",
    "bulk_approve",
    "change",
    "family_applications",
    "insurance",
    "public_participants",
    "publish_list",
    "review",
    "review_batch",
    "school_applications",
    "sign",
    "teacher_applications",
    "verify_priority",
    "withdraw",
    "withdrawal_decision",
]
