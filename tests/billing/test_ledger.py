"""The ledger: append-only, double-entry and ring-fenced in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Category, Journal, JournalKind, JournalLine
from billing.money import capitals
from billing.services import ledger

pytestmark = pytest.mark.django_db


def _unbalanced_journals() -> list:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT journal_id FROM billing_journalline GROUP BY journal_id "
            "HAVING SUM(amount_fen) <> 0"
        )
        return cur.fetchall()


def _post(school, *movements):
    return ledger.post(district_id=school.district_id, school_id=school.pk, movements=movements)


def test_a_charge_posts_balanced_lines(world):
    school = world.schools["a1"]
    assert _post(school, ledger.Movement("charge", "c1", ledger.charge_lines(30000, 15000))) == 1
    bal = ledger.balances(school_id=school.pk, district_id=school.district_id)
    assert bal[Category.FEE_INCOME] == -30000
    assert bal[Category.RECEIVABLE] == 15000
    assert bal[Category.EXEMPTIONS] == 15000
    summary = ledger.summary(bal)
    assert summary["net_income"] == 15000 and summary["receivable"] == 15000


def test_same_key_posts_nothing_the_second_time(world):
    school = world.schools["a1"]
    m = ledger.Movement("payment", "p1", ledger.payment_lines(5000))
    assert _post(school, m) == 1
    assert _post(school, m) == 0
    assert JournalLine.objects.filter(school=school).count() == 2


def test_database_refuses_an_unbalanced_journal(world):
    school = world.schools["a1"]
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic():
        _post(school, ledger.Movement("charge", "bad", [(Category.RECEIVABLE, 100)]))
    assert not Journal.objects.filter(key="bad").exists()


def test_database_refuses_lines_in_another_schools_fund(world):
    a1, a2 = world.schools["a1"], world.schools["a2"]
    journal = Journal.objects.create(
        district=a1.district, school=a1, semester=world.semesters["a"], kind="charge", key="x"
    )
    with pytest.raises(DatabaseError, match="outside its school"), transaction.atomic():
        JournalLine.objects.bulk_create(
            [
                JournalLine(
                    district=a2.district,
                    school=a2,
                    journal=journal,
                    category="receivable",
                    amount_fen=100,
                ),
                JournalLine(
                    district=a2.district,
                    school=a2,
                    journal=journal,
                    category="fee_income",
                    amount_fen=-100,
                ),
            ]
        )


def test_database_refuses_update_and_delete(world):
    school = world.schools["a1"]
    _post(school, ledger.Movement("charge", "c", ledger.charge_lines(100, 0)))
    for sql in (
        "UPDATE billing_journalline SET amount_fen = amount_fen * 2",
        "DELETE FROM billing_journalline",
        "UPDATE billing_journal SET memo = 'x'",
        "DELETE FROM billing_journal",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql)


MOVE = st.one_of(
    st.tuples(st.just("charge"), st.integers(1, 10**7), st.integers(0, 100), st.sampled_from("ab")),
    st.tuples(st.just("payment"), st.integers(1, 10**7), st.just(0), st.sampled_from("ab")),
    st.tuples(st.just("refund"), st.integers(1, 10**7), st.just(0), st.sampled_from("ab")),
    st.tuples(
        st.just("reversal"), st.integers(1, 10**7), st.integers(0, 100), st.sampled_from("ab")
    ),
    st.tuples(st.just("bad"), st.integers(1, 10**7), st.just(0), st.sampled_from("ab")),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(MOVE, min_size=1, max_size=25), replay=st.booleans())
def test_random_movements_keep_every_journal_balanced_and_balances_the_sum(world, moves, replay):
    """Property: whatever sequence of movements (some replayed, some deliberately unbalanced
    and refused), every journal balances and each school's balances move by exactly the sum
    of the accepted movements — never across schools."""
    schools = {"a": world.schools["a1"], "b": world.schools["a2"]}
    before = {
        k: ledger.balances(school_id=s.pk, district_id=s.district_id) for k, s in schools.items()
    }
    expected = {k: dict(v) for k, v in before.items()}
    start = Journal.objects.count()
    for i, (kind, amount, percent, where) in enumerate(moves):
        school = schools[where]
        key = f"{kind}-{i}-{Journal.objects.count()}"
        if kind == "charge":
            lines = ledger.charge_lines(amount, amount * percent // 100)
        elif kind == "reversal":
            lines = ledger.reversal_lines(amount, amount * percent // 100)
        elif kind == "payment":
            lines = ledger.payment_lines(amount)
        elif kind == "refund":
            lines = ledger.refund_lines(amount)
        else:
            lines = [(Category.RECEIVABLE, amount), (Category.FEE_INCOME, -amount + 1)]
        movement = ledger.Movement(JournalKind.CHARGE, key, lines)
        if kind == "bad":
            with pytest.raises(DatabaseError), transaction.atomic():
                _post(school, movement)
            continue
        assert _post(school, movement) == 1
        if replay:
            assert _post(school, movement) == 0
        for category, fen in lines:
            expected[where][category] += fen
    assert not _unbalanced_journals()
    for k, s in schools.items():
        assert ledger.balances(school_id=s.pk, district_id=s.district_id) == expected[k]
        assert sum(expected[k].values()) == 0  # the fund as a whole balances
    accepted = sum(1 for m in moves if m[0] != "bad")
    assert Journal.objects.count() - start == accepted


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "零元整"),
        (35000, "叁佰伍拾元整"),
        (100005, "壹仟元零伍分"),
        (12345, "壹佰贰拾叁元肆角伍分"),
        (100000000, "壹佰万元整"),
        (1000100, "壹万零壹元整"),
    ],
)
def test_receipt_amount_in_capitals(fen, text):
    assert capitals(fen) == text
