"""Extended-course registration (抢课): seats, waitlist, offers, lottery, round two.

Modules: ``courses`` (cached facts of a course, the claim's lookup, seat counters),
``claim`` (the rush path), ``waitlist`` (positions, offers, releasing seats), ``lottery``
(committed seeds, the draw, the public result), ``rounds`` (closing round one, the school's
overview, what a publication does), ``common`` (the error, the lock helpers).

The rush path (``register``) is built for thousands of parents pressing "register" in the same
second:

* everything static about a course (its published version, windows, grades, limits) is read
  once per process and cached; what can change (cancelled, superseded, capacity carried
  over) bumps the counter's version, which the claim's one lookup query returns, so every
  process reloads at its next request (``courses``);
* the claim itself is ONE SQL statement in autocommit (a PL/pgSQL function, migration 0009):
  a conditional UPDATE of the student's application (per-student limit; the version must be
  published, the course not cancelled, a lottery not drawn), a conditional UPDATE of the
  course's seat counter (``taken < capacity``), the INSERT of the registration (confirmed,
  or waitlisted when full) and the INSERT of the audit event, all or nothing. The row lock
  on the seat counter is held for that one statement only; once the course is full, further
  requests do not even wait for it;
* before that statement the function takes the plan's registration gate in SHARED mode (an
  advisory lock: claims never wait for each other there). Closing round one, a lottery draw
  and an amendment's carry-over take it EXCLUSIVELY, so a claim either finishes before them
  or starts after their commit and sees it (the statement takes a new snapshot): no entry
  lands on a course just cancelled, nor in a lottery just drawn;
* a second click, or the other guardian at the same moment, hits the partial unique index
  (one live entry per student and course) and the whole statement rolls back.

Capacity therefore holds under any concurrency (and a CHECK constraint backs it), no seat is
lost, and every request gets a definite answer.

Lock order (the project's: semester -> plan -> application -> course seats -> registration
-> invoice -> payment). Every service here takes its locks in that order, late, inside one
short transaction, rows of one kind in ascending id, and never goes back for an earlier
kind (``common.lock_*``):

    claim            gate (shared) -> application (quota) -> seat counter -> new registration
    cancel, accept,  application -> seat counter -> registration (-> the next in line's
    decline, expiry  registration, SKIP LOCKED)
    withdrawal       application -> every counter of its courses -> its registrations
    close round one  plan row + gate -> applications of the version's live entries ->
                     every counter of the version -> the entries
    draw             plan row + gate -> the counter -> the course's entries
    carry-over       (plan row, held by publish_plan) + gate -> applications of the dropped
                     courses' entries -> old and new counters -> entries

Two transactions that both need an application and a counter therefore always want the
application first: they queue, they cannot deadlock (tests/enrollment/test_rush_concurrency
shows the old counter-first close deadlocking against a family, and the new one holding).
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
from enrollment.services.registration.lottery import (
    PublicDraw,
    draw_lottery,
    ensure_commitments,
    public_draw,
    tier_label,
)
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
    "PublicDraw",
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
    "ensure_commitments",
    "expire_offers",
    "lookup_for_claim",
    "may_leave",
    "public_draw",
    "register",
    "release_application",
    "round_two_eligible",
    "seats_overview",
    "tier_label",
    "user_reaches_school",
    "waitlist_position",
    "with_positions",
]
