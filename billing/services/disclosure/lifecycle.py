"""Drafting (the principal, the calendar job), amending, the committee's review and publishing
after the check against the ledger (see the package docstring)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import District, School, Semester, User
from aftercare.tenancy import Scope
from billing import jobs
from billing.models import (
    Disclosure,
    DisclosureStatus,
    DisclosureVersion,
)
from billing.money import fmt
from billing.services.disclosure.figures import (
    DisclosureRefused,
    _require_manager,
    committee_schools,
    differences,
    district_figures,
    due_date,
    empty_figures,
    ledger_figures,
)


def draft_disclosure(
    *, actor: User | None, school: School, semester: Semester
) -> DisclosureVersion:
    """Draft (or refresh from the ledger) the school's disclosure of ``semester``: the first
    version, or the unpublished one (back to draft, review cleared, when a figure moved).
    ``actor`` None: the calendar job. Audited (``billing.disclosure_drafted``).

    Errors: NotAllowed; Conflict ``disclosure_published`` when the latest version is
    published (amend it with a reason instead)."""
    if actor is not None:
        _require_manager(actor, school)
    with transaction.atomic():
        disclosure, _created = Disclosure.objects.get_or_create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            defaults={"due_date": due_date(semester)},
        )
        disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
        figures = ledger_figures(school=school, semester=semester)
        latest = disclosure.versions.order_by("-number").first()
        if latest is not None and latest.status == DisclosureStatus.PUBLISHED:
            raise Conflict(
                _(
                    "Version %(n)s is published; changes after publication are an amendment "
                    "(a new version, with a reason)."
                )
                % {"n": latest.number},
                code="disclosure_published",
            )
        if latest is None:
            version = DisclosureVersion.objects.create(
                district_id=school.district_id,
                school=school,
                disclosure=disclosure,
                number=1,
                drafted_by=actor,
                **figures.columns(),
            )
            moved = True
        else:
            version = latest
            moved = (
                bool(differences(version, figures))
                or version.carried_in_fen != figures.carried_in_fen
            )
            update = {**figures.columns(), "drafted_at": timezone.now(), "drafted_by": actor}
            if moved:
                update.update(
                    status=DisclosureStatus.DRAFT,
                    reviewed_at=None,
                    reviewed_by=None,
                    review_note="",
                )
            DisclosureVersion.objects.filter(pk=version.pk).update(**update)
            version.refresh_from_db()
        record_event(
            actor=actor,
            action="billing.disclosure_drafted",
            obj=disclosure,
            payload={
                "version": version.number,
                "income": fmt(version.income_fen),
                "spending": fmt(version.spending_fen),
                "carried_out": fmt(version.carried_out_fen),
                "changed": moved,
            },
        )
    return version


def amend_disclosure(*, actor: User, disclosure: Disclosure, reason: str) -> DisclosureVersion:
    """After publication: draft the next version from the ledger, with the reason the public
    will read. Audited (``billing.disclosure_amended``). Errors: NotAllowed; InvalidInput (no
    reason); Conflict ``disclosure_not_published`` (nothing published yet: refresh the draft),
    ``disclosure_open`` (an amendment is already in the works)."""
    _require_manager(actor, disclosure.school)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(fields={"reason": [_("Say what changed: the public reads it.")]})
    with transaction.atomic():
        disclosure = (
            Disclosure.objects.select_for_update()
            .select_related("school", "semester")
            .get(pk=disclosure.pk)
        )
        latest = disclosure.versions.order_by("-number").first()
        if latest is None or latest.status != DisclosureStatus.PUBLISHED:
            raise Conflict(
                _("Nothing is published yet: refresh the draft instead."),
                code="disclosure_not_published",
            )
        figures = ledger_figures(school=disclosure.school, semester=disclosure.semester)
        try:
            with transaction.atomic():
                version = DisclosureVersion.objects.create(
                    district_id=disclosure.district_id,
                    school_id=disclosure.school_id,
                    disclosure=disclosure,
                    number=latest.number + 1,
                    drafted_by=actor,
                    amendment_reason=reason[:300],
                    **figures.columns(),
                )
        except IntegrityError as err:
            raise Conflict(
                _("An amendment is already being prepared."), code="disclosure_open"
            ) from err
        record_event(
            actor=actor,
            action="billing.disclosure_amended",
            obj=disclosure,
            payload={"version": version.number, "reason": reason[:300]},
        )
    return version


def review_disclosure(
    *, actor: User, version: DisclosureVersion, note: str = ""
) -> DisclosureVersion:
    """A member of the school's parents' committee confirms the draft (家委会审核). Audited
    (``billing.disclosure_reviewed``). Errors: NotAllowed (not a reviewer of this school —
    the principal does not review their own disclosure); Conflict (not a draft: reviewed or
    published already)."""
    scope = Scope(actor)
    if version.school_id not in committee_schools(scope):
        raise NotAllowed(
            _("Only a member of the school's parents' committee confirms its disclosure.")
        )
    with transaction.atomic():
        changed = DisclosureVersion.objects.filter(
            pk=version.pk, status=DisclosureStatus.DRAFT
        ).update(
            status=DisclosureStatus.REVIEWED,
            reviewed_at=timezone.now(),
            reviewed_by=actor,
            review_note=(note or "").strip()[:300],
        )
        version.refresh_from_db()
        if not changed:
            raise Conflict(
                _("This version is %(status)s already.") % {"status": version.get_status_display()},
                code="disclosure_not_draft",
            )
        record_event(
            actor=actor,
            action="billing.disclosure_reviewed",
            obj=version.disclosure,
            payload={"version": version.number, "note": version.review_note},
        )
    return version


def publish_disclosure(
    *, actor: User, version: DisclosureVersion, today: date | None = None
) -> DisclosureVersion:
    """Publish a reviewed version: after the semester's last day, and only if its figures
    still equal the ledger to the fen (checked here, in this transaction). The public page
    shows it at once; its PDF is rendered after commit. Audited
    (``billing.disclosure_published``); a refusal writes nothing.

    Errors: NotAllowed; DisclosureRefused (409) — not reviewed by the parents' committee
    (``not_reviewed``), the semester not over (``semester_running``), the ledger differs
    (``ledger_mismatch``, naming each figure); Conflict ``disclosure_published``."""
    disclosure = version.disclosure
    _require_manager(actor, disclosure.school)
    today = today or timezone.localdate()
    with transaction.atomic():
        locked = DisclosureVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status == DisclosureStatus.PUBLISHED:
            raise Conflict(
                _("Version %(n)s is published already.") % {"n": locked.number},
                code="disclosure_published",
            )
        if locked.status != DisclosureStatus.REVIEWED:
            raise DisclosureRefused(
                _(
                    "Version %(n)s has not been confirmed by the parents' committee: it cannot "
                    "be published."
                )
                % {"n": locked.number},
                code="not_reviewed",
            )
        semester = disclosure.semester
        if today <= semester.end_date:
            raise DisclosureRefused(
                _("%(semester)s ends on %(end)s: the term-end disclosure is published after it.")
                % {"semester": semester.name, "end": date_format(semester.end_date, "Y-m-d")},
                code="semester_running",
            )
        figures = ledger_figures(school=disclosure.school, semester=semester)
        diff = differences(locked, figures)
        if diff:
            raise DisclosureRefused(
                _(
                    "The figures no longer equal the ledger (%(diff)s). Refresh the draft from "
                    "the ledger and have it confirmed again."
                )
                % {"diff": "；".join(diff)},
                code="ledger_mismatch",
            )
        DisclosureVersion.objects.filter(pk=locked.pk, status=DisclosureStatus.REVIEWED).update(
            status=DisclosureStatus.PUBLISHED, published_at=timezone.now(), published_by=actor
        )
        locked.refresh_from_db()
        record_event(
            actor=actor,
            action="billing.disclosure_published",
            obj=disclosure,
            payload={
                "version": locked.number,
                "income": fmt(locked.income_fen),
                "spending": fmt(locked.spending_fen),
                "carried_out": fmt(locked.carried_out_fen),
                "late": today > disclosure.due_date,
            },
        )
        jobs.later("billing.render_disclosure", locked.pk)
    return locked


def draft_due_disclosures(*, today: date | None = None, horizon_days: int = 400) -> int:
    """Beat (daily): the first draft of every school's disclosure for every semester that has
    ended (within ``horizon_days``), where none exists yet. Per district and semester: one
    INSERT of the missing disclosures, the ledger's figures in three grouped queries, one
    INSERT of their first versions (both ``ON CONFLICT DO NOTHING``: a principal drafting at
    the same moment wins, nothing is written twice). Returns how many were drafted."""
    today = today or timezone.localdate()
    drafted = 0
    for semester in Semester.objects.filter(
        end_date__lt=today, end_date__gte=today - timedelta(days=horizon_days)
    ).order_by("end_date", "pk"):
        schools = list(
            School.objects.filter(district_id=semester.district_id).values_list("pk", flat=True)
        )
        have = set(
            Disclosure.objects.filter(semester=semester, versions__isnull=False).values_list(
                "school_id", flat=True
            )
        )
        missing = [pk for pk in schools if pk not in have]
        if not missing:
            continue
        with transaction.atomic():
            Disclosure.objects.bulk_create(
                [
                    Disclosure(
                        district_id=semester.district_id,
                        school_id=pk,
                        semester=semester,
                        due_date=due_date(semester),
                    )
                    for pk in missing
                ],
                ignore_conflicts=True,
            )
            ids = dict(
                Disclosure.objects.filter(semester=semester, school_id__in=missing).values_list(
                    "school_id", "pk"
                )
            )
            figures = district_figures(semester=semester, school_ids=missing)
            rows = []
            for pk in missing:
                f = figures.get(pk) or empty_figures()
                rows.append(
                    DisclosureVersion(
                        district_id=semester.district_id,
                        school_id=pk,
                        disclosure_id=ids[pk],
                        number=1,
                        **f.columns(),
                    )
                )
            made = DisclosureVersion.objects.bulk_create(rows, ignore_conflicts=True)
            drafted += len(made)
            record_event(
                actor=None,
                action="billing.disclosures_drafted",
                district=District.objects.get(pk=semester.district_id),
                payload={"semester": semester.name, "schools": len(missing)},
            )
    return drafted
