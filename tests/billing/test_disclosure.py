"""The term-end disclosure (每学期末公示收支): drafted from the ledger alone, confirmed by the
parents' committee, published by the principal after a check against the ledger to the fen,
amended as new visible versions; the public page and PDF; the district's overview."""

import io
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase
from pypdf import PdfReader

from aftercare.errors import Conflict, NotAllowed
from aftercare.models import AuditEvent
from billing.models import (
    SPENDING_CATEGORIES,
    Category,
    Disclosure,
    DisclosureStatus,
    DisclosureVersion,
    JournalKind,
)
from billing.money import fmt
from billing.services import disclosure as disclosures
from tests.billing.disclosure_world import SPRING_LEDGER, build_disclosure_world, post

pytestmark = pytest.mark.django_db

AFTER = date(2026, 8, 1)  # the spring semester is over


@pytest.fixture
def dw(world):
    return build_disclosure_world(world)


def draft(dw):
    return disclosures.draft_disclosure(actor=dw.principal, school=dw.school, semester=dw.semester)


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_every_category_is_in_exactly_one_group():
    from billing.models import INCOME_CATEGORIES, REDUCTION_CATEGORIES
    from billing.models.ledger import ASSET_CATEGORIES

    groups = [INCOME_CATEGORIES, REDUCTION_CATEGORIES, SPENDING_CATEGORIES, ASSET_CATEGORIES]
    for category in Category:
        assert sum(category in g for g in groups) == 1, category


def test_the_draft_is_the_ledger(dw):
    version = disclosures.draft_disclosure(
        actor=dw.principal, school=dw.school, semester=dw.semester
    )
    assert version.fees_fen == 3_000_000
    assert version.reductions_fen == 60_000 + 45_000
    assert version.subsidy_fen == 500_000
    assert version.income_fen == 3_000_000 - 105_000 + 500_000
    assert version.spending_fen == 1_900_000 + 123_456
    assert version.balance_fen == version.income_fen - version.spending_fen
    assert version.carried_in_fen == 0
    # What is carried: the bank and what families still owe (double entry).
    assert version.figures["carried_cash_fen"] == 2_800_000 - 45_000 + 500_000 - 2_023_456
    assert version.figures["carried_receivable_fen"] == 3_000_000 - 60_000 - 2_800_000
    assert version.carried_out_fen == sum(
        version.figures[k] for k in ("carried_cash_fen", "carried_receivable_fen")
    )
    assert version.journals == len(SPRING_LEDGER)


def test_committee_confirms_principal_publishes_public_page_and_pdf(client, dw):
    version = disclosures.draft_disclosure(
        actor=dw.principal, school=dw.school, semester=dw.semester
    )
    # The reviewer reads the draft and confirms it through the page.
    client.force_login(dw.reviewer)
    page = client.get(reverse("billing_disclosure_version", args=[version.public_id]))
    assert page.status_code == 200 and fmt(version.income_fen) in page.content.decode()
    client.post(reverse("billing_disclosure_confirm", args=[version.public_id]), {"note": "已核对"})
    version.refresh_from_db()
    assert (version.status, version.reviewed_by, version.review_note) == (
        DisclosureStatus.REVIEWED,
        dw.reviewer,
        "已核对",
    )
    # The reviewer cannot publish.
    denied = client.post(reverse("billing_disclosure_publish", args=[version.public_id]))
    assert denied.status_code == 403
    client.force_login(dw.principal)
    client.post(reverse("billing_disclosure_publish", args=[version.public_id]))
    version.refresh_from_db()
    assert version.status == DisclosureStatus.PUBLISHED
    client.logout()
    public = client.get(reverse("billing_public_disclosure", args=[version.disclosure.public_id]))
    html = public.content.decode()
    assert public.status_code == 200
    assert fmt(version.carried_out_fen) in html and fmt(123_456) in html
    pdf = client.get(reverse("billing_public_disclosure_pdf", args=[version.public_id]))
    text = pdf_text(b"".join(pdf.streaming_content))
    assert "课后服务费收支公示" in text
    assert dw.school.name in text
    assert f"教师课后服务补助 {fmt(1_900_000)}" in text
    assert f"低值易耗品及材料 {fmt(123_456)}" in text
    assert f"收入合计 {fmt(version.income_fen)}" in text
    assert "家长委员会审核" in text


def test_publishing_an_unreviewed_draft_is_refused_and_writes_nothing(dw):
    version = disclosures.draft_disclosure(
        actor=dw.principal, school=dw.school, semester=dw.semester
    )
    events = AuditEvent.objects.count()
    with pytest.raises(disclosures.DisclosureRefused) as err:
        disclosures.publish_disclosure(actor=dw.principal, version=version, today=AFTER)
    assert err.value.code == "not_reviewed"
    version.refresh_from_db()
    assert version.status == DisclosureStatus.DRAFT and version.published_at is None
    assert AuditEvent.objects.count() == events


def test_a_ledger_that_moved_after_review_refuses_publication_naming_the_figure(dw):
    version = disclosures.draft_disclosure(
        actor=dw.principal, school=dw.school, semester=dw.semester
    )
    disclosures.review_disclosure(actor=dw.reviewer, version=version)
    post(
        dw.school,
        dw.semester,
        "test:late-expense",
        JournalKind.EXPENSE,
        [(Category.EXP_INSURANCE, 1), (Category.BANK, -1)],
    )
    with pytest.raises(disclosures.DisclosureRefused) as err:
        disclosures.publish_disclosure(actor=dw.principal, version=version, today=AFTER)
    assert err.value.code == "ledger_mismatch"
    assert "0.00" in str(err.value.message) and "0.01" in str(err.value.message)
    version.refresh_from_db()
    assert version.status == DisclosureStatus.REVIEWED
    # Refreshed from the ledger, it needs the committee again, then publishes.
    fresh = disclosures.draft_disclosure(actor=dw.principal, school=dw.school, semester=dw.semester)
    assert fresh.status == DisclosureStatus.DRAFT and fresh.spending_fen == version.spending_fen + 1
    disclosures.review_disclosure(actor=dw.reviewer, version=fresh)
    published = disclosures.publish_disclosure(actor=dw.principal, version=fresh, today=AFTER)
    assert published.status == DisclosureStatus.PUBLISHED


def test_amendments_are_new_visible_versions(client, dw):
    v1 = draft(dw)
    disclosures.review_disclosure(actor=dw.reviewer, version=v1)
    disclosures.publish_disclosure(actor=dw.principal, version=v1, today=AFTER)
    with pytest.raises(Conflict):  # a published version is never redrafted
        disclosures.draft_disclosure(actor=dw.principal, school=dw.school, semester=dw.semester)
    post(
        dw.school,
        dw.semester,
        "test:late-refund",
        JournalKind.REFUND,
        [(Category.REFUNDS, 10_000), (Category.BANK, -10_000)],
    )
    v2 = disclosures.amend_disclosure(
        actor=dw.principal, disclosure=v1.disclosure, reason="补记一笔退费"
    )
    disclosures.review_disclosure(actor=dw.reviewer, version=v2)
    disclosures.publish_disclosure(actor=dw.principal, version=v2, today=AFTER)
    html = client.get(
        reverse("billing_public_disclosure", args=[v1.disclosure.public_id])
    ).content.decode()
    assert html.count('data-testid="public-version"') == 2
    assert "补记一笔退费" in html
    assert fmt(v1.income_fen) in html and fmt(v2.income_fen) in html
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (trigger refuses)
        DisclosureVersion.objects.filter(pk=v1.pk).update(fees_fen=0, income_fen=0)


def test_the_committee_reads_its_schools_disclosure_only(client, world, dw):
    other = build_disclosure_world(world, "a2")
    theirs = disclosures.draft_disclosure(
        actor=other.principal, school=other.school, semester=other.semester
    )
    mine = draft(dw)
    client.force_login(dw.reviewer)
    assert (
        client.get(reverse("billing_disclosure_version", args=[mine.public_id])).status_code == 200
    )
    url = reverse("billing_disclosure_version", args=[theirs.public_id])
    assert client.get(url).status_code == 404
    assert (
        client.post(reverse("billing_disclosure_confirm", args=[theirs.public_id])).status_code
        == 404
    )
    assert (
        client.get(reverse("billing_disclosures", args=[other.school.public_id])).status_code == 404
    )
    # Nothing else of the school: not its fees, not its payout runs.
    assert client.get(reverse("billing_school", args=[dw.school.public_id])).status_code == 404
    assert client.get(reverse("billing_payouts", args=[dw.school.public_id])).status_code == 404
    with pytest.raises(NotAllowed):  # and the principal does not confirm their own
        disclosures.review_disclosure(actor=dw.principal, version=mine)


def test_a_principal_names_a_reviewer_by_mobile(client, dw):
    from tests.factories import UserFactory

    parent = UserFactory(username="dad", mobile="13912345678")
    client.force_login(dw.principal)
    url = reverse("billing_disclosure_reviewer", args=[dw.school.public_id])
    client.post(url, {"mobile": "13912345678"})
    assert parent.memberships.filter(role="parent_committee", school=dw.school).exists()
    response = client.post(url, {"mobile": "13900000000"}, follow=True)
    assert "13900000000" in response.content.decode()


def test_the_calendar_drafts_each_school_once_and_the_district_sees_late_and_missing(
    client, world, dw
):
    drafted = disclosures.draft_due_disclosures(today=AFTER)
    assert drafted == 2  # schools a1 and a2 of district a (spring has ended)
    assert disclosures.draft_due_disclosures(today=AFTER) == 0
    v = DisclosureVersion.objects.get(school=dw.school)
    assert v.income_fen == 3_000_000 - 105_000 + 500_000
    d = Disclosure.objects.get(school=dw.school)
    late_day = d.due_date + timedelta(days=1)
    states = {
        s.school.pk: s
        for s in disclosures.disclosure_status(world.a, semester=dw.semester, today=late_day)
    }
    assert states[dw.school.pk].late and states[dw.school.pk].status == "draft"
    client.force_login(dw.official)
    page = client.get(
        reverse("billing_district_disclosures") + f"?semester={dw.semester.public_id}"
    )
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="disclosure-state"') == 2


# --------------------------------------------------------------------------- reconciliation

AMOUNTS = st.integers(min_value=1, max_value=50_000_000)
MOVES = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), AMOUNTS),
        st.tuples(st.just("exempt"), AMOUNTS),
        st.tuples(st.just("pay"), AMOUNTS),
        st.tuples(st.just("refund"), AMOUNTS),
        st.tuples(st.just("subsidy"), AMOUNTS),
        st.tuples(st.sampled_from([str(c) for c in SPENDING_CATEGORIES]), AMOUNTS),
    ),
    min_size=0,
    max_size=25,
)


def _lines(kind: str, fen: int):
    C = Category
    return {
        "charge": (JournalKind.CHARGE, [(C.RECEIVABLE, fen), (C.FEE_INCOME, -fen)]),
        "exempt": (JournalKind.CHARGE, [(C.EXEMPTIONS, fen), (C.RECEIVABLE, -fen)]),
        "pay": (JournalKind.PAYMENT, [(C.BANK, fen), (C.RECEIVABLE, -fen)]),
        "refund": (JournalKind.REFUND, [(C.REFUNDS, fen), (C.BANK, -fen)]),
        "subsidy": (JournalKind.SUBSIDY, [(C.BANK, fen), (C.SUBSIDY_INCOME, -fen)]),
    }.get(kind) or (JournalKind.EXPENSE, [(kind, fen), (C.BANK, -fen)])


class TestRandomLedgersReconcile(HypothesisTestCase):
    """Random ledgers of two semesters (an earlier one carried in): the published figures
    equal the ledger to the fen, and income − spending + carried in = carried out."""

    @classmethod
    def setUpTestData(cls):
        from tests.conftest import build_world

        cls.world = build_world()

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(earlier=MOVES, moves=MOVES)
    def test_published_totals_reconcile(self, earlier, moves):
        from aftercare.models import Semester

        dw = build_disclosure_world(self.world)
        before = Semester.objects.create(
            district=dw.school.district,
            name="2025学年第一学期",
            start_date=date(2025, 9, 1),
            end_date=date(2026, 1, 20),
        )
        expected = {str(c): 0 for c in Category}
        for _k, _kind, lines in SPRING_LEDGER:
            for c, fen in lines:
                expected[str(c)] += fen
        for i, (kind, fen) in enumerate(earlier):
            journal_kind, lines = _lines(kind, fen)
            post(dw.school, before, f"h:e{i}", journal_kind, lines)
        for i, (kind, fen) in enumerate(moves):
            journal_kind, lines = _lines(kind, fen)
            post(dw.school, dw.semester, f"h:m{i}", journal_kind, lines)
            for c, amount in lines:
                expected[str(c)] += amount
        version = disclosures.draft_disclosure(
            actor=dw.principal, school=dw.school, semester=dw.semester
        )
        disclosures.review_disclosure(actor=dw.reviewer, version=version)
        published = disclosures.publish_disclosure(actor=dw.principal, version=version, today=AFTER)
        assert published.figures["categories"] == expected
        income = -expected["fee_income"] - expected["exemptions"] - expected["refunds"]
        income += -expected["subsidy_income"]
        spending = sum(expected[str(c)] for c in SPENDING_CATEGORIES)
        carried_in = 0
        for kind, fen in earlier:
            _k, lines = _lines(kind, fen)
            carried_in += sum(
                a for c, a in lines if c in ("receivable", "bank", "gateway_clearing")
            )
        assert (published.income_fen, published.spending_fen) == (income, spending)
        assert published.carried_in_fen == carried_in
        assert published.carried_out_fen == carried_in + income - spending
        assert (
            disclosures.differences(
                published, disclosures.ledger_figures(school=dw.school, semester=dw.semester)
            )
            == []
        )
