"""Daily operation on a 390 px phone (Playwright, Debian's Chromium).

* A homeroom teacher takes the roll of a class of 40 with two children on approved leave:
  "all present", one child absent, submit; then fixes that mark. Then the network drops:
  the next change is kept on the phone and sent by itself when the connection is back.
* A parent requests leave; the teacher approves it on their phone; the parent sees it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.models import AuditEvent
from attendance.models import AttendanceMark, LeaveRequest, LeaveStatus, MarkStatus
from scheduling.models import Assignment, DutyRole
from tests.attendance.world import DAY, at, build_daily
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient():
    """The whole suite runs on two busy cores: give each step more than the default 5 s."""
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def frozen(monkeypatch):
    """Four in the afternoon of ``DAY`` for the app (the live server runs in this process)."""
    monkeypatch.setattr(timezone, "now", lambda: at(16, 0))


def statuses(session):
    return dict(AttendanceMark.objects.filter(session=session).values_list("student", "status"))


def row_of(page, child):
    """The child's row by id (names are random and may repeat or contain one another)."""
    return page.locator(f'[data-testid=roll-row][data-student="{child.public_id}"]')


def test_homeroom_teacher_takes_the_roll_of_40_on_a_phone(bworld, frozen, log_in, live_server):
    daily = build_daily(bworld, "a1", children=39)
    teacher = bworld.users["teacher_a1"]
    Assignment.objects.create(
        district=daily.school.district,
        school=daily.school,
        plan=daily.plan,
        weekday=DAY.weekday(),
        role=DutyRole.TEACHER,
        staff=daily.staff["teacher"],
        group=daily.group,
        created_by=daily.user("principal"),
    )
    on_leave = daily.children[5:7]
    for child in on_leave:
        LeaveRequest.objects.create(
            district=daily.school.district,
            school=daily.school,
            student=child,
            start_date=DAY,
            end_date=DAY,
            reason="sick",
            status=LeaveStatus.APPROVED,
            requested_by=daily.parents[child.pk],
            requested_at=at(7),
            decided_by=teacher,
            decided_at=at(8),
        )
    absent, fixed = daily.children[12], daily.children[12]

    page = log_in("teacher-a1", PASSWORD)
    page.get_by_test_id(f"session-{daily.group.name}").first.click()
    rows = page.get_by_test_id("roll-row")
    expect(rows).to_have_count(40)
    expect(page.locator("#roll-form[data-enhanced]")).to_have_count(1)  # the script is on
    for child in on_leave:
        row = row_of(page, child)
        expect(row.locator("input[value=leave]")).to_be_checked()
    page.locator("[data-all-present]").click()
    expect(page.locator("[data-count=present]")).to_have_text("38")
    expect(page.locator("[data-count=leave]")).to_have_text("2")
    row = row_of(page, absent)
    row.locator("label.s-absent").click()
    expect(page.locator("[data-count=absent]")).to_have_text("1")
    page.locator("[data-submit]").click()
    expect(page.locator("[data-sync]")).to_have_class("sync ok")
    marks = statuses(daily.today)
    assert len(marks) == 40
    assert marks[absent.pk] == MarkStatus.ABSENT
    assert {marks[c.pk] for c in on_leave} == {MarkStatus.LEAVE}
    assert sum(1 for s in marks.values() if s == MarkStatus.PRESENT) == 37
    # Four taps for forty children: the group, "all present", one absence, submit.

    # The child was only late: fix the mark.
    row_of(page, fixed).locator("label.s-late").click()
    page.locator("[data-submit]").click()
    expect(page.locator("[data-sync]")).to_have_class("sync ok")
    mark = AttendanceMark.objects.get(session=daily.today, student=fixed)
    assert (mark.status, mark.revision) == (MarkStatus.LATE, 1)
    assert AuditEvent.objects.filter(action="roll.corrected").count() == 1

    # The network drops: the change stays on the phone and goes out when it is back.
    page.context.set_offline(True)
    other = daily.children[20]
    row_of(page, other).locator("label.s-absent").click()
    page.locator("[data-submit]").click()
    expect(page.locator("[data-sync]")).to_have_class("sync pending")
    stored = page.evaluate(f"localStorage.getItem('aftercare:roll:{daily.today.public_id}')")
    assert stored and '"pending":true' in stored
    assert statuses(daily.today)[other.pk] == MarkStatus.PRESENT
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("[data-sync]")).to_have_class("sync ok")
    assert statuses(daily.today)[other.pk] == MarkStatus.ABSENT
    assert page.evaluate(f"localStorage.getItem('aftercare:roll:{daily.today.public_id}')") is None

    # Reloaded, the page shows what the server has.
    page.reload()
    expect(page.locator("#roll-form[data-enhanced]")).to_have_count(1)
    expect(row_of(page, other).locator("input[value=absent]")).to_be_checked()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]


def test_parent_requests_leave_and_sees_it_approved(bworld, frozen, log_in, live_server, browser):
    daily = build_daily(bworld, "a1", children=2)
    child = daily.children[1]
    parent = daily.parents[child.pk]

    page = log_in(parent.mobile, PASSWORD)
    page.goto(f"{live_server.url}/family/leave/")
    page.locator("select[name=student]").select_option(str(child.public_id))
    page.locator("input[name=start_date]").fill(str(DAY + timedelta(days=1)))
    page.locator("input[name=end_date]").fill(str(DAY + timedelta(days=2)))
    page.locator("input[name=reason][value=sick]").check()
    page.locator("input[name=note]").fill("发烧，在家休息两天")
    page.locator("form button.primary").click()
    expect(page.get_by_test_id("leave-pending")).to_have_count(1)
    leave = LeaveRequest.objects.get()
    assert (leave.start_date, leave.end_date) == (DAY + timedelta(days=1), DAY + timedelta(days=2))

    # The homeroom teacher approves it on their phone.
    teacher_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    tpage = teacher_context.new_page()
    tpage.goto(f"{live_server.url}/accounts/login/")
    tpage.locator("input[name=username]").fill("teacher-a1")
    tpage.locator("input[name=password]").fill(PASSWORD)
    tpage.locator("main form button[type=submit], main form button").first.click()
    tpage.wait_for_load_state("networkidle")
    tpage.goto(f"{live_server.url}/attendance/leave/")
    card = tpage.get_by_test_id("pending-leave").filter(has_text=child.name)
    expect(card).to_contain_text("发烧")
    card.locator("button.primary").click()
    expect(tpage.get_by_test_id("pending-leave")).to_have_count(0)
    teacher_context.close()

    page.reload()
    expect(page.get_by_test_id("leave-approved")).to_have_count(1)
    page.goto(f"{live_server.url}/inbox/")
    expect(page.locator("main")).to_contain_text(child.name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"]
