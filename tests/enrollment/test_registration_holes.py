"""The registration holes of issue 7, each shown first as the bug it was:

* a course cancelled after round one still took registrations (waitlisted, limit used up);
* round one could be closed while its window was still open;
* the lottery seed was chosen by staff after the entries were known — now the server commits
  to it (SHA-256) at publication and reveals it at the draw; only verified priority groups
  count;
* the public result showed which (masked) child is in a priority group;
* the family course board used the UTC date;
* the course cache was cleared only in the process that changed the course.
"""

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from aftercare.errors import Conflict
from aftercare.models import AuditEvent
from enrollment.lottery import draw_order, mask_name
from enrollment.models import (
    Application,
    CapacityStatus,
    CourseCapacity,
    CourseRegistration,
    LotteryCommitment,
    SeatStatus,
)
from enrollment.selectors.courses import course_board
from enrollment.services import registration
from enrollment.services.applications import verify_priority_groups
from enrollment.services.registration import RegistrationError, courses, tier_label
from tests.enrollment.plan_world import HOUR, child, closed_then_open, course, published
from tests.factories import CourseRegistrationFactory, SemesterFactory

pytestmark = pytest.mark.django_db


def register_url(c):
    return f"/api/v1/courses/{c.public_id}/register/"


# --------------------------------------------------------------------------- cancelled courses


def _round_one_closed(world):
    version = published(
        world, courses=[("书法", 10, 3), ("围棋", 10, 1)], windows=closed_then_open()
    )
    calligraphy, go = course(version, "书法"), course(version, "围棋")
    cancelled, other = child(world, version), child(world, version)
    CourseRegistrationFactory(course=calligraphy, application=cancelled.application)
    CourseRegistrationFactory(course=go, application=other.application)
    info = registration.course_info(calligraphy.public_id)  # cached while still open
    registration.close_round_one(actor=world.users["principal_a1"], plan_version=version)
    return version, calligraphy, cancelled, info


def test_a_cancelled_course_answers_409_and_writes_nothing(world, api):
    _version, calligraphy, family, _info = _round_one_closed(world)
    assert CourseCapacity.objects.get(course=calligraphy).status == CapacityStatus.CANCELLED
    before = AuditEvent.objects.filter(action="course.registered").count()
    response = api(family.parent).post(
        register_url(calligraphy), {"student": str(family.student.public_id)}, format="json"
    )
    assert response.status_code == 409, response.json()
    assert response.json()["error"]["code"] == "course_cancelled"
    assert "书法" in response.json()["error"]["message"]
    assert list(
        CourseRegistration.objects.filter(course=calligraphy).values_list("status", flat=True)
    ) == [SeatStatus.COURSE_CANCELLED]
    assert Application.objects.get(pk=family.application.pk).courses_taken == 0
    assert AuditEvent.objects.filter(action="course.registered").count() == before


def test_the_claim_itself_refuses_a_cancelled_course_whatever_the_cache_says(world):
    """The single statement checks the counter: a process whose cached facts predate the
    cancellation still writes nothing."""
    _version, calligraphy, family, stale = _round_one_closed(world)
    assert not stale.cancelled
    with pytest.raises(RegistrationError) as err:
        registration.register(actor=family.parent, student=family.student, info=stale)
    assert err.value.code == "course_cancelled"
    assert CourseRegistration.objects.filter(course=calligraphy).count() == 1
    assert Application.objects.get(pk=family.application.pk).courses_taken == 0


# --------------------------------------------------------------------------- closing round one


def test_round_one_cannot_be_closed_while_its_window_is_open(world, api):
    version = published(world, courses=[("书法", 10, 3)])  # round one open for another 23 h
    family = child(world, version)
    CourseRegistrationFactory(course=course(version, "书法"), application=family.application)
    ends = timezone.localtime(version.windows.get().closes_at).strftime("%Y-%m-%d %H:%M")
    with pytest.raises(Conflict) as err:
        registration.close_round_one(actor=world.users["principal_a1"], plan_version=version)
    assert err.value.code == "round_one_open"
    assert ends in str(err.value.message)
    response = api(world.users["principal_a1"]).post(
        reverse("plan-close-round-one", args=[version.plan.public_id])
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "round_one_open"
    assert ends in response.json()["error"]["message"]
    assert CourseCapacity.objects.get(course=course(version, "书法")).status == "open"
    assert CourseRegistration.objects.get().status == SeatStatus.CONFIRMED


# --------------------------------------------------------------------------- lottery


def _lottery(world, *, capacity=1, families=3, closed=True, **kwargs):
    now = timezone.now().replace(microsecond=0)
    window = (
        {"mode": "lottery", "opens_at": now - 25 * HOUR, "closes_at": now - HOUR}
        if closed
        else {"mode": "lottery"}
    )
    version = published(world, courses=[("书法", capacity, 1)], windows=[window], **kwargs)
    return version, course(version, "书法"), [child(world, version) for _ in range(families)]


def _enter(c, family):
    return CourseRegistrationFactory(course=c, application=family.application, status="entered")


def test_the_seed_is_committed_at_publication_before_any_entry(world, client):
    _version, c, _families = _lottery(world, closed=False)
    commitment = LotteryCommitment.objects.get(course=c)
    assert len(commitment.commitment) == 64 and commitment.revealed_at is None
    assert hashlib.sha256(commitment.seed.encode()).hexdigest() == commitment.commitment
    assert commitment.committed_at <= timezone.now()
    assert not CourseRegistration.objects.exists()
    page = client.get(reverse("public_lottery", args=[c.public_id]))
    assert page.status_code == 200
    text = page.content.decode()
    assert commitment.commitment in text and commitment.seed not in text


def test_staff_cannot_choose_the_seed(world, api):
    _version, c, families = _lottery(world)
    for family in families:
        _enter(c, family)
    committed = LotteryCommitment.objects.get(course=c).commitment
    response = api(world.users["principal_a1"]).post(
        reverse("course-draw", args=[c.public_id]), {"seed": "a-seed-I-searched-for"}
    )
    assert response.status_code == 201, response.json()
    seed = response.json()["seed"]
    assert seed != "a-seed-I-searched-for"
    assert hashlib.sha256(seed.encode()).hexdigest() == committed == response.json()["commitment"]
    with pytest.raises(TypeError):
        registration.draw_lottery(actor=world.users["principal_a1"], course=c, seed="x")


def test_only_groups_the_school_verified_give_priority(world):
    _version, c, (declared, verified, plain) = _lottery(world)
    Application.objects.filter(pk=declared.application.pk).update(priority_groups=["hardship"])
    Application.objects.filter(pk=verified.application.pk).update(priority_groups=["disabled"])
    verify_priority_groups(
        actor=world.users["principal_a1"],
        application=Application.objects.get(pk=verified.application.pk),
        groups=["disabled"],
    )
    entries = {f.student.pk: _enter(c, f) for f in (declared, verified, plain)}
    draw = registration.draw_lottery(actor=world.users["principal_a1"], course=c)
    tiers = {e["token"]: e["tier"] for e in draw.entries}
    assert tiers[str(entries[verified.student.pk].public_id)] == 0
    assert tiers[str(entries[declared.student.pk].public_id)] == 1
    assert tiers[str(entries[plain.student.pk].public_id)] == 1
    assert draw.entries[0]["token"] == str(entries[verified.student.pk].public_id)
    assert CourseRegistration.objects.get(pk=entries[verified.student.pk].pk).status == (
        SeatStatus.CONFIRMED
    )


def test_the_public_result_names_no_tier_and_can_be_rerun(world, client, api):
    _version, c, families = _lottery(world, capacity=2, families=5)
    priority = families[2]
    Application.objects.filter(pk=priority.application.pk).update(priority_groups=["migrant"])
    verify_priority_groups(
        actor=world.users["principal_a1"],
        application=Application.objects.get(pk=priority.application.pk),
        groups=["migrant"],
    )
    regs = [_enter(c, f) for f in families]
    draw = registration.draw_lottery(actor=world.users["principal_a1"], course=c)
    tokens = {str(r.public_id) for r in regs}

    data = api().get(reverse("course-lottery", args=[c.public_id])).json()
    assert data["commitment_verified"] is True
    assert hashlib.sha256(data["seed"].encode()).hexdigest() == data["commitment"]
    # Names with results only: no token, no tier, no rank, in name order (not draw order).
    assert all(set(r) == {"name", "result"} for r in data["results"])
    assert [r["name"] for r in data["results"]] == sorted(r["name"] for r in data["results"])
    assert sorted(r["name"] for r in data["results"]) == sorted(
        mask_name(f.student.name) for f in families
    )
    # Tokens per tier without names: enough to re-run the draw.
    assert all("name" not in e for e in data["entries"])
    assert {e["token"] for e in data["entries"]} == tokens
    rerun = draw_order(data["seed"], [(e["token"], e["tier"]) for e in data["entries"]])
    assert [t for t, _tier in rerun] == [e["token"] for e in data["entries"]]
    assert data["entries"][0]["token"] == str(regs[2].public_id)

    text = client.get(reverse("public_lottery", args=[c.public_id])).content.decode()
    names_part = text[text.index('data-testid="results"') :]
    names_part = names_part[: names_part.index("</table>")]
    tokens_part = text[text.index('data-testid="tokens"') :]
    tokens_part = tokens_part[: tokens_part.index("</table>")]
    assert not any(t in names_part for t in tokens)
    assert not any(mask_name(f.student.name) in tokens_part for f in families)
    assert 'data-testid="commitment-verified"' in text
    assert draw.seed in text


def test_a_family_sees_its_own_tier(world, api, client, login):
    _version, c, families = _lottery(world, capacity=1, families=2)
    Application.objects.filter(pk=families[0].application.pk).update(priority_groups=["hardship"])
    verify_priority_groups(
        actor=world.users["principal_a1"],
        application=Application.objects.get(pk=families[0].application.pk),
        groups=["hardship"],
    )
    for f in families:
        _enter(c, f)
    registration.draw_lottery(actor=world.users["principal_a1"], course=c)
    mine = api(families[0].parent).get("/api/v1/registrations/").json()["results"]
    assert [(r["lottery_rank"], r["lottery_tier"]) for r in mine] == [(1, 0)]
    theirs = api(families[1].parent).get("/api/v1/registrations/").json()["results"]
    assert [(r["lottery_rank"], r["lottery_tier"]) for r in theirs] == [(2, 1)]
    login(families[0].parent)
    page = client.get(reverse("family_courses")).content.decode()
    place = page[page.index('data-testid="lottery-place"') :]
    place = place[: place.index("</div>")]
    assert "1" in place and tier_label(0) in place
    assert 'data-testid="lottery-link"' in page


# --------------------------------------------------------------------------- local date


def test_the_course_board_takes_today_in_shanghai_around_midnight(world):
    """At 00:30 in Shanghai on the spring semester's first day it is still the last day of
    autumn in UTC: the board shows spring's plan."""
    district = world.a
    autumn = SemesterFactory(
        district=district,
        name="秋季",
        start_date=datetime(2027, 9, 1).date(),
        end_date=datetime(2028, 1, 20).date(),
    )
    spring = SemesterFactory(
        district=district,
        name="春季",
        start_date=datetime(2028, 1, 21).date(),
        end_date=datetime(2028, 6, 30).date(),
    )
    published(world, semester=autumn, courses=[("秋季书法", 10, 1)], windows=[])
    published(world, semester=spring, courses=[("春季书法", 10, 1)], windows=[])
    student = world.students["a1"]
    shanghai, utc = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")
    # As timezone.now() gives it: in UTC (16:30 on the 20th).
    just_after_midnight = datetime(2028, 1, 21, 0, 30, tzinfo=shanghai).astimezone(utc)
    assert just_after_midnight.date().day == 20
    board = course_board(student=student, now=just_after_midnight)
    assert board.plan.semester == spring
    assert [r.course.name for r in board.rows] == ["春季书法"]
    before_midnight = datetime(2028, 1, 20, 23, 30, tzinfo=shanghai).astimezone(utc)
    assert course_board(student=student, now=before_midnight).plan.semester == autumn


# --------------------------------------------------------------------------- course cache


def test_a_publication_in_another_process_reaches_a_cached_course(world, api):
    """Process A caches a course before its plan is published; process B publishes it. The
    next request in A sees the new version key in its lookup and reloads: no refusal."""
    from plans.services.plans import publish_plan

    version = published(world, courses=[("书法", 10, 1)], publish=False)
    c = course(version, "书法")
    family = child(world, version)
    assert not registration.course_info(c.public_id).published  # A's cache
    a_cache = dict(courses._CACHE)
    publish_plan(actor=world.users["principal_a1"], version=version)  # B
    courses._CACHE.clear()
    courses._CACHE.update(a_cache)  # A never heard of it
    response = api(family.parent).post(
        register_url(c), {"student": str(family.student.public_id)}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "confirmed"


def test_a_cancellation_in_another_process_reaches_a_cached_course(world):
    _version, calligraphy, family, stale = _round_one_closed(world)
    courses._CACHE[calligraphy.public_id] = (courses._CACHE_CLOCK(), stale)  # A's old facts
    reaches, student, info = registration.lookup_for_claim(
        family.parent, stale, family.student.public_id
    )
    assert reaches and student.pk == family.student.pk
    assert info.cancelled and info.seats_version > stale.seats_version
    assert registration.course_info(calligraphy.public_id) is info  # the cache is fresh again


def test_the_rush_lookup_stays_one_query(world, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    version = published(world, courses=[("书法", 10, 1)])
    c = course(version, "书法")
    family = child(world, version)
    info = registration.course_info(c.public_id)
    with CaptureQueriesContext(connection) as ctx:
        reaches, student, same = registration.lookup_for_claim(
            family.parent, info, family.student.public_id
        )
    assert len(ctx.captured_queries) == 1
    assert reaches and student is not None and same is info
