"""Safety on a 390 px phone (Playwright, Debian's Chromium): the care teacher sees the
allergy alert on the roll, opens the child's notes (audited), records an incident; the
parent acknowledges it from the inbox link on their phone."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.models import AuditEvent
from safety.models import ConsentDecision, Incident
from safety.services.consent import decide_consent, publish_notice
from safety.services.profiles import save_profile
from tests.attendance.world import at, build_daily
from tests.factories import PASSWORD, ParentUserFactory

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(16, 0))


def test_teacher_sees_alert_records_incident_parent_acknowledges(
    bworld, frozen, log_in, live_server, page, tmp_path
):
    daily = build_daily(bworld, "a1", children=3)
    child, parent = bworld.students["a1"], bworld.users["parent_a1"]
    publish_notice(
        actor=bworld.users["official_a"],
        district=bworld.a,
        purposes="课后服务",
        data_kept="姓名、过敏",
        storage_location="境内",
        retention="三年",
        responsible_contact="王老师",
    )
    decide_consent(
        actor=parent, student=child, decisions={"service": True, "medical": True, "photos": True}
    )
    save_profile(
        actor=parent,
        student=child,
        contacts=[
            {"name": "张妈妈", "relation": "母亲", "mobile": "13900000011"},
            {"name": "张爷爷", "relation": "祖父", "mobile": "13900000012"},
        ],
        allergies="花生过敏",
        what_to_do="立即拨打120并联系家长",
    )

    log_in(daily.user("care").username, PASSWORD)
    page.goto(f"{live_server.url}/attendance/sessions/{daily.today.public_id}/roll/")
    alerts = page.get_by_test_id("safety-alert")
    expect(alerts).to_have_count(1)
    box = alerts.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    page.screenshot(path=str(tmp_path / "roll.png"), full_page=True)
    alerts.click()
    expect(page.get_by_test_id("medical-notes")).to_contain_text("花生过敏")
    assert AuditEvent.objects.filter(action="safety.medical_viewed").count() == 1

    page.get_by_test_id("record-incident").click()
    page.locator("input[name=kind][value=injury]").check()
    page.locator("#id_place").fill("操场")
    page.locator("#id_description").fill("跑步时摔倒，膝盖擦伤")
    page.locator("#id_action_taken").fill("消毒包扎，已电话告知家长")
    page.screenshot(path=str(tmp_path / "incident.png"), full_page=True)
    page.get_by_test_id("save-incident").click()
    expect(page.get_by_test_id("ack-state")).to_have_attribute("data-acknowledged", "0")
    incident = Incident.objects.get()

    # before the guardian acknowledges, the recorder corrects the report on the phone
    page.get_by_test_id("correct-incident").click()
    expect(page.locator("#id_place")).to_have_value("操场")
    page.locator("#id_place").fill("操场东侧跑道")
    no_sideways_scroll(page)
    save = page.get_by_test_id("save-correction")
    assert save.bounding_box()["height"] >= 44
    page.screenshot(path=str(shots(tmp_path) / "incident-correct.png"), full_page=True)
    save.click()
    expect(page.get_by_test_id("incident")).to_contain_text("操场东侧跑道")

    page.context.clear_cookies()
    log_in(parent.mobile, PASSWORD)
    page.goto(f"{live_server.url}/family/safety/")
    page.get_by_test_id("incident-to-ack").click()
    page.get_by_test_id("acknowledge").click()
    expect(page.get_by_test_id("ack-state")).to_have_attribute("data-acknowledged", "1")
    page.screenshot(path=str(tmp_path / "ack.png"), full_page=True)
    incident.refresh_from_db()
    assert incident.acknowledged_by == parent
    assert incident.place == "操场东侧跑道"
    # acknowledged: the recorder no longer sees the way to correct it
    page.context.clear_cookies()
    log_in(daily.user("care").username, PASSWORD)
    page.goto(f"{live_server.url}/safety/incidents/{incident.public_id}/")
    expect(page.get_by_test_id("ack-state")).to_have_attribute("data-acknowledged", "1")
    expect(page.get_by_test_id("correct-incident")).to_have_count(0)


def shots(tmp_path):
    """Where screenshots go (SHOTS_DIR to keep them for a look)."""
    path = Path(os.environ.get("SHOTS_DIR") or tmp_path)
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"sideways scroll: {width} px"


def test_parent_binds_a_child_and_consents_in_the_same_flow(
    bworld, log_in, live_server, page, tmp_path
):
    publish_notice(
        actor=bworld.users["official_a"],
        district=bworld.a,
        purposes="课后服务的组织与安全",
        data_kept="姓名、考勤、过敏信息",
        storage_location="区教育局政务云（境内）",
        retention="毕业后三年",
        responsible_contact="区教育局 王老师 010-12345678",
    )
    parent = ParentUserFactory(full_name="周建国")
    student = bworld.students["a1"]
    type(student).objects.filter(pk=student.pk).update(guardian_mobile=parent.mobile)
    log_in(parent.mobile, PASSWORD)
    page.goto(f"{live_server.url}/family/children/add/")
    page.locator("#id_student_number").fill(student.student_number)
    page.locator("#id_student_name").fill(student.name)
    page.locator("input[name=relation][value=mother]").check()
    page.locator("form:has(#id_student_number) button[type=submit]").click()
    expect(page.get_by_test_id("binding-step")).to_be_visible()
    expect(page.get_by_test_id("notice")).to_contain_text("毕业后三年")
    page.locator("#id_service").check()
    page.locator("#id_medical").check()
    no_sideways_scroll(page)
    page.screenshot(path=str(shots(tmp_path) / "consent-binding.png"), full_page=True)
    save = page.get_by_test_id("save-consent")
    assert save.bounding_box()["height"] >= 44
    save.click()
    page.wait_for_url(f"{live_server.url}/family/")
    granted = dict(
        ConsentDecision.objects.filter(student=student, guardian=parent).values_list(
            "purpose", "granted"
        )
    )
    assert granted == {"service": True, "medical": True, "photos": False}
