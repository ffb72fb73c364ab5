"""Issue 13's principal pages: a course row opened to who registered (school managers only,
xlsx export), each round's state from its dates, and the roster's searchable student list
(学籍号 exact, masked for officials, paginated)."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from aftercare.models import AuditEvent
from enrollment.services import registration
from tests.factories import StudentFactory
from tests.registration_world import build_rush

pytestmark = pytest.mark.django_db


def _url(rush, name="书法"):
    return reverse("course_registrants", args=[rush.plan.public_id, rush.courses[name].public_id])


def _register_all(rush, name="书法"):
    for student in rush.students:
        registration.register(actor=rush.parents[student.pk], student=student, info=rush.info(name))


def test_the_principal_opens_a_course_to_who_registered(world, client, login):
    rush = build_rush(world, courses=(("书法", 2, 1), ("围棋", 5, 1)), students=3)
    _register_all(rush)
    login(world.users["principal_a1"])
    page = client.get(reverse("school_registration", args=[rush.plan.public_id]))
    assert _url(rush) in page.content.decode()
    with translation.override("en"):
        response = client.get(_url(rush))
    assert response.status_code == 200
    html = response.content.decode()
    for student in rush.students:
        assert student.name in html
        assert student.school_class.name in html
    assert {r.status for r in response.context["rows"]} == {"confirmed", "waitlisted"}
    # The status tab filters; an unknown one shows everyone.
    waiting = client.get(_url(rush) + "?status=waitlisted").context["rows"]
    assert [r.status for r in waiting] == ["waitlisted"]
    assert len(client.get(_url(rush) + "?status=bogus").context["rows"]) == 3


def test_the_registrants_export_as_xlsx(world, client, login):
    rush = build_rush(world, students=2)
    _register_all(rush)
    login(world.users["admin_a1"])
    response = client.get(_url(rush) + "?format=xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3
    assert {r[0] for r in rows[1:]} == {s.name for s in rush.students}
    assert AuditEvent.objects.filter(action="course.registrants_exported").count() == 1


@pytest.mark.parametrize(
    ("user_key", "status"),
    [
        ("official_a", 403),  # the district oversees seats, not children's names
        ("teacher_a1", 403),
        ("parent_a1", 404),  # a parent does not see the school's plan at all
        ("principal_a2", 404),  # another school
        ("official_b", 404),  # another district
    ],
)
def test_only_the_schools_managers_see_registrants(world, client, login, user_key, status):
    rush = build_rush(world, students=1)
    _register_all(rush)
    login(world.users[user_key])
    assert client.get(_url(rush)).status_code == status


def test_a_course_of_another_plan_is_404(world, client, login):
    rush = build_rush(world, students=0)
    other = build_rush(world, school_key="a2", students=0)
    login(world.users["principal_a1"])
    url = reverse("course_registrants", args=[rush.plan.public_id, other.courses["书法"].public_id])
    assert client.get(url).status_code == 404


def test_each_round_shows_its_own_state(world, client, login):
    # Round one ended an hour ago; round two (one hour after) is open now.
    rush = build_rush(world, opens_in=timedelta(hours=-3), length=timedelta(hours=1, minutes=30))
    login(world.users["principal_a1"])
    with translation.override("en"):
        html = client.get(reverse("school_registration", args=[rush.plan.public_id])).content
    rounds = html.decode().split('data-testid="rounds"')[1].split("</ul>")[0]
    first, second = rounds.split("</li>")[:2]
    assert '<span class="tag">' in first and "tag ok" not in first  # ended
    assert "tag ok" in second  # open now


def test_a_lottery_course_awaiting_its_draw_and_one_below_minimum(world, client, login):
    rush = build_rush(
        world,
        courses=(("书法", 10, 3), ("围棋", 10, 3)),
        mode="lottery",
        students=2,
        opens_in=timedelta(hours=-2),
        length=timedelta(hours=1),
    )
    for name in ("书法", "围棋"):
        for student in rush.students:
            registration.register(
                actor=rush.parents[student.pk],
                student=student,
                info=rush.info(name),
                now=rush.opens_at + timedelta(minutes=5),
            )
    registration.draw_lottery(actor=world.users["principal_a1"], course=rush.courses["围棋"])
    login(world.users["principal_a1"])
    rows = {
        r["course"].name: r
        for r in client.get(reverse("school_registration", args=[rush.plan.public_id])).context[
            "rows"
        ]
    }
    assert rows["书法"]["awaits_draw"] and not rows["书法"]["below_minimum"]
    assert rows["围棋"]["below_minimum"] and not rows["围棋"]["awaits_draw"]


# --------------------------------------------------------------------------- the roster


def _roster(world, key="a1"):
    return reverse("roster", args=[world.schools[key].public_id])


def test_the_roster_lists_searches_and_pages_students(world, client, login):
    klass = world.classes["a1"]
    for n in range(30):
        StudentFactory(school_class=klass, name=f"测试{n:02d}", student_number=f"G9{n:09d}")
    StudentFactory(school_class=world.classes["a2"], name="别校学生")
    login(world.users["principal_a1"])
    page = client.get(_roster(world))
    assert page.status_code == 200
    students = page.context["students_page"]
    assert students.paginator.count == 31  # 30 + the world's own a1 student
    assert len(students.object_list) == 25
    assert len(client.get(_roster(world) + "?page=2").context["students_page"].object_list) == 6
    assert client.get(_roster(world) + "?page=x").status_code == 200  # bad page: the first
    # By name (part of it), by whole 学籍号 (exact), never another school's pupil.
    names = {s.name for s in client.get(_roster(world) + "?q=测试0").context["students_page"]}
    assert names == {f"测试{n:02d}" for n in range(10)}
    found = client.get(_roster(world) + "?q=G9000000007").context["students_page"]
    assert [s.name for s in found] == ["测试07"]
    assert found.object_list[0].shown_number == "G9000000007"  # the school sees it in full
    # Part of a number finds nothing: numbers are matched whole.
    assert client.get(_roster(world) + "?q=G90000000").context["students_page"].paginator.count == 0
    assert not client.get(_roster(world) + "?q=别校").context["students_page"].paginator.count
    # By class; an unknown class is ignored.
    by_class = client.get(_roster(world) + f"?class={klass.public_id}").context
    assert by_class["students_page"].paginator.count == 31
    assert client.get(_roster(world) + "?class=nonsense").status_code == 200


def test_officials_see_masked_numbers_and_others_are_refused(world, client, login):
    StudentFactory(
        school_class=world.classes["a1"], name="王小明", student_number="G110105201501010012"
    )
    login(world.users["official_a"])
    page = client.get(_roster(world) + "?q=G110105201501010012")
    (student,) = page.context["students_page"].object_list
    assert student.shown_number == "G110*************12"
    assert "G110*************12" in page.content.decode()
    login(world.users["teacher_a1"])
    assert client.get(_roster(world)).status_code == 403
    login(world.users["official_b"])
    assert client.get(_roster(world)).status_code == 404
