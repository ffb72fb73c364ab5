"""The drill-down below the district: a school, one of its classes or groups, one child.

Figures come from the rollups (``ClassDay``, ``GroupDay``, ``StaffDay``, ``StudentMonth``,
``ParticipationClass``, ``MoneyDay``, ``LedgerBalance``); the only raw rows read are lists the
page shows as such — a class's children, a group's members, one child's recent marks and
invoices — each bounded and served by an index. Names are masked for readers who may not see
them (``reporting.masking``): inspectors get 张*明 and no student numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.models import GRADE_NAMES, WEEKDAYS, SchoolClass
from attendance.models import AttendanceMark, Departure
from billing.models import Category, Invoice
from billing.services.ledger import summary as ledger_summary
from enrollment.models import Application, ApplicationTransition, CourseRegistration, Student
from reporting.charts import Series, line_chart
from reporting.masking import person, student_number
from reporting.models import (
    LIVE_STATES,
    Alert,
    ClassDay,
    GroupDay,
    LedgerBalance,
    MoneyDay,
    ParticipationClass,
    SchoolDay,
    StaffDay,
    StudentMonth,
)
from reporting.selectors.district import Figure
from reporting.selectors.period import Period
from reporting.sources import PRIORITY
from reporting.tables import Cell, Column, Table, link, num, pct, yuan
from scheduling.models import Assignment, CareGroup, DutyRole, GroupKind, GroupMember, StaffMember

MARK_SUMS = ["marks", "present", "late", "absent", "leave"]
PRIORITY_LABELS = {
    "disabled": gettext_lazy("Child with a disability"),
    "left_behind": gettext_lazy("Left-behind child"),
    "migrant": gettext_lazy("Child of migrant workers"),
    "single_parent": gettext_lazy("Single-parent family"),
    "hardship": gettext_lazy("Family in hardship"),
}


@dataclass
class Page:
    period: Period
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[tuple[str, str]] = field(default_factory=list)
    alerts: list = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


def _rate(row) -> float | None:
    expected = (row.get("marks") or 0) - (row.get("leave") or 0)
    return ((row.get("present") or 0) + (row.get("late") or 0)) / expected if expected else None


def _sums(qs, key, extra=()):
    return {r[key]: r for r in qs.values(key).annotate(**{k: Sum(k) for k in [*MARK_SUMS, *extra]})}


def _attendance_chart(qs, title):
    rows = (
        qs.filter(marks__gt=0)
        .values("date")
        .annotate(**{k: Sum(k) for k in MARK_SUMS})
        .order_by("date")
    )
    return (
        title,
        line_chart([Series("", [(r["date"], _rate(r)) for r in rows])], title=title, unit="%"),
    )


def _months(period: Period):
    first, last = period.months
    return {"month__gte": first, "month__lte": last}


def _live_alerts(**filters):
    return list(
        Alert.objects.filter(state__in=LIVE_STATES, **filters).order_by("-last_seen_at")[:20]
    )


# --------------------------------------------------------------------------- school


def school_page(*, school, period: Period, names: bool) -> Page:
    semester = period.semester
    page = Page(period=period, title=school.name)
    q = period.query()
    days = SchoolDay.objects.filter(
        district_id=school.district_id, school=school, date__range=(period.start, period.end)
    )
    total = days.aggregate(
        **{
            k: Sum(k)
            for k in [
                *MARK_SUMS,
                "late_pickups",
                "handover_mismatches",
                "staff_missed",
                "sessions",
                "rolls",
            ]
        }
    )
    uncleared = days.filter(sessions__gt=0, cleared=False, date__lt=period.today).count()
    participation = ParticipationClass.objects.filter(
        district_id=school.district_id, school=school, semester=semester
    )
    part = participation.aggregate(
        enrolled=Sum("enrolled"), participants=Sum("participants"), applied=Sum("applied")
    )
    page.figures = [
        Figure(
            _("Participants"),
            f"{part['participants'] or 0:,}",
            _("of %(n)s on the roll") % {"n": f"{part['enrolled'] or 0:,}"},
        ),
        Figure(
            _("Attendance"),
            _pct(_rate(total)),
            _("%(n)s marks") % {"n": f"{total['marks'] or 0:,}"},
        ),
        Figure(_("Absent without leave"), f"{total['absent'] or 0:,}"),
        Figure(_("Late pickups"), f"{total['late_pickups'] or 0:,}"),
        Figure(_("Days not cleared"), f"{uncleared}", css="err" if uncleared else ""),
        Figure(
            _("Missed sessions (空堂)"),
            f"{total['staff_missed'] or 0:,}",
            css="err" if total["staff_missed"] else "",
        ),
    ]

    # Grades and classes
    classes = {c.pk: c for c in SchoolClass.objects.filter(school=school)}
    class_days = _sums(
        ClassDay.objects.filter(
            district_id=school.district_id, school=school, date__range=(period.start, period.end)
        ),
        "school_class_id",
        ["late_pickups"],
    )
    grade_table = Table(
        "grades",
        _("By grade"),
        [
            Column(_("Grade")),
            Column(_("On the roll"), True),
            Column(_("Participants"), True),
            Column(_("Participation"), True),
            Column(_("Attendance"), True),
            Column(_("Absent without leave"), True),
        ],
    )
    class_table = Table(
        "classes",
        _("By class"),
        [
            Column(_("Class")),
            Column(_("On the roll"), True),
            Column(_("Applied"), True),
            Column(_("Participants"), True),
            Column(_("Participation"), True),
            *[Column(str(PRIORITY_LABELS[p]), True) for p in PRIORITY],
            Column(_("Attendance"), True),
            Column(_("Absent without leave"), True),
            Column(_("Late pickups"), True),
        ],
    )
    grades: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for row in participation.order_by("grade", "school_class_id"):
        klass = classes.get(row.school_class_id)
        if klass is None:
            continue
        att = class_days.get(row.school_class_id, {})
        g = grades[row.grade]
        g["enrolled"] += row.enrolled
        g["participants"] += row.participants
        for k in MARK_SUMS:
            g[k] += att.get(k) or 0
        class_table.add(
            link(klass.name, reverse("reporting_class", args=[klass.public_id]) + f"?{q}"),
            num(row.enrolled),
            num(row.applied),
            num(row.participants),
            pct(row.rate, css="warn" if row.enrolled and row.applied >= row.enrolled else ""),
            *[num(getattr(row, f"priority_{p}")) for p in PRIORITY],
            pct(_rate(att)),
            num(att.get("absent") or 0),
            num(att.get("late_pickups") or 0),
        )
    for grade in sorted(grades):
        g = grades[grade]
        grade_table.add(
            str(GRADE_NAMES.get(grade, grade)),
            num(g["enrolled"]),
            num(g["participants"]),
            pct(g["participants"] / g["enrolled"] if g["enrolled"] else None),
            pct(_rate(g)),
            num(g["absent"]),
        )

    # Groups
    group_days = _sums(
        GroupDay.objects.filter(
            district_id=school.district_id, school=school, date__range=(period.start, period.end)
        ),
        "group_id",
        ["sessions", "sessions_cancelled", "rolls", "late_pickups", "staff_missed"],
    )
    groups = CareGroup.objects.filter(pk__in=list(group_days)).order_by("kind", "position", "pk")
    group_table = Table(
        "groups",
        _("By group"),
        [
            Column(_("Group")),
            Column(_("Kind")),
            Column(_("Sessions"), True),
            Column(_("Cancelled"), True),
            Column(_("Rolls taken"), True),
            Column(_("Attendance"), True),
            Column(_("Absent without leave"), True),
            Column(_("Late pickups"), True),
            Column(_("Missed sessions (空堂)"), True),
        ],
    )
    for g in groups:
        r = group_days[g.pk]
        group_table.add(
            link(g.name, reverse("reporting_group", args=[g.public_id]) + f"?{q}"),
            g.get_kind_display(),
            num(r["sessions"]),
            num(r["sessions_cancelled"]),
            num(r["rolls"], css="warn" if (r["rolls"] or 0) < (r["sessions"] or 0) else ""),
            pct(_rate(r)),
            num(r["absent"]),
            num(r["late_pickups"]),
            num(r["staff_missed"], css="err" if r["staff_missed"] else ""),
        )

    # Staff
    staff_days = {
        r["staff_id"]: r
        for r in StaffDay.objects.filter(
            district_id=school.district_id, school=school, date__range=(period.start, period.end)
        )
        .values("staff_id")
        .annotate(
            **{k: Sum(k) for k in ("sessions", "lessons", "missed", "early", "late", "substituted")}
        )
    }
    staff_table = Table(
        "staff",
        _("Teachers"),
        [
            Column(_("Name")),
            Column(_("Kind")),
            Column(_("Sessions"), True),
            Column(_("Lessons (课时)"), True),
            Column(_("Missed sessions (空堂)"), True),
            Column(_("Early leaves (早退)"), True),
            Column(_("Late"), True),
            Column(_("Substituted"), True),
        ],
    )
    for member in StaffMember.objects.filter(pk__in=list(staff_days)).order_by("kind", "full_name"):
        r = staff_days[member.pk]
        staff_table.add(
            person(member.full_name, names),
            member.get_kind_display(),
            num(r["sessions"]),
            num(r["lessons"]),
            num(r["missed"], css="err" if r["missed"] else ""),
            num(r["early"], css="warn" if r["early"] else ""),
            num(r["late"]),
            num(r["substituted"]),
        )

    # Money
    money_table = Table(
        "fund",
        _("The school's fund"),
        [Column(_("Item")), Column(_("Amount (yuan)"), True)],
    )
    if semester is not None:
        mon = MoneyDay.objects.filter(
            district_id=school.district_id, school=school, semester=semester
        ).aggregate(
            billed=Sum("billed_fen"),
            exempted=Sum("exempted_fen"),
            collected=Sum("collected_fen"),
            refunded=Sum("refunded_fen"),
        )
        for label, key in (
            (_("Fees charged this semester"), "billed"),
            (_("Exempted this semester"), "exempted"),
            (_("Collected this semester"), "collected"),
            (_("Refunded this semester"), "refunded"),
        ):
            money_table.add(label, yuan(mon[key]))
    balances = dict(
        LedgerBalance.objects.filter(district_id=school.district_id, school=school).values_list(
            "category", "balance_fen"
        )
    )
    labels = dict(Category.choices)
    for category, fen in sorted(balances.items()):
        money_table.add(
            _("Balance: %(category)s") % {"category": labels.get(category, category)}, yuan(fen)
        )
    summary = ledger_summary(balances)
    money_table.add(_("Fund income (net)"), yuan(summary["net_income"]))

    page.tables = [grade_table, class_table, group_table, staff_table, money_table]
    page.charts = [_attendance_chart(days, _("Attendance by day"))]
    page.alerts = _live_alerts(district_id=school.district_id, school=school)
    return page


def _pct(x) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


# --------------------------------------------------------------------------- class, group


def _children_table(students, period: Period, names: bool, apps: dict, title: str) -> Table:
    months = _sums(
        StudentMonth.objects.filter(
            district_id=period.district.pk, student__in=[s.pk for s in students], **_months(period)
        ),
        "student_id",
        ["late_pickups"],
    )
    table = Table(
        "children",
        title,
        [
            Column(_("Child")),
            Column(_("Student number")),
            Column(_("Application")),
            Column(_("Marks"), True),
            Column(_("Attendance"), True),
            Column(_("Absent without leave"), True),
            Column(_("On leave"), True),
            Column(_("Late pickups"), True),
        ],
        empty=_("No children."),
    )
    q = period.query()
    for s in students:
        r = months.get(s.pk, {})
        app = apps.get(s.pk)
        table.add(
            link(person(s.name, names), reverse("reporting_child", args=[s.public_id]) + f"?{q}"),
            student_number(s.student_number, names),
            app.get_status_display() if app else _("no application"),
            num(r.get("marks") or 0),
            pct(_rate(r)),
            num(r.get("absent") or 0, css="warn" if r.get("absent") else ""),
            num(r.get("leave") or 0),
            num(r.get("late_pickups") or 0),
        )
    return table


def class_page(*, klass, period: Period, names: bool) -> Page:
    page = Page(period=period, title=f"{klass.school.name} · {klass.name}")
    semester = period.semester
    row = ParticipationClass.objects.filter(
        district_id=klass.district_id, school_class=klass, semester=semester
    ).first()
    if row is not None:
        page.figures = [
            Figure(_("On the roll"), str(row.enrolled)),
            Figure(
                _("Applied"),
                str(row.applied),
                css="warn" if row.enrolled and row.applied >= row.enrolled else "",
            ),
            Figure(_("Participants"), str(row.participants), _pct(row.rate)),
            Figure(_("May attend"), str(row.active)),
            Figure(_("Course seats"), str(row.course_seats)),
        ]
        priority = Table(
            "priority",
            _("Priority groups among the participants"),
            [Column(_("Group")), Column(_("Children"), True)],
        )
        for p in PRIORITY:
            priority.add(str(PRIORITY_LABELS[p]), num(getattr(row, f"priority_{p}")))
        page.tables.append(priority)
    students = list(Student.objects.filter(school_class=klass).order_by("name", "pk"))
    apps = {
        a.student_id: a
        for a in Application.objects.filter(semester=semester, student__school_class=klass)
    }
    page.tables.append(_children_table(students, period, names, apps, _("Children")))
    days = ClassDay.objects.filter(
        district_id=klass.district_id, school_class=klass, date__range=(period.start, period.end)
    )
    page.charts = [_attendance_chart(days, _("Attendance by day"))]
    page.facts = [
        (_("School"), klass.school.name),
        (
            _("Homeroom teacher"),
            person(str(klass.homeroom_teacher), names) if klass.homeroom_teacher else "—",
        ),
    ]
    return page


def group_page(*, group, period: Period, names: bool) -> Page:
    page = Page(period=period, title=f"{group.school.name} · {group.name}")
    if group.kind == GroupKind.COURSE:
        student_ids = CourseRegistration.objects.filter(
            course__lineage=group.lineage, status="confirmed"
        ).values_list("student_id", flat=True)
    else:
        student_ids = GroupMember.objects.filter(group=group).values_list("student_id", flat=True)
    students = list(
        Student.objects.filter(pk__in=list(student_ids))
        .select_related("school_class")
        .order_by(*Student.ROLL_ORDER)
    )
    apps = {
        a.student_id: a
        for a in Application.objects.filter(plan=group.plan, student__in=[s.pk for s in students])
    }
    page.tables.append(
        _children_table(students, period, names, apps, _("Members (their figures in all groups)"))
    )
    days = GroupDay.objects.filter(
        district_id=group.district_id, group=group, date__range=(period.start, period.end)
    )
    total = days.aggregate(
        **{
            k: Sum(k)
            for k in [*MARK_SUMS, "sessions", "rolls", "sessions_cancelled", "staff_missed"]
        }
    )
    page.figures = [
        Figure(_("Members"), str(len(students))),
        Figure(
            _("Sessions"),
            str(total["sessions"] or 0),
            _("%(n)d cancelled") % {"n": total["sessions_cancelled"] or 0},
        ),
        Figure(_("Rolls taken"), str(total["rolls"] or 0)),
        Figure(_("Attendance"), _pct(_rate(total))),
        Figure(
            _("Missed sessions (空堂)"),
            str(total["staff_missed"] or 0),
            css="err" if total["staff_missed"] else "",
        ),
    ]
    staff = Table(
        "teachers", _("Who teaches"), [Column(_("Weekday")), Column(_("Name")), Column(_("Kind"))]
    )
    weekday = dict(WEEKDAYS)
    for a in (
        Assignment.objects.filter(group=group, role=DutyRole.TEACHER)
        .select_related("staff")
        .order_by("weekday", "staff__full_name")
    ):
        staff.add(
            str(weekday[a.weekday]), person(a.staff.full_name, names), a.staff.get_kind_display()
        )
    page.tables.append(staff)
    page.charts = [_attendance_chart(days, _("Attendance by day"))]
    page.facts = [(_("School"), group.school.name), (_("Kind"), group.get_kind_display())]
    return page


# --------------------------------------------------------------------------- child


def child_page(*, student, period: Period, names: bool) -> Page:
    page = Page(period=period, title=person(student.name, names))
    semester = period.semester
    page.facts = [
        (_("School"), student.school.name),
        (_("Class"), student.school_class.name),
        (_("Student number"), student_number(student.student_number, names)),
        (_("On the roll"), _("yes") if student.is_active else _("no")),
    ]
    app = Application.objects.filter(student=student, semester=semester).first()
    if app is not None:
        page.facts.append((_("Application"), app.get_status_display()))
        page.facts.append((_("Basic care"), _("yes") if app.basic_care else _("no")))
        history = Table(
            "history",
            _("Application history"),
            [Column(_("When")), Column(_("Step")), Column(_("Reason"))],
        )
        for t in ApplicationTransition.objects.filter(application=app).order_by("at", "pk"):
            history.add(_local(t.at), t.get_event_display(), t.reason)
        page.tables.append(history)
    months = Table(
        "months",
        _("By month"),
        [
            Column(_("Month")),
            Column(_("Marks"), True),
            Column(_("Present"), True),
            Column(_("Late"), True),
            Column(_("Absent without leave"), True),
            Column(_("On leave"), True),
            Column(_("Late pickups"), True),
        ],
    )
    for r in StudentMonth.objects.filter(
        district_id=student.district_id, student=student, **_months(period)
    ).order_by("month"):
        months.add(
            r.month.strftime("%Y-%m"),
            num(r.marks),
            num(r.present),
            num(r.late),
            num(r.absent),
            num(r.leave),
            num(r.late_pickups),
        )
    page.tables.append(months)
    recent = Table(
        "marks",
        _("Recent marks"),
        [Column(_("Date")), Column(_("Group")), Column(_("Mark")), Column(_("Note"))],
        empty=_("No marks in this period."),
    )
    for m in (
        AttendanceMark.objects.filter(
            district_id=student.district_id,
            student=student,
            date__range=(period.start, period.end),
        )
        .select_related("session__group")
        .order_by("-date", "-session__start_time")[:60]
    ):
        recent.add(
            str(m.date),
            m.session.group.name,
            Cell(m.get_status_display(), css="warn" if m.status == "absent" else ""),
            m.note,
        )
    page.tables.append(recent)
    late = Table(
        "late_pickups",
        _("Late pickups"),
        [Column(_("Date")), Column(_("Minutes late"), True), Column(_("Picked up by"))],
        empty=_("None."),
    )
    for d in Departure.objects.filter(
        Q(is_late=True),
        district_id=student.district_id,
        student=student,
        date__range=(period.start, period.end),
    ).order_by("-date")[:60]:
        late.add(str(d.date), num(d.minutes_late), d.relation if names else "—")
    page.tables.append(late)
    invoices = Table(
        "invoices",
        _("Fees"),
        [
            Column(_("Semester")),
            Column(_("Kind")),
            Column(_("Fees"), True),
            Column(_("Reductions"), True),
            Column(_("Amount due"), True),
            Column(_("Status")),
        ],
        empty=_("No invoices."),
    )
    for inv in (
        Invoice.objects.filter(student=student)
        .select_related("semester")
        .order_by("-semester__start_date", "kind")
    ):
        invoices.add(
            inv.semester.name,
            inv.get_kind_display(),
            yuan(inv.gross_fen),
            yuan(inv.reduction_fen),
            yuan(inv.amount_fen),
            inv.get_status_display(),
        )
    page.tables.append(invoices)
    return page


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else "—"
