"""Extended-course registration (抢课): seats, waitlist, offers, lottery, round two.

The rush path (``register``) is built for thousands of parents pressing "register" in the same
second:

* everything static about a course (its published version, windows, grades, limits) is read
  once per process and cached — a published version is immutable;
* the claim itself is ONE SQL statement in autocommit: a conditional UPDATE of the student's
  application (per-student limit), a conditional UPDATE of the course's seat counter
  (``taken < capacity``), the INSERT of the registration (confirmed, or waitlisted when full)
  and the INSERT of the audit event, all or nothing. The row lock on the seat counter is held
  for that one statement only; once the course is full, further requests do not even wait
  for it;
* a second click, or the other guardian at the same moment, hits the partial unique index
  (one live entry per student and course) and the whole statement rolls back.

Capacity therefore holds under any concurrency (and a CHECK constraint backs it), no seat is
lost, and every request gets a definite answer. Releasing a seat (withdrawal, decline, expiry)
is rarer and runs in a short transaction that locks the application, then the seat counter,
in that order — the same order as the claim, so the two cannot deadlock.
"""

from enrollment.services.registration.claim import (
    CLAIM_ARGS,
    CLAIM_SQL,
    OUTCOME_MESSAGES,
    Outcome,
    admit,
    register,
    round_two_eligible,
)
from enrollment.services.registration.common import OFFER_HOURS, RegistrationError
from enrollment.services.registration.courses import (
    CACHE_SECONDS,
    LOOKUP_SQL,
    CourseInfo,
    StudentRef,
    Window,
    capacities_for,
    clear_cache,
    course_info,
    ensure_capacities,
    lookup_for_claim,
    user_reaches_school,
)
from enrollment.services.registration.lottery import draw_lottery
from enrollment.services.registration.rounds import (
    carry_over_on_publish,
    close_round_one,
    seats_overview,
)
from enrollment.services.registration.waitlist import (
    LAST_IN_LINE,
    accept_offer,
    cancel_registration,
    decline_offer,
    expire_offers,
    may_leave,
    release_application,
    waitlist_position,
    with_positions,
)

__all__ = [
    "CACHE_SECONDS",
    "CLAIM_ARGS",
    "CLAIM_SQL",
    "LAST_IN_LINE",
    "LOOKUP_SQL",
    "OFFER_HOURS",
    "OUTCOME_MESSAGES",
    "CourseInfo",
    "Outcome",
    "RegistrationError",
    "StudentRef",
    "Window",
    "accept_offer",
    "admit",
    "cancel_registration",
    "capacities_for",
    "carry_over_on_publish",
    "clear_cache",
    "close_round_one",
    "course_info",
    "decline_offer",
    "draw_lottery",
    "ensure_capacities",
    "expire_offers",
    "lookup_for_claim",
    "may_leave",
    "register",
    "release_application",
    "round_two_eligible",
    "seats_overview",
    "user_reaches_school",
    "waitlist_position",
    "with_positions",
]
