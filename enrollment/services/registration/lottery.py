"""Lottery courses: the seed committed at publication, the draw, the public result.

* ``ensure_commitments`` (at publication, in ``carry_over_on_publish``): every course of a
  version with a lottery window gets a server-drawn seed, stored secretly, and its SHA-256
  commitment, public from then on — before anyone can enter.
* ``draw_lottery`` (school managers, after the window closed): reveals the committed seed
  and draws: verified priority groups first (tier 0), then everyone (tier 1), each by
  SHA-256 of ``seed:token``. No seed can be passed in.
* ``public_draw``: what anyone may see — the commitment before the draw; after it the seed,
  whether it matches the commitment and whether the published order re-runs, the tokens in
  draw order with tier and result (no names), and the masked names with their results only.

Locks (the package's order): the plan's gate (exclusive, so no entry arrives during the
draw), the seat counter, the commitment, the course's entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict
from aftercare.models import User
from aftercare.rules import require_school_manager
from enrollment.lottery import commit, draw_order, mask_name, new_seed, verify
from enrollment.models import (
    CourseRegistration,
    LotteryCommitment,
    LotteryDraw,
    SeatStatus,
)
from enrollment.services.registration.common import (
    lock_counters,
    lock_plan,
    lock_registrations,
    notify_families,
)
from enrollment.services.registration.courses import course_info
from plans.models import Course, RegistrationMode, RegistrationWindow, WindowKind

PRIORITY, EVERYONE = 0, 1


def ensure_commitments(version) -> int:
    """Commit to a seed for each course of ``version`` if it has a lottery window (and the
    course has none yet). Returns how many were created."""
    lottery = RegistrationWindow.objects.filter(
        version=version, kind=WindowKind.EXTENDED, mode=RegistrationMode.LOTTERY
    ).exists()
    if not lottery:
        return 0
    rows = []
    for course in Course.objects.filter(version=version, lottery_commitment__isnull=True):
        seed = new_seed()
        rows.append(
            LotteryCommitment(
                course=course,
                district_id=course.district_id,
                school_id=course.school_id,
                seed=seed,
                commitment=commit(seed),
            )
        )
    LotteryCommitment.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def tier_of(application) -> int:
    """0 when the school verified a priority group of the child, else 1 (a declaration alone
    counts for nothing)."""
    return PRIORITY if application.priority_verified else EVERYONE


SET_RESULTS = """
UPDATE enrollment_courseregistration r
   SET lottery_rank = v.rank, lottery_tier = v.tier, status = v.status, decided_at = %(now)s
  FROM unnest(%(ids)s::bigint[], %(ranks)s::integer[], %(tiers)s::smallint[],
              %(statuses)s::text[]) AS v(id, rank, tier, status)
 WHERE r.id = v.id
"""


@transaction.atomic
def draw_lottery(*, actor: User, course: Course, now: datetime | None = None) -> LotteryDraw:
    """Draw a lottery course after its window closed, with the seed committed at publication:
    verified priority groups first, then the rest, each tier by SHA-256 of ``seed:token``.
    The first free seats go to the first entries, the rest join the waitlist in draw order.
    The draw publishes the seed (revealed), the tokens with tier and result, and the masked
    names with their result only. Audited; every family is told its result, rank and tier.

    Errors: NotAllowed; Conflict ``not_lottery``, ``window_open``, ``already_drawn``,
    ``no_commitment``.
    """
    require_school_manager(actor, course.school)
    now = now or timezone.now()
    info = course_info(course.public_id, fresh=True)
    lottery_windows = [w for w in info.windows if w.mode == RegistrationMode.LOTTERY]
    if not lottery_windows:
        raise Conflict(_("This course is not allocated by lottery."), code="not_lottery")
    if any(w.closes_at > now for w in lottery_windows):
        raise Conflict(
            _("The lottery is drawn after the registration window closes (%(time)s).")
            % {
                "time": timezone.localtime(max(w.closes_at for w in lottery_windows)).strftime(
                    "%Y-%m-%d %H:%M"
                )
            },
            code="window_open",
        )
    lock_plan(info.plan_id)
    capacity = lock_counters([course.pk])[course.pk]
    if LotteryDraw.objects.filter(course=course).exists():
        raise Conflict(_("This course has already been drawn."), code="already_drawn")
    committed = LotteryCommitment.objects.select_for_update().filter(course=course).first()
    if committed is None:
        raise Conflict(
            _("This course has no committed seed; publish the plan again to draw it."),
            code="no_commitment",
        )
    entries = lock_registrations(
        CourseRegistration.objects.filter(course=course, status=SeatStatus.ENTERED).select_related(
            "application"
        )
    )
    by_token = {str(r.public_id): r for r in entries}
    ordered = draw_order(committed.seed, [(t, tier_of(r.application)) for t, r in by_token.items()])
    free = max(0, capacity.capacity - capacity.taken)
    ranked = []
    for rank, (token, tier) in enumerate(ordered, start=1):
        reg = by_token[token]
        reg.lottery_rank, reg.lottery_tier = rank, tier
        reg.status = SeatStatus.CONFIRMED if rank <= free else SeatStatus.WAITLISTED
        ranked.append(reg)
    with connection.cursor() as cursor:
        cursor.execute(
            SET_RESULTS,
            {
                "now": now,
                "ids": [r.pk for r in ranked],
                "ranks": [r.lottery_rank for r in ranked],
                "tiers": [r.lottery_tier for r in ranked],
                "statuses": [r.status for r in ranked],
            },
        )
    seats = min(free, len(ranked))
    capacity.taken += seats
    capacity.version += 1
    capacity.save(update_fields=["taken", "version"])
    committed.revealed_at = now
    committed.save(update_fields=["revealed_at"])
    draw = LotteryDraw.objects.create(
        district_id=course.district_id,
        school_id=course.school_id,
        course=course,
        seed=committed.seed,
        commitment=committed.commitment,
        committed_at=committed.committed_at,
        entries=[
            {
                "rank": r.lottery_rank,
                "token": str(r.public_id),
                "tier": r.lottery_tier,
                "result": r.status,
            }
            for r in ranked
        ],
        results=sorted(
            ({"name": mask_name(r.student.name), "result": r.status} for r in ranked),
            key=lambda e: (e["name"], e["result"]),
        ),
        drawn_by=actor,
        drawn_at=now,
    )
    record_event(
        actor=actor,
        action="course.lottery_drawn",
        obj=course,
        payload={
            "seed": committed.seed,
            "commitment": committed.commitment,
            "entries": len(ranked),
            "seats": seats,
        },
    )
    notify_families(
        ranked,
        lambda r: (
            _("Lottery result for %(course)s: %(result)s")
            % {"course": course.name, "result": r.get_status_display()}
        ),
        lambda r: (
            _(
                "%(student)s drew place %(rank)d of %(total)d (%(tier)s). The draw can be checked "
                "by anyone on the public page."
            )
            % {
                "student": r.student.name,
                "rank": r.lottery_rank,
                "total": len(ranked),
                "tier": tier_label(r.lottery_tier),
            }
        ),
    )
    return draw


def tier_label(tier: int | None) -> str:
    if tier == PRIORITY:
        return _("priority group verified by the school")
    if tier == EVERYONE:
        return _("general draw")
    return ""


# --------------------------------------------------------------------------- public result


@dataclass
class PublicDraw:
    """What the public lottery page and API show of one course."""

    course: Course
    commitment: str = ""
    committed_at: datetime | None = None
    draw: LotteryDraw | None = None
    commitment_verified: bool | None = None  # None: drawn before commitments existed
    rerun_matches: bool = False
    tiers: dict[int, list[str]] = field(default_factory=dict)  # tier -> sorted tokens

    @property
    def drawn(self) -> bool:
        return self.draw is not None


def public_draw(course: Course) -> PublicDraw | None:
    """The public record of a lottery course (None when the course has no lottery). Checks
    the revealed seed against the commitment and re-runs the order from the published
    tokens and tiers, as anyone can."""
    draw = LotteryDraw.objects.filter(course=course).first()
    committed = LotteryCommitment.objects.filter(course=course).first()
    if draw is None and committed is None:
        return None
    out = PublicDraw(course=course)
    if committed is not None:
        out.commitment, out.committed_at = committed.commitment, committed.committed_at
    if draw is None:
        return out
    out.draw = draw
    out.commitment = draw.commitment or out.commitment
    out.committed_at = draw.committed_at or out.committed_at
    out.commitment_verified = verify(draw.seed, draw.commitment) if draw.commitment else None
    pairs = [(e["token"], e["tier"]) for e in draw.entries]
    out.rerun_matches = [t for t, _tier in draw_order(draw.seed, pairs)] == [
        e["token"] for e in draw.entries
    ]
    for token, tier in sorted(pairs):
        out.tiers.setdefault(tier, []).append(token)
    return out
