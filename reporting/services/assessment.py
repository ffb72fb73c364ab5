"""The annual assessment (绩效评估): the district drafts a score sheet, the data fills it,
inspectors complete it, the district publishes it with each school's rank.

* ``create_score_sheet`` — an official: a school year and the weights of the criteria (whole
  points adding up to 100), then ``compute_score_sheet`` at once.
* ``compute_score_sheet`` — an official, while the sheet is a draft: every school of the
  district gets its sheet and, per criterion, the score the data gives with its figure and
  evidence (``reporting.selectors.assessment``). What inspectors entered is kept.
* ``enter_score`` — an inspector (督学) or an official, while a draft: a score from 0 to 100
  with the findings (a note), for the inspection criterion or any criterion the data could not
  score. A computed score is not overwritten: its evidence stands.
* ``publish_score_sheet`` — an official, once every weighted criterion of every school has a
  score: totals and ranks (equal totals share a rank) are fixed, the sheet is frozen, and each
  school's principal and administrators get an inbox message.

Locks: each write locks the sheet row (``FOR UPDATE``) first, then its schools' rows, so a
publication and an inspector's entry, or two computes, run one after the other; publication
re-reads the scores under the lock. Errors: NotAllowed (role), Conflict (published, missing
scores), InvalidInput (year, weights, score, note).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import MANAGER_ROLES, District, Membership, School, User
from aftercare.notifications import notify_many
from aftercare.tenancy import Scope
from reporting.models import (
    DEFAULT_WEIGHTS,
    Criterion,
    CriterionScore,
    SchoolAssessment,
    ScoreSheet,
    SheetStatus,
)
from reporting.selectors import assessment as selectors

NOTE_MAX = 1000


def _require_official(actor: User, district_id: int) -> None:
    if not Scope(actor).is_official(district_id):
        raise NotAllowed(_("Only the district's officials define and publish the assessment."))


def _require_inspector(actor: User, district_id: int) -> None:
    scope = Scope(actor)
    if not (scope.is_official(district_id) or district_id in scope.inspector_districts):
        raise NotAllowed(_("Only the district's inspectors (督学) and officials enter scores."))


def _locked_sheet(sheet: ScoreSheet) -> ScoreSheet:
    locked = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    if locked.status == SheetStatus.PUBLISHED:
        raise Conflict(_("The assessment is published: it can no longer change."))
    return locked


def clean_weights(weights: dict) -> dict[str, int]:
    errors = {}
    out = {}
    for code in Criterion.values:
        raw = weights.get(code, 0)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            errors[f"weight_{code}"] = [_("Give whole points, not “%(value)s”.") % {"value": raw}]
            continue
        if not 0 <= value <= 100:
            errors[f"weight_{code}"] = [
                _("From 0 to 100 points, not %(value)d.") % {"value": value}
            ]
            continue
        out[code] = value
    unknown = set(weights) - set(Criterion.values)
    if unknown:
        errors["weights"] = [
            _("Unknown criteria: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}
        ]
    if not errors and sum(out.values()) != 100:
        errors["weights"] = [
            _("The weights add up to %(total)d points; they must add up to 100.")
            % {"total": sum(out.values())}
        ]
    if errors:
        raise InvalidInput(fields=errors)
    return out


def create_score_sheet(
    *,
    actor: User,
    district: District,
    year: int,
    title: str = "",
    weights: dict | None = None,
    now: datetime | None = None,
) -> ScoreSheet:
    """An official drafts the score sheet of the school year starting in ``year`` (one per
    district and year), with ``weights`` (default ``DEFAULT_WEIGHTS``), and computes it."""
    now = now or timezone.now()
    _require_official(actor, district.pk)
    errors = {}
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = [_("Give the year the school year starts, e.g. 2026.")]
    title = str(title or "").strip() or (
        _("%(start)d–%(end)d school year assessment") % {"start": year, "end": year + 1}
        if isinstance(year, int)
        else ""
    )
    if len(title) > 100:
        errors["title"] = [_("At most %(max)d characters.") % {"max": 100}]
    try:
        cleaned = clean_weights(DEFAULT_WEIGHTS if weights is None else weights)
    except InvalidInput as err:
        errors.update(err.fields)
    if errors:
        raise InvalidInput(fields=errors)
    try:
        with transaction.atomic():
            sheet = ScoreSheet.objects.create(
                district=district,
                year=year,
                title=title,
                weights=cleaned,
                created_by=actor,
                created_at=now,
            )
            record_event(
                actor=actor,
                action="assessment.created",
                obj=sheet,
                district=district,
                payload={"year": year, "weights": cleaned},
            )
    except IntegrityError as exc:
        raise InvalidInput(
            fields={"year": [_("The %(year)d school year has its sheet already.") % {"year": year}]}
        ) from exc
    return compute_score_sheet(actor=actor, sheet=sheet, now=now)


def compute_score_sheet(
    *, actor: User, sheet: ScoreSheet, now: datetime | None = None
) -> ScoreSheet:
    """Fill every school's sheet from the data (a draft only); entered scores are kept."""
    now = now or timezone.now()
    _require_official(actor, sheet.district_id)
    district = District.objects.get(pk=sheet.district_id)
    with transaction.atomic():
        sheet = _locked_sheet(sheet)
        school_ids = list(
            School.objects.filter(district=district).order_by("pk").values_list("pk", flat=True)
        )
        # Figures and evidence are stored as shown: in the site's language (the bureau's),
        # whatever the language of the official who asked.
        with translation.override(settings.LANGUAGE_CODE):
            computed = selectors.compute(district, sheet.year, school_ids, now=now)
        existing = {
            a.school_id: a
            for a in SchoolAssessment.objects.select_for_update().filter(sheet=sheet).order_by("pk")
        }
        for school_id in school_ids:
            if school_id not in existing:
                existing[school_id] = SchoolAssessment.objects.create(
                    district=district, school_id=school_id, sheet=sheet
                )
        scores = {
            (s.assessment_id, s.criterion): s
            for s in CriterionScore.objects.filter(assessment__sheet=sheet)
        }
        for school_id in school_ids:
            assessment = existing[school_id]
            for code in Criterion.values:
                result = computed[code][school_id]
                row = scores.get((assessment.pk, code))
                if row is None:
                    row = CriterionScore(
                        district=district,
                        school_id=school_id,
                        assessment=assessment,
                        criterion=code,
                    )
                row.computed = result.score
                row.value = str(result.value)[:200]
                row.evidence = result.evidence()
                row.save()
            _total(assessment, sheet)
        sheet.computed_at = now
        sheet.save(update_fields=["computed_at"])
        record_event(
            actor=actor,
            action="assessment.computed",
            obj=sheet,
            district=district,
            payload={"schools": len(school_ids)},
        )
    return sheet


def _total(assessment: SchoolAssessment, sheet: ScoreSheet) -> Decimal | None:
    """The sum of the weighted points, or None while a weighted criterion has no score."""
    total = Decimal(0)
    for row in CriterionScore.objects.filter(assessment=assessment):
        weight = sheet.weight(row.criterion)
        if weight == 0:
            continue
        pts = selectors.points(weight, row.score)
        if pts is None:
            total = None
            break
        total += pts
    assessment.total = total
    assessment.save(update_fields=["total"])
    return total


def enter_score(
    *,
    actor: User,
    assessment: SchoolAssessment,
    criterion: str,
    score,
    note: str,
    now: datetime | None = None,
) -> CriterionScore:
    """An inspector (or an official) scores ``criterion`` of one school's sheet, with the
    findings behind it. Refused for a criterion the data scored, or once published."""
    now = now or timezone.now()
    _require_inspector(actor, assessment.district_id)
    errors = {}
    if criterion not in Criterion.values:
        errors["criterion"] = [_("No such criterion.")]
    try:
        value = Decimal(str(score)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not 0 <= value <= 100:
        errors["score"] = [_("A score from 0 to 100, not “%(value)s”.") % {"value": score}]
    note = str(note or "").strip()
    if not note:
        errors["note"] = [_("Write down the findings behind the score.")]
    elif len(note) > NOTE_MAX:
        errors["note"] = [_("At most %(max)d characters.") % {"max": NOTE_MAX}]
    if errors:
        raise InvalidInput(fields=errors)
    with transaction.atomic():
        sheet = _locked_sheet(assessment.sheet)
        assessment = SchoolAssessment.objects.select_for_update().get(pk=assessment.pk)
        row = CriterionScore.objects.get(assessment=assessment, criterion=criterion)
        if row.computed is not None:
            raise Conflict(
                _("This score comes from the data (%(value)s); its evidence stands.")
                % {"value": row.value}
            )
        before = str(row.entered) if row.entered is not None else None
        row.entered, row.note, row.entered_by, row.entered_at = value, note, actor, now
        row.save(update_fields=["entered", "note", "entered_by", "entered_at"])
        _total(assessment, sheet)
        record_event(
            actor=actor,
            action="assessment.scored",
            obj=assessment,
            district=District(pk=assessment.district_id),
            school=School(pk=assessment.school_id),
            payload={"criterion": criterion, "score": str(value), "before": before},
        )
    return row


def publish_score_sheet(
    *, actor: User, sheet: ScoreSheet, now: datetime | None = None
) -> ScoreSheet:
    """Fix totals and ranks and freeze the sheet; every weighted criterion of every school
    must have a score (Conflict naming the schools otherwise). The schools' managers get an
    inbox message after commit."""
    now = now or timezone.now()
    _require_official(actor, sheet.district_id)
    with transaction.atomic():
        sheet = _locked_sheet(sheet)
        assessments = list(
            SchoolAssessment.objects.select_for_update()
            .filter(sheet=sheet)
            .select_related("school")
            .order_by("pk")
        )
        if not assessments:
            raise Conflict(_("No school on the sheet: compute it first."))
        totals, missing = {}, []
        for a in assessments:
            total = _total(a, sheet)
            if total is None:
                missing.append(a.school.name)
            totals[a.pk] = total
        if missing:
            raise Conflict(
                _("Scores are missing for %(n)d schools: %(schools)s.")
                % {"n": len(missing), "schools": "、".join(missing[:10])}
            )
        ranking = selectors.ranks(totals)
        for a in assessments:
            a.rank = ranking[a.pk]
            a.save(update_fields=["rank"])
        sheet.status, sheet.published_at, sheet.published_by = SheetStatus.PUBLISHED, now, actor
        sheet.save(update_fields=["status", "published_at", "published_by"])
        record_event(
            actor=actor,
            action="assessment.published",
            obj=sheet,
            district=District(pk=sheet.district_id),
            payload={"schools": len(assessments)},
        )
        managers = Membership.objects.filter(
            school_id__in=[a.school_id for a in assessments], role__in=sorted(MANAGER_ROLES)
        ).values_list("user_id", "school_id")
        by_school = {a.school_id: a for a in assessments}
        notify_many(
            {
                "district": District(pk=sheet.district_id),
                "recipient": User(pk=user_id),
                "key": f"assessment:{sheet.pk}:{user_id}:{school_id}",
                "title": _("%(title)s is published: %(school)s ranks %(rank)d")
                % {
                    "title": sheet.title,
                    "school": by_school[school_id].school.name,
                    "rank": by_school[school_id].rank,
                },
                "url": reverse("assessment_school", args=[by_school[school_id].public_id]),
            }
            for user_id, school_id in sorted(set(managers))
        )
    return sheet
