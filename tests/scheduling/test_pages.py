"""The scheduling pages: what each role sees, wrong roles refused (403), the actions through
the browser forms, and lists whose query count does not grow with their rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling.models import CareGroup, GroupKind, Session
from scheduling.services import sessions as session_services
from tests.scheduling.world import care_teacher

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(staffed, monkeypatch):
    """The staffed plan with its sessions; "today" is Wednesday 2026-11-18."""
    from scheduling.views import home, timetable

    session_services.generate_sessions(actor=staffed.sched.principal, plan=staffed.sched.plan)
    today = date(2026, 11, 18)
    for module in (timetable, home):
        monkeypatch.setattr(module.timezone, "localdate", lambda *a, **k: today)
    return staffed


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def test_the_principal_walks_through_the_pages(generated, client, login):
    sched = generated.sched
    login(sched.principal)
    school = sched.school.public_id
    page = get(client, reverse("scheduling_index", args=[school])).content.decode()
    assert reverse("scheduling_board", args=[sched.plan.public_id]) in page
    board = get(client, reverse("scheduling_board", args=[sched.plan.public_id])).content.decode()
    assert 'data-testid="no-issues"' in board and "三年级" in board
    group = CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC).first()
    detail = get(client, reverse("scheduling_group", args=[group.public_id])).content.decode()
    assert 'data-testid="members"' in detail and 'data-testid="assign-form"' in detail
    week = get(client, reverse("scheduling_week", args=[sched.plan.public_id]) + "?week=2026-11-16")
    assert (
        week.content.decode().count('data-testid="session"')
        == Session.objects.filter(
            plan=sched.plan, date__range=(date(2026, 11, 16), date(2026, 11, 22))
        ).count()
    )
    for name in ("scheduling_staff", "scheduling_rooms"):
        get(client, reverse(name, args=[school]))
    for what in ("groups", "timetable"):
        response = get(client, reverse("scheduling_export", args=[sched.plan.public_id, what]))
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_care_teacher_sees_todays_groups_first(generated, client, login, world):
    login(world.users["care_a1"])
    home = get(client, reverse("teacher_home")).content.decode()
    assert 'data-testid="today-groups"' in home
    assert home.count('data-testid="session"') == 1  # their group, today
    page = get(client, reverse("scheduling_teacher_timetable")).content.decode()
    first_day = page.index('data-testid="timetable-day"')
    assert "11月18日" in page[first_day : first_day + 400]
    assert page.count('data-testid="timetable-day"') == 10  # two school weeks


def test_a_parent_sees_their_childs_sessions(generated, client, login, world):
    sched = generated.sched
    session_services.cancel_day(
        actor=sched.principal, plan=sched.plan, day=date(2026, 11, 19), reason="运动会"
    )
    login(world.users["parent_a1"])
    page = get(client, reverse("scheduling_family_sessions")).content.decode()
    assert world.students["a1"].name in page and "运动会" in page
    assert 'data-testid="session"' in page


@pytest.mark.parametrize(
    ("user_key", "name"),
    [
        ("teacher_a1", "scheduling_board"),
        ("care_a1", "scheduling_week"),
        ("parent_a1", "scheduling_staff"),  # (a plan is not a parent's to see at all: 404)
        ("teacher_a1", "scheduling_staff"),
        ("care_a1", "scheduling_rooms"),
        ("parent_a1", "scheduling_index"),
    ],
)
def test_wrong_roles_are_refused(generated, client, login, world, user_key, name):
    sched = generated.sched
    login(world.users[user_key])
    arg = (
        sched.plan.public_id
        if name in ("scheduling_board", "scheduling_week")
        else sched.school.public_id
    )
    get(client, reverse(name, args=[arg]), status=403)


def test_officials_read_but_do_not_change(generated, client, login, world):
    sched = generated.sched
    login(world.users["official_a"])
    board = get(client, reverse("scheduling_board", args=[sched.plan.public_id])).content.decode()
    assert 'data-testid="propose"' not in board and 'data-testid="generate"' not in board
    response = client.post(
        reverse("scheduling_board_action", args=[sched.plan.public_id, "generate"])
    )
    assert response.status_code == 403
    group = CareGroup.objects.filter(plan=sched.plan).first()
    assert (
        client.post(reverse("scheduling_group_action", args=[group.public_id, "split"])).status_code
        == 403
    )


def test_teachers_and_parents_do_not_reach_the_other_pages(generated, client, login, world):
    login(world.users["parent_a1"])
    get(client, reverse("scheduling_teacher_timetable"), status=403)
    login(world.users["care_a1"])
    get(client, reverse("scheduling_family_sessions"), status=403)
    login(world.users["principal_a1"])
    assert client.post(reverse("scheduling_institutions"), {"name": "x"}).status_code == 403


def test_board_actions_through_the_forms(sched, client, login, world):
    sched.participants(3, 2, 12)
    login(sched.principal)
    board_url = reverse("scheduling_board", args=[sched.plan.public_id])
    response = client.post(
        reverse("scheduling_board_action", args=[sched.plan.public_id, "propose"])
    )
    assert response.status_code == 302 and response.url == board_url
    response = client.post(
        reverse("scheduling_board_action", args=[sched.plan.public_id, "confirm"]), follow=True
    )
    page = response.content.decode()
    assert "flash-error" in page and 'data-testid="issues"' in page  # shortfalls listed
    group = CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC).first()
    teacher = care_teacher(sched, "蒋老师")
    response = client.post(
        reverse("scheduling_group_action", args=[group.public_id, "assign"]),
        {"staff": teacher.pk, "weekdays": ["0", "1"]},
        follow=True,
    )
    assert "蒋老师" in response.content.decode()
    assert group.assignments.count() == 2


def test_an_unpublished_plan_shows_why_nothing_can_be_grouped(world, client, login):
    from tests.scheduling.world import build_sched

    sched = build_sched(world, "a1")
    from plans.models import PlanStatus, PlanVersion

    PlanVersion.objects.filter(pk=sched.version.pk).update(status=PlanStatus.SUPERSEDED)
    login(sched.principal)
    page = get(client, reverse("scheduling_board", args=[sched.plan.public_id])).content.decode()
    assert 'data-testid="not-published"' in page and 'data-testid="propose"' not in page
    response = client.post(
        reverse("scheduling_board_action", args=[sched.plan.public_id, "propose"]), follow=True
    )
    assert "flash-error" in response.content.decode()


# --------------------------------------------------------------------------- query counts


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_lists_do_not_query_per_row(generated, client, login, world):
    sched = generated.sched
    login(sched.principal)
    school = sched.school.public_id
    urls = [
        reverse("scheduling_staff", args=[school]),
        reverse("scheduling_rooms", args=[school]),
        reverse("scheduling_board", args=[sched.plan.public_id]),
        reverse("scheduling_week", args=[sched.plan.public_id]) + "?week=2026-11-16",
        reverse("scheduling_index", args=[school]),
    ]
    before = {url: count(client, url) for url in urls}
    # More rows of everything: staff (one vetted external), rooms, participants, latecomer
    # groups with sessions.
    for n in range(3):
        care_teacher(sched, f"新老师{n}")
        sched.person(f"外聘{n}")
        sched.room(f"新教室{n}", 40)
    sched.participants(4, 7, 45)
    from scheduling.services import grouping

    grouping.place_new_participants(actor=sched.principal, plan=sched.plan)
    after = {url: count(client, url) for url in urls}
    assert after == before


def test_timetables_do_not_query_per_row(generated, client, login, world):
    from scheduling.services import assignments
    from tests.factories import GuardianshipFactory

    sched = generated.sched
    teacher = care_teacher(sched, "韩老师")
    section = CareGroup.objects.get(plan=sched.plan, kind=GroupKind.COURSE)
    group = CareGroup.objects.filter(plan=sched.plan, kind=GroupKind.BASIC).first()

    def give(g, weekdays):
        assignments.assign_staff(
            actor=sched.principal,
            plan=sched.plan,
            staff=teacher,
            role="teacher",
            weekdays=weekdays,
            group=g,
        )

    give(section, [2])
    login(teacher.user)
    url = reverse("scheduling_teacher_timetable")
    first, home = count(client, url), count(client, reverse("teacher_home"))
    give(group, [0, 1, 3, 4])  # four more sessions a week, in another group
    assert count(client, url) == first
    assert count(client, reverse("teacher_home")) == home
    login(world.users["parent_a1"])
    family = reverse("scheduling_family_sessions")
    before = count(client, family)
    for s in sched.participants(3, 8, 2):
        GuardianshipFactory(student=s, user=world.users["parent_a1"])
    from scheduling.services import grouping

    grouping.place_new_participants(actor=sched.principal, plan=sched.plan)
    assert count(client, family) == before
