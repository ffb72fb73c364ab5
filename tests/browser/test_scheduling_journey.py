"""编班 · 排班 in the browser: on a desktop the principal proposes groups, moves a student,
assigns teachers and rooms, sees a ratio shortfall, fixes it, confirms and generates the
sessions; then the care teacher opens the timetable on a phone.

Selectors are data-testid and form field names: the page text is Chinese once the lead merges
the pending translations, English before."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.models import Semester
from scheduling.models import CareGroup, GroupKind, GroupMember, Session
from tests.factories import PASSWORD
from tests.scheduling.world import build_sched, care_teacher

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def school(bworld):
    today = timezone.localdate()
    semester = Semester.objects.create(
        district=bworld.a,
        name="本学期",
        start_date=today - timedelta(days=30),
        end_date=today + timedelta(days=120),
    )
    sched = build_sched(bworld, "a1", semester=semester)
    sched.participants(3, bworld.classes["a1"].number, 34)  # 35 with the world's child
    sched.participants(4, 1, 12)
    staff = (
        sched.teacher("care_a1"),
        care_teacher(sched, "第二看护"),
        care_teacher(sched, "值班校长"),
    )
    rooms = sched.room("101教室", 45), sched.room("102教室", 45)
    return sched, staff, rooms


def desktop_login(browser, live_server, login):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("手机号或用户名").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")
    return page


def assign(page, staff, room):
    form = page.locator("[data-testid=assign-form]")
    form.locator("select[name=staff]").select_option(str(staff.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    form = page.locator("[data-testid=room-form]")
    form.locator("select[name=room]").select_option(str(room.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_the_principal_groups_and_staffs_then_the_teacher_sees_the_timetable(
    school, browser, live_server, page, log_in
):
    sched, (first, second, leader), (room1, room2) = school
    principal = desktop_login(browser, live_server, "principal-a1")
    principal.goto(f"{live_server.url}/plans/{sched.plan.public_id}/scheduling/")
    principal.locator("[data-testid=propose]").click()
    principal.wait_for_load_state("networkidle")
    groups = principal.locator("[data-testid=group]")
    expect(groups).to_have_count(3)  # grade 3 (35, alone), grade 4 (12), the 围棋 section
    expect(principal.locator("[data-testid=reasons]").first).to_be_visible()
    shortfalls = principal.locator("[data-testid=issues] [data-code=teacher_shortfall]")
    expect(shortfalls).to_have_count(2)

    # Move one child of grade 3 into the grade-4 group.
    grade3 = CareGroup.objects.get(plan=sched.plan, kind=GroupKind.BASIC, grades=[3])
    grade4 = CareGroup.objects.get(plan=sched.plan, kind=GroupKind.BASIC, grades=[4])
    principal.goto(f"{live_server.url}/groups/{grade3.public_id}/")
    move = principal.locator("[data-testid=move-form]")
    move.locator("input[name=students]").first.check()
    move.locator("select[name=to_group]").select_option(label=grade4.name)
    move.locator("button[type=submit]").click()
    principal.wait_for_load_state("networkidle")
    assert GroupMember.objects.filter(group=grade4).count() == 13
    expect(principal.locator("[data-testid=size]")).to_contain_text("34")

    # Teachers and rooms for the grade-3 group; the other group is still short.
    assign(principal, first, room1)
    principal.goto(f"{live_server.url}/plans/{sched.plan.public_id}/scheduling/")
    expect(shortfalls).to_have_count(1)
    grade4.refresh_from_db()  # its name now says it mixes grades 3 and 4
    expect(shortfalls.first).to_contain_text(grade4.name)
    expect(shortfalls.first).to_contain_text("13")

    # Fix it: a teacher and a room for the other group, and the duty leader of every day.
    principal.goto(f"{live_server.url}/groups/{grade4.public_id}/")
    assign(principal, second, room2)
    principal.goto(f"{live_server.url}/plans/{sched.plan.public_id}/scheduling/")
    duty = principal.locator("form[action$='/duty/']")
    duty.locator("select[name=role]").select_option("duty_leader")
    duty.locator("select[name=staff]").select_option(str(leader.pk))
    duty.locator("button[type=submit]").click()
    principal.wait_for_load_state("networkidle")
    expect(principal.locator("[data-testid=no-issues]")).to_be_visible()
    principal.locator("[data-testid=confirm]").click()
    principal.wait_for_load_state("networkidle")
    principal.locator("[data-testid=generate]").click()
    principal.wait_for_load_state("networkidle")
    assert Session.objects.filter(plan=sched.plan).exists()
    expect(principal.locator("[data-testid=week-link]")).to_be_visible()
    principal.context.close()

    # The care teacher, on a phone (the default context of ``page`` is 390 px wide).
    teacher = log_in("care-a1", PASSWORD)
    teacher.goto(f"{live_server.url}/teacher/timetable/")
    expect(teacher.locator("[data-testid=session]").first).to_be_visible()
    expect(teacher.locator("[data-testid=session]").first).to_contain_text(grade3.name)
    width = teacher.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
