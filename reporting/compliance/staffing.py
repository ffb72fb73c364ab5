"""Rules on who teaches: the staffing ratio and staff who may not teach, as the scheduling
checks see them on every confirmed grouping (``scheduling.checks``), and teachers' paid
lessons against the policy's caps (from the ``StaffDay`` rollup: the scheduled sessions they
are assigned to)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.models import WEEKDAYS, SchoolClass
from plans.effective import rules_for
from reporting.masking import person
from reporting.models import StaffDay
from scheduling.checks import check
from scheduling.models import (
    Assignment,
    CareGroup,
    DutyRole,
    Session,
    SessionStatus,
    StaffMember,
    VettingRecord,
    VettingStep,
)
from scheduling.selectors import load_board, schedulable_problem

from .base import Context, Evidence, Finding, Rule, register

WEEKDAY_NAMES = dict(WEEKDAYS)


def _board_issues(ctx: Context, code: str):
    for board in ctx.boards:
        for issue in check(board):
            if issue.code == code:
                yield board, issue


@register
class StaffingRatio(Rule):
    code = "staffing_ratio"
    label = gettext_lazy("Staffing ratio breached")
    description = gettext_lazy(
        "A group has fewer teachers on a weekday than the district's ratio requires for its "
        "number of students."
    )
    severity = "high"

    def find(self, ctx: Context) -> list[Finding]:
        by_group: dict[int, list] = defaultdict(list)
        boards = {}
        for board, issue in _board_issues(ctx, "teacher_shortfall"):
            by_group[issue.group_id].append(issue)
            boards[issue.group_id] = board
        groups = {g.pk: g for g in CareGroup.objects.filter(pk__in=by_group)}
        out = []
        for group_id, issues in by_group.items():
            group, board = groups[group_id], boards[group_id]
            school = board.plan.school
            out.append(
                Finding(
                    rule=self.code,
                    subject_type="group",
                    subject_id=str(group.public_id),
                    subject_label=f"{school.name} · {group.name}",
                    period=ctx.period,
                    period_label=ctx.semester.name,
                    school_id=school.pk,
                    message=f"{school.name}：" + "；".join(i.message for i in issues),
                    value=str(board.sizes.get(group_id, 0)),
                    params={"group": group_id},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        evidence = Evidence(columns=[_("Weekday"), _("Teachers assigned"), _("Finding")])
        group = (
            CareGroup.objects.filter(pk=alert.params.get("group"), district=alert.district)
            .select_related("plan", "plan__school")
            .first()
        )
        if group is None:
            return evidence
        board = load_board(group.plan)
        problems = [
            i.message
            for i in check(board)
            if i.code == "teacher_shortfall" and i.group_id == group.pk
        ]
        for weekday in board.weekdays(group):
            teachers = board.teachers(group.pk, weekday)
            evidence.rows.append(
                [
                    str(WEEKDAY_NAMES[weekday]),
                    "、".join(person(a.staff.full_name, names) for a in teachers) or "—",
                    "",
                ]
            )
        for message in problems:
            evidence.rows.append(["", "", message])
        evidence.note = _("%(group)s: %(n)d students.") % {
            "group": group.name,
            "n": board.sizes.get(group.pk, 0),
        }
        evidence.links.append((group.name, reverse("reporting_group", args=[group.public_id])))
        return evidence


@register
class UnvettedStaff(Rule):
    code = "unvetted_staff"
    label = gettext_lazy("Unvetted external staff scheduled")
    description = gettext_lazy(
        "Someone who may not teach yet — external staff without every vetting step (record "
        "check, public notice, filing, agreement), an instructor of an institution the "
        "district has not approved, or someone no longer on the staff list — is assigned in a "
        "confirmed timetable."
    )
    severity = "high"

    def find(self, ctx: Context) -> list[Finding]:
        out = []
        for board in ctx.boards:
            school = board.plan.school
            staff = {a.staff_id: a.staff for a in board.assignments}
            for staff_id, problem in sorted(board.staff_problems.items()):
                if not problem:
                    continue
                member = staff[staff_id]
                out.append(
                    Finding(
                        rule=self.code,
                        subject_type="staff",
                        subject_id=str(member.public_id),
                        subject_label=f"{school.name} · {member.get_kind_display()}",
                        period=ctx.period,
                        period_label=ctx.semester.name,
                        school_id=school.pk,
                        message=f"{school.name}：{problem}",
                        params={"staff": staff_id, "plan": board.plan.pk},
                    )
                )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        member = (
            StaffMember.objects.filter(pk=alert.params.get("staff"), district=alert.district)
            .select_related("institution")
            .first()
        )
        evidence = Evidence(columns=[_("Item"), _("State")])
        if member is None:
            return evidence
        done = {r.step: r for r in VettingRecord.objects.filter(staff=member)}
        evidence.rows.append([_("Name"), person(member.full_name, names)])
        evidence.rows.append([_("Kind"), member.get_kind_display()])
        if member.institution:
            evidence.rows.append(
                [
                    _("Institution"),
                    f"{member.institution.name}（{member.institution.get_status_display()}）",
                ]
            )
        for step, label in VettingStep.choices:
            record = done.get(step)
            evidence.rows.append([str(label), str(record.done_on) if record else _("missing")])
        today = timezone.localdate()
        for a in Assignment.objects.filter(staff=member, role=DutyRole.TEACHER).select_related(
            "group"
        ):
            upcoming = Session.objects.filter(
                group=a.group,
                weekday=a.weekday,
                status=SessionStatus.SCHEDULED,
                date__gte=today,
            ).count()
            evidence.rows.append(
                [
                    f"{WEEKDAY_NAMES[a.weekday]} · {a.group.name}",
                    _("%(n)d sessions from today") % {"n": upcoming},
                ]
            )
        problem = schedulable_problem(member)
        evidence.note = problem or _("Every step is now on file.")
        if names:
            evidence.links.append(
                (_("Staff record"), reverse("scheduling_staff_detail", args=[member.public_id]))
            )
        return evidence


def _iso_week(day) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


@register
class TeacherHours(Rule):
    code = "teacher_hours"
    label = gettext_lazy("Teacher's paid lessons above the cap")
    description = gettext_lazy(
        "A paid teacher is scheduled for more lessons (课时) a day or a week than the district "
        "policy allows."
    )
    severity = "medium"

    def find(self, ctx: Context) -> list[Finding]:
        if ctx.policy is None:
            return []
        rows = StaffDay.objects.filter(
            district=ctx.district,
            paid=True,
            date__range=(ctx.semester.start_date, ctx.semester.end_date),
            lessons__gt=0,
        ).values("staff_id", "school_id", "date", "lessons")
        grades = {}
        for school_id, grade in SchoolClass.objects.filter(district=ctx.district).values_list(
            "school_id", "grade"
        ):
            grades[school_id] = min(grade, grades.get(school_id, grade))
        caps = {}
        over: dict[int, dict] = defaultdict(lambda: {"days": [], "weeks": []})
        weeks: dict[tuple[int, str], int] = defaultdict(int)
        school_of = {}
        for r in rows:
            school_id = r["school_id"]
            if school_id not in caps:
                rules = rules_for(ctx.policy, school_id, grades.get(school_id, 1))
                caps[school_id] = (
                    rules.teacher_paid_lessons_per_day,
                    rules.teacher_paid_lessons_per_week,
                )
            per_day, _per_week = caps[school_id]
            school_of[r["staff_id"]] = school_id
            if per_day and r["lessons"] > per_day:
                over[r["staff_id"]]["days"].append((r["date"], r["lessons"], per_day))
            weeks[(r["staff_id"], _iso_week(r["date"]))] += r["lessons"]
        for (staff_id, week), lessons in weeks.items():
            per_week = caps[school_of[staff_id]][1]
            if per_week and lessons > per_week:
                over[staff_id]["weeks"].append((week, lessons, per_week))
        staff = {s.pk: s for s in StaffMember.objects.filter(pk__in=list(over))}
        out = []
        for staff_id, found in sorted(over.items()):
            if not found["days"] and not found["weeks"]:
                continue
            member, school = staff[staff_id], ctx.schools[school_of[staff_id]]
            parts = []
            if found["days"]:
                day, n, cap = max(found["days"], key=lambda x: x[1])
                parts.append(
                    _("%(days)d day(s) above %(cap)d lessons a day (most: %(n)d on %(day)s)")
                    % {"days": len(found["days"]), "cap": cap, "n": n, "day": day}
                )
            if found["weeks"]:
                week, n, cap = max(found["weeks"], key=lambda x: x[1])
                parts.append(
                    _("%(weeks)d week(s) above %(cap)d lessons a week (most: %(n)d in %(week)s)")
                    % {"weeks": len(found["weeks"]), "cap": cap, "n": n, "week": week}
                )
            first = (found["days"] or found["weeks"])[0]
            out.append(
                Finding(
                    rule=self.code,
                    subject_type="staff",
                    subject_id=str(member.public_id),
                    subject_label=f"{school.name} · {member.get_kind_display()}",
                    period=ctx.period,
                    period_label=ctx.semester.name,
                    school_id=school.pk,
                    message=f"{school.name}：" + "；".join(parts),
                    value=str(first[1]),
                    limit=str(first[2]),
                    params={"staff": staff_id},
                )
            )
        return out

    def evidence(self, alert, *, names: bool) -> Evidence:
        member = StaffMember.objects.filter(
            pk=alert.params.get("staff"), district=alert.district
        ).first()
        evidence = Evidence(columns=[_("Week"), _("Date"), _("Sessions"), _("Lessons (课时)")])
        if member is None:
            return evidence
        semester = alert.semester
        rows = (
            StaffDay.objects.filter(
                district=alert.district,
                staff=member,
                date__range=(semester.start_date, semester.end_date),
                lessons__gt=0,
            )
            .order_by("date")
            .values("date", "sessions", "lessons")
        )
        totals = defaultdict(int)
        for r in rows:
            totals[_iso_week(r["date"])] += r["lessons"]
        for r in rows:
            evidence.rows.append(
                [_iso_week(r["date"]), str(r["date"]), r["sessions"], r["lessons"]]
            )
        evidence.note = _("%(name)s; lessons per week: %(weeks)s") % {
            "name": person(member.full_name, names),
            "weeks": "，".join(f"{w} {n}" for w, n in sorted(totals.items())),
        }
        return evidence
