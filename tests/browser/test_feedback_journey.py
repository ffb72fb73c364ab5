"""The families' voice in a browser (Playwright, Debian's Chromium): a parent files a complaint
on a 390 px phone and later reads the school's answer; a parent answers the service evaluation
on a phone; a district official opens the results chart. Screenshots go to the test's
tmp_path (looked at while writing the test)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import Complaint, EvaluationReceipt
from feedback.services import complaints as services
from tests.attendance.world import at, build_daily
from tests.factories import PASSWORD
from tests.feedback.evaluation_world import answer, open_default

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def patient():
    expect.set_options(timeout=20_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: at(18, 0))


def _tap_target(locator):
    box = locator.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44, box


def test_a_parent_files_a_complaint_on_a_phone_and_reads_the_answer(
    bworld, frozen, log_in, live_server, page, tmp_path
):
    daily = build_daily(bworld, "a1", children=2)
    child = daily.children[0]
    parent = daily.parents[child.pk]
    log_in(parent.mobile, PASSWORD)
    page.goto(f"{live_server.url}/family/complaints/new/")
    page.locator("input[name=category][value=safety]").check()
    page.locator("#id_description").fill("放学时老师提前离开，孩子们在操场无人看管。")
    page.screenshot(path=str(tmp_path / "complaint-form.png"), full_page=True)
    send = page.get_by_test_id("send")
    _tap_target(send)
    send.click()
    expect(page.get_by_test_id("status")).to_be_visible()
    complaint = Complaint.objects.get()
    assert (complaint.filed_by, complaint.student, complaint.category) == (parent, child, "safety")

    # the school answers (its own pages are covered elsewhere)
    principal = bworld.users["principal_a1"]
    services.acknowledge_complaint(actor=principal, complaint=complaint, note="已收到，正在核实")
    services.close_complaint(
        actor=principal,
        complaint=complaint,
        outcome="verified",
        findings="经查属实，已调整看护排班并对老师批评教育。",
    )
    page.reload()
    expect(page.get_by_test_id("findings")).to_contain_text("已调整看护排班")
    expect(page.get_by_test_id("event-acknowledged")).to_be_visible()
    page.screenshot(path=str(tmp_path / "complaint-answered.png"), full_page=True)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1


def test_a_parent_answers_an_evaluation_on_a_phone(
    bworld, frozen, log_in, live_server, page, tmp_path
):
    daily = build_daily(bworld, "a1", children=1)
    evaluation = open_default(daily)
    child = daily.children[0]
    log_in(daily.parents[child.pk].mobile, PASSWORD)
    page.goto(f"{live_server.url}/evaluations/{evaluation.public_id}/answer/{child.public_id}/")
    questions = page.get_by_test_id("question")
    expect(questions.first).to_be_visible()
    for i in range(questions.count()):
        radios = questions.nth(i).locator("input[type=radio]")
        if radios.count():
            radios.nth(3).check()  # 满意
    page.screenshot(path=str(tmp_path / "evaluation-form.png"), full_page=True)
    submit = page.get_by_test_id("submit")
    _tap_target(submit)
    submit.click()
    page.wait_for_url(f"{live_server.url}/family/feedback/")
    assert EvaluationReceipt.objects.filter(evaluation=evaluation, student=child).count() == 1
    # a second visit says it is done and offers no form
    page.goto(f"{live_server.url}/evaluations/{evaluation.public_id}/answer/{child.public_id}/")
    expect(page.get_by_test_id("answered")).to_be_visible()
    expect(page.get_by_test_id("answer-form")).to_have_count(0)


def test_an_official_opens_the_results_chart(bworld, frozen, log_in, live_server, page, tmp_path):
    daily = build_daily(bworld, "a1", children=5)
    evaluation = open_default(daily, min_answers=3)
    for i, child in enumerate(daily.children):
        answer(daily, evaluation, child, 2 + i % 4, text=f"意见{i}")
    log_in(bworld.users["official_a"].username, PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/evaluations/{evaluation.public_id}/")
    chart = page.get_by_test_id("results-chart")
    expect(chart.locator("svg").first).to_be_visible()
    expect(page.get_by_test_id("rate")).not_to_have_text("")
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    assert download.value.suggested_filename.endswith(".xlsx")
