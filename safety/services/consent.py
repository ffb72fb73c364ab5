"""The district's privacy notice and the guardians' consent per purpose.

* ``publish_notice`` — a district official publishes a new version (the version number is
  the next one, under the district's advisory lock-free unique key: two at once, one 409).
* ``decide_consent`` — a guardian says yes or no to each purpose for one child under the
  current notice, for the current semester; each decision is a new append-only row (a
  trigger refuses UPDATE and DELETE). Withdrawing is a "no": from then on the processing that
  needs it is refused (``safety.selectors.has_consent``), and the teachers no longer see the
  medical alert.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput
from aftercare.models import District
from aftercare.rules import require
from aftercare.tenancy import Scope
from enrollment.models import Student

from .. import rules, selectors
from ..models import ConsentDecision, ConsentNotice, ConsentPurpose

NOTICE_FIELDS = ("purposes", "data_kept", "storage_location", "retention", "responsible_contact")


def publish_notice(*, actor, district: District, **texts) -> ConsentNotice:
    require(
        rules.can_publish_notice(Scope(actor), district.pk),
        _("Only the district's officials publish the privacy notice."),
    )
    values = {name: str(texts.get(name) or "").strip() for name in NOTICE_FIELDS}
    missing = {n: [_("This field is required.")] for n, v in values.items() if not v}
    if missing:
        raise InvalidInput(fields=missing)
    limits = {f.name: f.max_length for f in ConsentNotice._meta.fields if f.name in NOTICE_FIELDS}
    long = {
        n: [_("At most %(n)d characters.") % {"n": limits[n]}]
        for n, v in values.items()
        if len(v) > limits[n]
    }
    if long:
        raise InvalidInput(fields=long)
    current = selectors.current_notice(district.pk)
    try:
        with transaction.atomic():
            notice = ConsentNotice.objects.create(
                district=district,
                version=(current.version + 1) if current else 1,
                published_by=actor,
                published_at=timezone.now(),
                **values,
            )
            record_event(
                actor=actor,
                action="safety.notice_published",
                obj=notice,
                district=district,
                payload={"version": notice.version},
            )
    except IntegrityError as exc:
        raise Conflict(code="notice_published_meanwhile") from exc
    return notice


def decide_consent(
    *, actor, student: Student, decisions: dict[str, bool], notice_version: int | None = None
) -> list[ConsentDecision]:
    """Record the guardian's decisions (``{purpose: granted}``). Errors: NotAllowed (not a
    guardian), Conflict (no notice yet, or the notice read is no longer the current one),
    InvalidInput (unknown purpose, nothing decided)."""
    scope = Scope(actor)
    require(rules.is_guardian(scope, student), _("Only the child's guardians decide this."))
    notice = selectors.current_notice(student.district_id)
    if notice is None:
        raise Conflict(
            _("The district has not published its privacy notice yet."), code="no_notice"
        )
    if notice_version is not None and notice_version != notice.version:
        raise Conflict(
            _("The privacy notice changed meanwhile: read version %(v)d and decide again.")
            % {"v": notice.version},
            code="notice_changed",
        )
    unknown = sorted(set(decisions) - set(ConsentPurpose.values))
    if unknown:
        raise InvalidInput(fields={"purposes": [_("Unknown purpose: %(p)s") % {"p": unknown[0]}]})
    if not decisions:
        raise InvalidInput(fields={"purposes": [_("Decide at least one purpose.")]})
    now = timezone.now()
    semester = selectors.current_semester(student.district_id, timezone.localdate(now))
    with transaction.atomic():
        rows = ConsentDecision.objects.bulk_create(
            ConsentDecision(
                district_id=student.district_id,
                school_id=student.school_id,
                student=student,
                guardian=actor,
                notice=notice,
                semester=semester,
                purpose=purpose,
                granted=bool(granted),
                decided_at=now,
            )
            for purpose, granted in sorted(decisions.items())
        )
        record_event(
            actor=actor,
            action="safety.consent_decided",
            obj=student,
            payload={
                "notice": notice.version,
                "decisions": {p: bool(g) for p, g in sorted(decisions.items())},
            },
        )
    return rows
