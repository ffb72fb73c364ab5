"""Attendance's rows of the cross-tenant matrix (tests/test_tenancy.py): every route with an
object id, pointed at district b's objects (school b1's day)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from attendance.models import (
    FollowUp,
    FollowUpKind,
    Handover,
    LeaveRequest,
    PickupPerson,
    WeeklyRecord,
)
from tests.attendance.world import DAY, at, build_daily


def foreign_attendance_routes(world) -> dict:
    d = build_daily(world, "b1", children=1)
    school, klass, child = d.school, world.classes["b1"], d.children[1]
    parent = d.parents[child.pk]
    leave = LeaveRequest.objects.create(
        district=school.district,
        school=school,
        student=child,
        start_date=DAY,
        end_date=DAY,
        reason="sick",
        requested_by=parent,
        requested_at=at(7),
    )
    person = PickupPerson.objects.create(
        district=school.district,
        school=school,
        student=child,
        name="王阿姨",
        relation="neighbour",
        phone="13912345678",
        added_by=parent,
        added_at=at(7),
    )
    handover = Handover.objects.create(
        district=school.district,
        school=school,
        session=d.today,
        date=DAY,
        from_class=klass,
        handed_by=d.user("teacher"),
        handed_at=at(15, 20),
        count=0,
    )
    flag = FollowUp.objects.create(
        district=school.district,
        school=school,
        student=child,
        kind=FollowUpKind.ABSENCES,
        count=3,
        window_days=30,
        opened_at=at(16),
    )
    WeeklyRecord.objects.create(
        district=school.district,
        school=school,
        school_class=klass,
        semester=d.semester,
        week_start=DAY - timedelta(days=DAY.weekday()),
        activities="读书",
        filled_by=d.user("teacher"),
        created_at=at(17),
        updated_at=at(17),
    )
    s, sid, h, lid = d.today, d.today.public_id, handover.public_id, leave.public_id
    sch, cid, pid = school.public_id, child.public_id, person.public_id
    routes = {
        "attendance_roll": ("get", reverse("attendance_roll", args=[sid])),
        "attendance_pickup": ("get", reverse("attendance_pickup", args=[sid])),
        "attendance_close": ("post", reverse("attendance_close", args=[sid])),
        "attendance_staff": ("get", reverse("attendance_staff", args=[sid])),
        "attendance_staff_record": ("get", reverse("attendance_staff_record", args=[sid])),
        "attendance_handover_form": (
            "get",
            reverse("attendance_handover_form", args=[klass.public_id, s.public_id]),
        ),
        "attendance_handover": ("get", reverse("attendance_handover", args=[h])),
        "attendance_duty": ("get", reverse("attendance_duty", args=[sch])),
        "attendance_school_records": ("get", reverse("attendance_school_records", args=[sch])),
        "attendance_export": ("get", reverse("attendance_export", args=[sch])),
        "attendance_leave_decide": (
            "post",
            reverse("attendance_leave_decide", args=[lid, "approve"]),
        ),
        "attendance_family_leave_cancel": (
            "post",
            reverse("attendance_family_leave_cancel", args=[lid]),
        ),
        "attendance_child": ("get", reverse("attendance_child", args=[cid])),
        "attendance_pickup_persons": ("get", reverse("attendance_pickup_persons", args=[cid])),
        "attendance_pickup_person_remove": (
            "post",
            reverse("attendance_pickup_person_remove", args=[pid]),
        ),
        "attendance_followup_action": (
            "post",
            reverse("attendance_followup_action", args=[flag.public_id, "warn"]),
        ),
        "attendance_weekly": ("get", reverse("attendance_weekly", args=[klass.public_id])),
        "api-attendance-roll": ("post", reverse("api-attendance-roll", args=[sid])),
        "api-attendance-pickups": ("post", reverse("api-attendance-pickups", args=[sid])),
        "api-attendance-close": ("post", reverse("api-attendance-close", args=[sid])),
        "api-attendance-session-handovers": (
            "post",
            reverse("api-attendance-session-handovers", args=[sid]),
        ),
        "api-attendance-session-staff": (
            "post",
            reverse("api-attendance-session-staff", args=[sid]),
        ),
        "api-attendance-handover": ("get", reverse("api-attendance-handover", args=[h])),
        "api-attendance-handover-resolve": (
            "post",
            reverse("api-attendance-handover-resolve", args=[h]),
        ),
        "api-attendance-leave": ("get", reverse("api-attendance-leave", args=[lid])),
        "api-attendance-pickup-persons": (
            "post",
            reverse("api-attendance-pickup-persons", args=[cid]),
        ),
        "api-attendance-pickup-person": (
            "delete",
            reverse("api-attendance-pickup-person", args=[pid]),
        ),
        "api-attendance-history": ("get", reverse("api-attendance-history", args=[cid])),
        "api-attendance-day": ("get", reverse("api-attendance-day", args=[sch])),
        "api-attendance-clearing": ("post", reverse("api-attendance-clearing", args=[sch])),
        "api-attendance-patrols": ("post", reverse("api-attendance-patrols", args=[sch])),
        "api-attendance-staff-month": (
            "get",
            reverse("api-attendance-staff-month", args=[sch]) + "?month=2026-12",
        ),
        "api-attendance-weekly-archive": (
            "post",
            reverse("api-attendance-weekly-archive", args=[sch]),
        ),
        "api-attendance-export": ("get", reverse("api-attendance-export", args=[sch])),
        "api-attendance-weekly-records": (
            "post",
            reverse("api-attendance-weekly-records", args=[klass.public_id]),
        ),
    }
    for action in ("approve", "refuse", "cancel"):
        routes[f"api-attendance-leave-{action}"] = (
            "post",
            reverse(f"api-attendance-leave-{action}", args=[lid]),
        )
    for action in ("warn", "close", "dismiss"):
        routes[f"api-attendance-followup-{action}"] = (
            "post",
            reverse(f"api-attendance-followup-{action}", args=[flag.public_id]),
        )
    return routes
