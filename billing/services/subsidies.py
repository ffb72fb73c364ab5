"""Subsidy rules (the district's rule set per semester, a school's values within it) and the
district's financial subsidy per participating student.

Rule sets: a district official starts a semester's rules from a preset (the seeds' two
schemes) and changes them field by field; every change is version N+1 (versions are
append-only in the database), so a payout run names the version it applied for good. A
principal may set the school's own values within the district's bounds (a rate between the
district's floor and its rate, allowances and the admin share no higher than the district's,
a monthly cap no higher than the district's); ``effective`` checks them again when a run
starts, against the version then in force and the policy's caps (``plans.effective``).

District subsidy (财政补助): per school and semester, the active children (approved, agreement
signed, insurance confirmed) × the policy's ``subsidy_per_student_year`` for their stage ÷ 2
semesters, × (100 + ``remote_uplift_percent``)% at a remote school, rounded half up to the fen;
recorded once (unique per school and semester) as a journal ``subsidy:<semester>`` (Dr bank,
Cr subsidy income) in the same transaction, set-based for the whole district.

Locks: a rule-set change locks the semester row ``FOR UPDATE`` (the head of the project's
lock order) and nothing else; version numbers are also unique in the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.audit import record_event
from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import School, Semester, User
from aftercare.tenancy import Scope
from billing import payout_math
from billing.models import (
    Category,
    DistrictSubsidy,
    JournalKind,
    RateUnit,
    SchemeKind,
    SchoolSubsidyRules,
    SubsidyRules,
)
from billing.money import fmt, to_fen
from billing.services import ledger
from enrollment.models import Application, ApplicationStatus
from plans.effective import rules_for
from plans.models import ServiceClass, Stage, stage_of
from plans.selectors import current_policy

SEMESTERS_PER_YEAR = 2
ACTIVE_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWAL_REQUESTED)

# The seeds' rule sets. 004 篇三: 每节课20元; 每课间10元 (safety duty); admin duty 8% of general
# spending at 7元/节; deductions 10% / three times 100% / 空堂 100% / complaint 10–100% /
# incident 50–100% of the semester. 001: 60% workload points (homework 50, interest course
# 50, patrol 40), 20% quality awards, 5% costs, 5% equipment, 10% district pool.
PRESETS: dict[str, dict] = {
    "per_session": {
        "label": "学校课后服务补助分配方案（每节课20元，课间安全管理10元，行政值班8%折7元/节）",
        "values": {
            "scheme": SchemeKind.PER_SESSION,
            "rate_unit": RateUnit.LESSON,
            "rate_fen": 2000,
            "rate_min_fen": 0,
            "safety_duty_fen": 1000,
            "duty_leader_fen": 0,
            "admin_share_percent": 8,
            "admin_unit_fen": 700,
        },
    },
    "points": {
        "label": (
            "按工作量积分分配服务费（辅导教师量化考核60%、质量奖20%、成本5%、设备5%、学区10%）"
        ),
        "values": {
            "scheme": SchemeKind.POINTS,
            "rate_unit": RateUnit.LESSON,
            "rate_fen": 0,
            "safety_duty_fen": 0,
            "duty_leader_fen": 0,
            "admin_share_percent": 0,
            "points_basic": 50,
            "points_course": 50,
            "points_patrol": 40,
            "teacher_pool_percent": 60,
            "quality_pool_percent": 20,
            "costs_percent": 5,
            "equipment_percent": 5,
            "district_pool_percent": 10,
        },
    },
}

RULE_FIELDS = [
    f.name
    for f in SubsidyRules._meta.concrete_fields
    if f.name
    not in {
        "id",
        "public_id",
        "district",
        "semester",
        "version",
        "preset",
        "change_note",
        "created_by",
        "created_at",
    }
]
MONEY_FIELDS = {f for f in RULE_FIELDS if f.endswith("_fen")}
PERCENT_FIELDS = {f for f in RULE_FIELDS if f.endswith("_percent")}
SCHOOL_FIELDS = [
    "rate_fen",
    "safety_duty_fen",
    "duty_leader_fen",
    "admin_share_percent",
    "monthly_cap_fen",
]


def current_rules(semester: Semester) -> SubsidyRules | None:
    return SubsidyRules.objects.filter(semester=semester).order_by("-version").first()


def school_rules(school: School, semester: Semester) -> SchoolSubsidyRules | None:
    return SchoolSubsidyRules.objects.filter(school=school, semester=semester).first()


def _money_text(fen: int | None) -> str:
    return "—" if fen is None else fmt(fen)


def _validate_rules(values: dict) -> None:
    errors: dict[str, list] = {}
    for name in PERCENT_FIELDS:
        value = values.get(name)
        if value is not None and not 0 <= int(value) <= 100:
            errors[name] = [_("Between 0 and 100.")]
    for name in MONEY_FIELDS:
        value = values.get(name)
        if value is not None and int(value) < 0:
            errors[name] = [_("Not negative.")]
    if values["rate_min_fen"] > values["rate_fen"]:
        errors["rate_min_fen"] = [
            _("The floor %(floor)s yuan is above the rate %(rate)s yuan.")
            % {"floor": fmt(values["rate_min_fen"]), "rate": fmt(values["rate_fen"])}
        ]
    for low, high in (
        ("complaint_min_percent", "complaint_max_percent"),
        ("incident_min_percent", "incident_max_percent"),
    ):
        if values[low] > values[high]:
            errors[low] = [_("At most the upper bound (%(high)s%%).") % {"high": values[high]}]
    if values["complaint_min_percent"] < 1 or values["incident_min_percent"] < 1:
        errors.setdefault("complaint_min_percent", [_("At least 1%.")])
    for name in ("early_leave_full_at", "handover_full_at"):
        if int(values[name]) < 1:
            errors[name] = [_("At least once.")]
    pools = sum(
        int(values[n])
        for n in (
            "teacher_pool_percent",
            "quality_pool_percent",
            "costs_percent",
            "equipment_percent",
            "district_pool_percent",
        )
    )
    if pools != 100:
        errors["teacher_pool_percent"] = [
            _("The five shares add up to %(sum)s%%; they must add up to 100%%.") % {"sum": pools}
        ]
    if (
        values["scheme"] == SchemeKind.PER_SESSION
        and values["admin_share_percent"]
        and not values["admin_unit_fen"]
    ):
        errors["admin_unit_fen"] = [_("Needed to convert the admin duty share into 节.")]
    if errors:
        raise InvalidInput(fields=errors)


def _require_official(actor: User, semester: Semester) -> None:
    if not Scope(actor).is_official(semester.district_id):
        raise NotAllowed(_("Only the district's officials set the subsidy rules."))


def save_rules(
    *,
    actor: User,
    semester: Semester,
    values: dict | None = None,
    preset: str | None = None,
    change_note: str = "",
) -> SubsidyRules:
    """Write the next version of the semester's subsidy rules: the current version (or the
    preset, or the model's defaults) with ``values`` applied. Audited as
    ``billing.subsidy_rules_saved`` with what changed.

    Errors: NotAllowed (not an official of the district); InvalidInput (per field, naming
    the value and the bound); Conflict ``rules_unchanged`` when nothing changes,
    ``rules_race`` when another version was written at the same moment."""
    _require_official(actor, semester)
    if preset is not None and preset not in PRESETS:
        raise InvalidInput(fields={"preset": [_("Choose one of the presets.")]})
    with transaction.atomic():
        Semester.objects.select_for_update().filter(pk=semester.pk).first()
        previous = current_rules(semester)
        base = {f: getattr(previous or SubsidyRules(), f) for f in RULE_FIELDS}
        if preset is not None:
            base.update(PRESETS[preset]["values"])
        new = {**base, **{k: v for k, v in (values or {}).items() if k in RULE_FIELDS}}
        for name in RULE_FIELDS:
            if name in MONEY_FIELDS and new[name] is not None:
                new[name] = int(new[name])
        _validate_rules(new)
        changed = {
            name: [_jsonable(base_value(previous, name)), _jsonable(new[name])]
            for name in RULE_FIELDS
            if previous is None or getattr(previous, name) != new[name]
        }
        if previous is not None and not changed:
            raise Conflict(_("Nothing changed."), code="rules_unchanged")
        try:
            with transaction.atomic():
                rules = SubsidyRules.objects.create(
                    district_id=semester.district_id,
                    semester=semester,
                    version=(previous.version + 1) if previous else 1,
                    preset=preset or (previous.preset if previous else ""),
                    change_note=change_note[:200],
                    created_by=actor,
                    **new,
                )
        except IntegrityError as err:
            raise Conflict(
                _("The rules changed meanwhile; reload and try again."), code="rules_race"
            ) from err
        record_event(
            actor=actor,
            action="billing.subsidy_rules_saved",
            obj=rules,
            district=semester.district,
            payload={"version": rules.version, "changed": changed, "note": change_note[:200]},
        )
    return rules


def base_value(previous, name):
    return getattr(previous, name) if previous is not None else None


def _jsonable(value):
    return value if isinstance(value, int | str | type(None) | bool) else str(value)


def save_school_rules(
    *, actor: User, school: School, semester: Semester, values: dict, note: str = ""
) -> SchoolSubsidyRules:
    """The school's own values (None: the district's), within the district's bounds.
    Audited (``billing.school_rules_saved``). Errors: NotAllowed (not the school's
    principal or administrator); InvalidInput naming the value and the district's bound;
    Conflict ``no_rules`` before the district has set the semester's rules."""
    if not Scope(actor).manages(school):
        raise NotAllowed(_("Only the school's principal or administrators can do this."))
    rules = current_rules(semester)
    if rules is None:
        raise Conflict(
            _("The district has not set the subsidy rules of %(semester)s yet.")
            % {"semester": semester.name},
            code="no_rules",
        )
    clean = {name: values.get(name) for name in SCHOOL_FIELDS}
    problems = school_problems(rules, clean)
    if problems:
        raise InvalidInput(fields={name: [message] for name, message in problems})
    with transaction.atomic():
        row, _created = SchoolSubsidyRules.objects.update_or_create(
            district_id=school.district_id,
            school=school,
            semester=semester,
            defaults={
                **clean,
                "note": note[:200],
                "updated_by": actor,
                "updated_at": timezone.now(),
            },
        )
        record_event(
            actor=actor,
            action="billing.school_rules_saved",
            obj=school,
            payload={"semester": semester.name, "values": clean, "note": note[:200]},
        )
    return row


def school_problems(rules: SubsidyRules, values: dict) -> list[tuple[str, str]]:
    """Where a school's values leave the district's bounds: [(field, message)]."""
    out = []
    rate = values.get("rate_fen")
    if rate is not None and not rules.rate_min_fen <= rate <= rules.rate_fen:
        out.append(
            (
                "rate_fen",
                _("The rate %(value)s yuan is outside the district's range %(low)s–%(high)s yuan.")
                % {
                    "value": fmt(rate),
                    "low": fmt(rules.rate_min_fen),
                    "high": fmt(rules.rate_fen),
                },
            )
        )
    for name in ("safety_duty_fen", "duty_leader_fen"):
        value = values.get(name)
        if value is not None and not 0 <= value <= getattr(rules, name):
            out.append(
                (
                    name,
                    _("%(value)s yuan is above the district's %(limit)s yuan.")
                    % {"value": fmt(value), "limit": fmt(getattr(rules, name))},
                )
            )
    share_ = values.get("admin_share_percent")
    if share_ is not None and not 0 <= share_ <= rules.admin_share_percent:
        out.append(
            (
                "admin_share_percent",
                _("%(value)s%% is above the district's %(limit)s%%.")
                % {"value": share_, "limit": rules.admin_share_percent},
            )
        )
    cap = values.get("monthly_cap_fen")
    if cap is not None and (
        cap < 0 or (rules.monthly_cap_fen is not None and cap > rules.monthly_cap_fen)
    ):
        out.append(
            (
                "monthly_cap_fen",
                _("%(value)s yuan is above the district's cap of %(limit)s yuan.")
                % {"value": fmt(cap), "limit": _money_text(rules.monthly_cap_fen)},
            )
        )
    return out


def _cap_fen(value) -> int | None:
    return None if value is None else to_fen(value)


class CapsResolver:
    """The policy's teacher caps for a session's stage and class of service, cached."""

    def __init__(self, policy, school: School):
        self.policy, self.school = policy, school
        self._cache: dict[tuple, payout_math.Caps] = {}

    def caps(self, grades, kind: str, basic_class: str | None) -> payout_math.Caps:
        if self.policy is None:
            return payout_math.Caps()
        grade = min(grades) if grades else 1
        service = ServiceClass.EXTENDED if kind == "course" else (basic_class or "supervision")
        key = (stage_of(grade), service)
        found = self._cache.get(key)
        if found is None:
            r = rules_for(self.policy, self.school, grade, service)
            found = payout_math.Caps(
                lessons_per_day=r.teacher_paid_lessons_per_day,
                lessons_per_week=r.teacher_paid_lessons_per_week,
                pay_per_lesson_fen=_cap_fen(r.teacher_pay_cap_per_lesson),
                pay_per_hour_fen=_cap_fen(r.teacher_pay_cap_per_hour),
            )
            self._cache[key] = found
        return found


def effective(*, school: School, semester: Semester, rules: SubsidyRules | None = None):
    """(payout_math.Rules, applied, problems): the values a run of ``school`` applies — the
    district's version with the school's values over it — what to record on the run, and
    why a run must be refused (school values outside the bounds, a rate per 课时 above the
    policy's pay cap for a stage the school serves)."""
    rules = rules or current_rules(semester)
    if rules is None:
        return (
            None,
            {},
            [
                _("The district has not set the subsidy rules of %(semester)s yet.")
                % {"semester": semester.name}
            ],
        )
    own = school_rules(school, semester)
    own_values = {name: getattr(own, name) for name in SCHOOL_FIELDS} if own else {}
    problems = [message for _f, message in school_problems(rules, own_values)]
    values = {
        name: getattr(rules, name)
        for name in payout_math.Rules.__dataclass_fields__
        if hasattr(rules, name)
    }
    for name, value in own_values.items():
        if value is not None:
            values[name] = value
    result = payout_math.Rules(**values)
    policy = current_policy(semester)
    if policy is not None and result.rate_unit == RateUnit.LESSON and result.rate_fen:
        grades = sorted(set(school.classes.values_list("grade", flat=True))) or [1]
        seen = set()
        for grade in grades:
            r = rules_for(policy, school, grade, ServiceClass.SUPERVISION)
            cap = _cap_fen(r.teacher_pay_cap_per_lesson)
            if cap is not None and result.rate_fen > cap and r.stage not in seen:
                seen.add(r.stage)
                problems.append(
                    _(
                        "The rate %(rate)s yuan per 课时 is above the %(rules)s cap of %(cap)s "
                        "yuan per 课时 on teacher pay."
                    )
                    % {
                        "rate": fmt(result.rate_fen),
                        "rules": r.display_label + Stage(r.stage).label,
                        "cap": fmt(cap),
                    }
                )
    applied = {
        "rules_version": rules.version,
        "school_values": {k: v for k, v in own_values.items() if v is not None},
        "values": asdict(result),
    }
    return result, applied, problems


# --------------------------------------------------------------------------- district subsidy


def subsidy_figures(*, semester: Semester, schools=None) -> list[dict]:
    """Per school: active children by stage, the rate per student and year, the uplift and
    the semester's amount (fen). Two queries plus the policy."""
    policy = current_policy(semester)
    schools = list(
        schools if schools is not None else School.objects.filter(district_id=semester.district_id)
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        Application.objects.filter(
            semester=semester,
            school__in=schools,
            status__in=ACTIVE_STATUSES,
            signed_at__isnull=False,
            insurance_confirmed_at__isnull=False,
        )
        .values("school_id", "student__school_class__grade")
        .annotate(n=Count("student_id", distinct=True))
    ):
        stage = stage_of(row["student__school_class__grade"])
        counts[row["school_id"]][stage] += row["n"]
    out = []
    for school in schools:
        parts, amount, participants = [], 0, 0
        uplift = 0
        for stage, n in sorted(counts[school.pk].items()):
            grade = 1 if stage == Stage.PRIMARY else 7
            r = rules_for(policy, school, grade, ServiceClass.SUPERVISION) if policy else None
            rate = _cap_fen(r.subsidy_per_student_year) if r else None
            uplift = (r.remote_uplift_percent or 0) if (r and school.is_remote) else 0
            fen = 0
            if rate:
                fen = int(
                    (Decimal(n * rate * (100 + uplift)) / (100 * SEMESTERS_PER_YEAR)).quantize(
                        Decimal(1), rounding=ROUND_HALF_UP
                    )
                )
            parts.append(
                {
                    "stage": str(stage),
                    "participants": n,
                    "rate_fen": rate,
                    "uplift": uplift,
                    "fen": fen,
                }
            )
            amount += fen
            participants += n
        out.append(
            {
                "school": school,
                "participants": participants,
                "uplift": uplift,
                "amount_fen": amount,
                "parts": parts,
            }
        )
    return out


def grant_district_subsidies(*, actor: User, semester: Semester, schools=None) -> list:
    """Record the district's subsidy of ``semester`` for every school (or ``schools``) that has
    none yet and something to receive: the rows and their journals in one transaction,
    idempotent (a school already granted is skipped). Audited per school
    (``billing.subsidy_granted``). Errors: NotAllowed (not an official of the district)."""
    _require_official(actor, semester)
    granted = []
    with transaction.atomic():
        done = set(
            DistrictSubsidy.objects.filter(semester=semester).values_list("school_id", flat=True)
        )
        for row in subsidy_figures(semester=semester, schools=schools):
            school = row["school"]
            if school.pk in done or row["amount_fen"] <= 0:
                continue
            subsidy = DistrictSubsidy.objects.create(
                district_id=semester.district_id,
                school=school,
                semester=semester,
                participants=row["participants"],
                uplift_percent=row["uplift"],
                amount_fen=row["amount_fen"],
                computation=row["parts"],
                recorded_by=actor,
            )
            ledger.post(
                district_id=semester.district_id,
                school_id=school.pk,
                actor_id=actor.pk,
                movements=[
                    ledger.Movement(
                        JournalKind.SUBSIDY,
                        f"subsidy:{semester.pk}",
                        [
                            (Category.BANK, row["amount_fen"]),
                            (Category.SUBSIDY_INCOME, -row["amount_fen"]),
                        ],
                        memo=_("District subsidy, %(semester)s: %(n)s students")
                        % {"semester": semester.name, "n": row["participants"]},
                        semester_id=semester.pk,
                    )
                ],
            )
            record_event(
                actor=actor,
                action="billing.subsidy_granted",
                obj=subsidy,
                payload={
                    "semester": semester.name,
                    "participants": row["participants"],
                    "amount": fmt(row["amount_fen"]),
                    "uplift": row["uplift"],
                },
            )
            granted.append(subsidy)
    return granted
