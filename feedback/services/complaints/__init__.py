"""Complaint services: filing (``filing``), the school's handling and the district's decisions
(``handling``), shared helpers (``common``).

Every transition locks the complaint's row (``SELECT … FOR UPDATE``) first and nothing else,
checks the state under that lock, writes the new state and one ``ComplaintEvent`` (the
timeline the family reads) and an audit event, all in one short transaction: two clicks on
"close", or a school closing while the family escalates, are serialised and the second sees
the state the first left (409 ``Conflict``). No other row is locked, so this takes no place
in the project's lock order (semester -> plan -> …) and cannot deadlock with it.

Side effects leave the transaction: inbox messages are recorded in the outbox
(``aftercare.notifications.notify_many``) and delivered after commit — the school's
managers when a complaint arrives, the district's officials at once for a fee or coercion
complaint (``FLAGGED_CATEGORIES``) and on escalation, the filer at each step.

Attachments are checked before anything is written (``feedback.attachments``) and stored in
the transaction; if it fails, the files stored are deleted again, so a refused complaint
leaves neither a row nor a file.

Deadlines come from the district policy (``feedback.deadlines``); ``now`` may be passed in
(tests freeze time by patching ``timezone.now`` as well).

Errors: ``NotAllowed`` (403: not a guardian of the child, not the school's manager, not an
official of the district), ``InvalidInput`` (400, field errors naming the value and the
limit), ``Conflict`` (409: the complaint is not in a state for this step).
"""

from .common import MAX_PAST_DAYS
from .filing import file_complaint, record_hotline_complaint
from .handling import (
    acknowledge_complaint,
    add_note,
    close_complaint,
    escalate_complaint,
    first_of_month,
    reopen_complaint,
    uphold_complaint,
)

__all__ = [
    "MAX_PAST_DAYS",
    "acknowledge_complaint",
    "add_note",
    "close_complaint",
    "escalate_complaint",
    "file_complaint",
    "first_of_month",
    "record_hotline_complaint",
    "reopen_complaint",
    "uphold_complaint",
]
