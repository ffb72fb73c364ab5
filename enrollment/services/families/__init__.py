"""Writes of the enrollment app about families: the school roster (``roster``), parent
sign-up by SMS code (``signup``), binding a child (``binding``).

Keyword-only functions, each owning its transaction and writing an audit event. They raise
``aftercare.errors.DomainError`` subclasses (``enrollment.errors``) with translated messages;
nothing is half-written when they do. Rate limits that must survive the refusal (wrong SMS
codes, failed bindings) are committed in their own short transaction before the error is
raised. Inbox messages and texts leave after the commit (``aftercare.notifications``).

Binding rule: 学籍号 and name must match a pupil on the roll, and the parent's mobile must be
the guardian's mobile on the school's roster; otherwise the binding waits for the school
(approve, or refuse with a reason) and gives no access to the child meanwhile. The child's
existing guardians are told either way.
"""

from enrollment.services.families.binding import (
    BIND_MAX_FAILURES,
    BIND_WINDOW,
    MAX_PENDING,
    BindOutcome,
    bind_child,
    decide_binding,
    roster_knows,
)
from enrollment.services.families.roster import (
    EXPORT_TYPES,
    RosterImportResult,
    export_roster,
    import_roster,
)
from enrollment.services.families.signup import (
    purge_stale_records,
    request_signup_code,
    sign_up_parent,
)

__all__ = [
    "BIND_MAX_FAILURES",
    "BIND_WINDOW",
    "EXPORT_TYPES",
    "MAX_PENDING",
    "BindOutcome",
    "RosterImportResult",
    "bind_child",
    "decide_binding",
    "export_roster",
    "import_roster",
    "purge_stale_records",
    "request_signup_code",
    "roster_knows",
    "sign_up_parent",
]
