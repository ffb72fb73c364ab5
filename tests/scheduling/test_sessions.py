"""Session generation from the plan calendar: holidays, make-up days, seasonal times,
idempotent, set-based; amendments rewrite only the future; cancelled days."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, OutboxMessage
from plans.models import PlanStatus, PlanVersion, ServicePeriod
from plans.services import plans as plan_services
from scheduling.models import CareGroup, DayCancellation, GroupKind, Session, SessionStatus
from scheduling.services import sessions as services
from tests.scheduling.world import HOLIDAYS, MAKEUP

pytestmark = pytest.mark.django_db


def group_of(staffed, grade):
    return next(
        g
        for g in CareGroup.objects.filter(plan=staffed.sched.plan, kind=GroupKind.BASIC)
        if g.grades == [grade]
    )


def test_sessions_follow_the_calendar(staffed):
    plan = staffed.sched.plan
    result = services.generate_sessions(actor=staffed.sched.principal, plan=plan)
    assert result.created == Session.objects.filter(plan=plan).count() > 0
    g3 = group_of(staffed, 3)
    dates = set(Session.objects.filter(group=g3).values_list("date", flat=True))
    assert not dates & set(HOLIDAYS)  # national day: no service
    assert MAKEUP in dates  # the make-up Saturday runs
    saturday = Session.objects.get(group=g3, date=MAKEUP)
    assert saturday.weekday == 3  # on Thursday's timetable
    assert all(d.weekday() < 5 or d == MAKEUP for d in dates)
    # 2026-09-01 .. 2027-01-22: 104 weekdays, minus 5 national-day weekdays, plus 1 make-up
    assert len(dates) == 104 - 5 + 1
    # Seasonal variant: grades 3–4 run 16:50–18:00 in September, 15:50–17:30 afterwards.
    sept = Session.objects.get(group=g3, date=date(2026, 9, 2))
    assert (sept.start_time, sept.end_time, sept.lessons) == (time(16, 50), time(18, 0), 1)
    nov = Session.objects.get(group=g3, date=date(2026, 11, 4))
    assert (nov.start_time, nov.end_time, nov.minutes, nov.lessons) == (
        time(15, 50),
        time(17, 30),
        100,
        2,
    )
    # The course section meets on Wednesdays only, one 课时 at least.
    section = CareGroup.objects.get(plan=plan, kind=GroupKind.COURSE)
    weds = Session.objects.filter(group=section)
    assert weds.count() > 0 and all(s.date.weekday() == 2 for s in weds)
    assert all(s.lessons == 1 for s in weds)


def test_a_mixed_group_runs_from_the_earliest_start_to_the_latest_end(staffed):
    plan = staffed.sched.plan
    services.generate_sessions(actor=staffed.sched.principal, plan=plan)
    mixed = next(
        g for g in CareGroup.objects.filter(plan=plan, kind=GroupKind.BASIC) if g.grades == [3, 4]
    )
    s = Session.objects.get(group=mixed, date=date(2026, 11, 4))
    assert (s.start_time, s.end_time) == (time(15, 50), time(17, 30))


def test_generation_is_idempotent_and_set_based(staffed):
    plan, principal = staffed.sched.plan, staffed.sched.principal
    services.generate_sessions(actor=principal, plan=plan)
    before = list(Session.objects.filter(plan=plan).order_by("pk").values())
    with CaptureQueriesContext(connection) as ctx:
        again = services.generate_sessions(actor=principal, plan=plan)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    assert list(Session.objects.filter(plan=plan).order_by("pk").values()) == before
    inserts = [q for q in ctx.captured_queries if "INSERT INTO scheduling_session" in q["sql"]]
    assert len(inserts) == 1  # one statement for the whole semester, not a row at a time
    assert len(ctx.captured_queries) < 60


def test_generation_needs_confirmed_groups_of_a_published_plan(sched, world):
    sched.participants(3, 2, 5)
    with pytest.raises(Conflict) as err:
        services.generate_sessions(actor=sched.principal, plan=sched.plan)
    assert err.value.code == "no_grouping"
    from scheduling.services import grouping

    grouping.propose_groups(actor=sched.principal, plan=sched.plan)
    with pytest.raises(Conflict) as err:
        services.generate_sessions(actor=sched.principal, plan=sched.plan)
    assert err.value.code == "not_confirmed"
    with pytest.raises(NotAllowed):
        services.generate_sessions(actor=world.users["teacher_a1"], plan=sched.plan)
    assert not Session.objects.exists()


def test_an_amendment_rewrites_only_future_sessions(staffed, monkeypatch):
    sched = staffed.sched
    plan, principal = sched.plan, sched.principal
    services.generate_sessions(actor=principal, plan=plan)
    g1 = group_of(staffed, 3)
    past_day, future_day = date(2026, 11, 4), date(2026, 12, 2)
    past = Session.objects.get(group=g1, date=past_day)
    # "Today" is 2026-11-20: sessions from 11-21 on are the future.
    monkeypatch.setattr(services, "tomorrow", lambda: date(2026, 11, 21))
    # Amend: grades 3–4 now 16:00–17:30 (the amendment is published like the first version).
    amended = PlanVersion.objects.create(
        district=plan.district, school=plan.school, plan=plan, number=2, policy=sched.policy
    )
    for p in ServicePeriod.objects.filter(version=sched.version):
        start = time(16, 0) if p.grades == [3, 4] and p.valid_from is None else p.start_time
        ServicePeriod.objects.create(
            district=p.district,
            school=p.school,
            version=amended,
            grades=p.grades,
            weekdays=p.weekdays,
            start_time=start,
            end_time=p.end_time,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
        )
    from plans.models import Course

    c = sched.course
    Course.objects.create(
        district=c.district,
        school=c.school,
        version=amended,
        lineage=c.lineage,
        name=c.name,
        grades=c.grades,
        weekdays=c.weekdays,
        start_time=c.start_time,
        end_time=c.end_time,
        capacity=c.capacity,
        min_size=c.min_size,
    )
    PlanVersion.objects.filter(pk=amended.pk).update(status=PlanStatus.APPROVED)
    amended.refresh_from_db()
    plan_services.publish_plan(actor=principal, version=amended)  # the hook regenerates
    past.refresh_from_db()
    assert (past.start_time, past.version_id) == (time(15, 50), sched.version.pk)
    future = Session.objects.get(group=g1, date=future_day)
    assert (future.start_time, future.version_id) == (time(16, 0), amended.pk)
    assert not Session.objects.filter(group=g1, date=future_day, start_time=time(15, 50)).exists()
    section = CareGroup.objects.get(plan=plan, kind=GroupKind.COURSE)
    assert section.course.version_id == amended.pk  # the section follows its course
    again = services.generate_sessions(actor=principal, plan=plan)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)


def test_cancelling_a_day_cancels_its_sessions_and_tells_the_families(
    staffed, world, django_capture_on_commit_callbacks
):
    sched = staffed.sched
    services.generate_sessions(actor=sched.principal, plan=sched.plan)
    day = date(2026, 11, 18)
    with django_capture_on_commit_callbacks(execute=True):
        cancellation = services.cancel_day(
            actor=sched.principal, plan=sched.plan, day=day, reason="暴雨红色预警"
        )
    sessions = Session.objects.filter(plan=sched.plan, date=day)
    assert sessions.count() == cancellation.sessions_cancelled > 0
    assert set(sessions.values_list("status", "cancel_reason")) == {
        (SessionStatus.CANCELLED, "暴雨红色预警")
    }
    assert (
        Session.objects.filter(plan=sched.plan, date=date(2026, 11, 19))
        .exclude(status=SessionStatus.SCHEDULED)
        .count()
        == 0
    )
    parent = world.users["parent_a1"]
    inbox = parent.notifications.all()
    assert inbox.count() == 1 and "暴雨红色预警" in inbox[0].body
    care = world.users["care_a1"]
    assert care.notifications.filter(title__contains="11-18").exists()
    assert world.users["parent_a2"].notifications.count() == 0
    assert AuditEvent.objects.filter(action="sessions.day_cancelled").count() == 1
    # Notified once: the outbox keys make a second recording a no-op.
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_families(cancellation)
    assert parent.notifications.count() == 1
    with pytest.raises(Conflict) as err:
        services.cancel_day(actor=sched.principal, plan=sched.plan, day=day, reason="again")
    assert err.value.code == "already_cancelled"
    # Regenerating keeps the cancelled rows cancelled.
    services.generate_sessions(actor=sched.principal, plan=sched.plan)
    assert (
        sessions.filter(status=SessionStatus.CANCELLED).count() == cancellation.sessions_cancelled
    )


def test_cancelling_needs_a_reason_and_a_day_with_sessions(staffed):
    sched = staffed.sched
    services.generate_sessions(actor=sched.principal, plan=sched.plan)
    with pytest.raises(InvalidInput) as err:
        services.cancel_day(
            actor=sched.principal, plan=sched.plan, day=date(2026, 11, 18), reason=" "
        )
    assert "reason" in err.value.fields
    with pytest.raises(InvalidInput) as err:
        services.cancel_day(actor=sched.principal, plan=sched.plan, day=HOLIDAYS[0], reason="x")
    assert err.value.code == "no_sessions"
    assert not DayCancellation.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_a_district_job_generates_every_ready_school(staffed, world):
    from scheduling.tasks import generate_district_sessions

    result = generate_district_sessions.apply(
        args=(world.a.pk, staffed.sched.plan.semester_id, world.users["official_a"].pk)
    ).get()
    assert result["schools"] == 1 and result["created"] > 0
    assert Session.objects.filter(plan=staffed.sched.plan).count() == result["created"]
    again = generate_district_sessions.apply(
        args=(world.a.pk, staffed.sched.plan.semester_id, world.users["official_a"].pk)
    ).get()
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)


def test_the_district_job_is_for_officials(staffed, world):
    with pytest.raises(NotAllowed):
        services.generate_district_sessions(
            actor=world.users["principal_a1"],
            district=world.a,
            semester=staffed.sched.plan.semester,
        )
