"""A parent the roster does not know binds a child: the binding waits, the child stays
hidden, the existing guardian is told; the principal confirms it on the roster page (on a
phone) and the child appears."""

import pytest
from playwright.sync_api import expect

from aftercare.models import Notification
from enrollment.models import BindingRequest, Guardianship
from tests.factories import PASSWORD, ParentUserFactory

pytestmark = pytest.mark.browser


def test_a_pending_binding_is_confirmed_on_the_roster_page(bworld, page, live_server, log_in):
    student = bworld.students["a1"]
    stranger = ParentUserFactory(full_name="赵敏")  # not the roster's guardian mobile
    log_in(stranger.mobile, PASSWORD)
    page.goto(f"{live_server.url}/family/children/add/")
    page.get_by_label("学籍号").fill(student.student_number)
    page.get_by_label("孩子姓名").fill(student.name)
    page.get_by_label("母亲").check()
    page.get_by_role("button", name="绑定").click()
    expect(page.get_by_role("status")).to_contain_text(student.name)
    expect(page.get_by_test_id("child")).to_have_count(0)
    assert BindingRequest.objects.get().status == "pending"
    assert not Guardianship.objects.filter(user=stranger).exists()
    assert Notification.objects.filter(recipient=bworld.users["parent_a1"]).exists()

    page.context.clear_cookies()
    log_in("principal-a1", PASSWORD)
    page.goto(f"{live_server.url}/school/{bworld.schools['a1'].public_id}/roster/")
    queue = page.get_by_test_id("binding-queue")
    expect(queue.get_by_test_id("binding")).to_have_count(1)
    expect(queue).to_contain_text(stranger.mobile[-4:])
    queue.get_by_test_id("binding-refuse").click()
    expect(page.get_by_role("alert")).to_be_visible()  # a reason is needed
    page.get_by_test_id("binding-queue").get_by_test_id("binding-approve").click()
    expect(page.get_by_role("status")).to_contain_text(student.name)
    expect(page.get_by_test_id("binding-queue").get_by_test_id("binding")).to_have_count(0)
    assert Guardianship.objects.filter(user=stranger, student=student).exists()

    page.context.clear_cookies()
    log_in(stranger.mobile, PASSWORD)
    page.goto(f"{live_server.url}/family/")
    expect(page.get_by_test_id("child")).to_contain_text(student.name)
