"""The annual assessment (绩效评估): each criterion's score computed from its facts, as a table;
then the sheet's life — drafted with weights, computed, completed by the inspector, published
with ranks, frozen — and who sees which school's sheet."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import Notification, Role
from feedback.models import Complaint
from feedback.selectors.evaluations import EvaluationScore
from reporting.compliance import RULES
from reporting.models import Alert, CriterionScore, ParticipationClass, SchoolDay, ScoreSheet
from reporting.selectors import assessment as selectors
from reporting.services import assessment as services
from tests.factories import SchoolFactory, UserFactory, member
from tests.reporting.assessment_routes import foreign_assessment_routes
from tests.reporting.compliance_world import build_compliance
from tests.test_tenancy_intra import SCHOOL_USERS, _assert_404, _request, neighbour_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(world):
    return build_compliance(world)


@pytest.fixture
def inspector(world):
    return member(UserFactory(username="inspector-a"), Role.INSPECTOR, district=world.a)


def _year(c) -> int:
    start = c.semester.start_date
    return start.year if start.month >= 8 else start.year - 1


# --------------------------------------------------------------------------- the facts


def _rollup(c, model, **kw):
    return model.objects.create(
        district=c.district, school=c.school, refreshed_at=timezone.now(), **kw
    )


def coverage_case(c, monkeypatch):
    _rollup(
        c,
        ParticipationClass,
        semester=c.semester,
        school_class=c.world.classes["a1"],
        grade=3,
        enrolled=40,
        participants=30,
    )


def participation_case(c, monkeypatch):
    day = c.semester.start_date + timedelta(days=1)
    _rollup(c, SchoolDay, date=day, marks=60, present=50, late=4, leave=6)
    _rollup(c, SchoolDay, date=day + timedelta(days=1), marks=40, present=30, late=1, leave=4)


def _alert(c, rule, n):
    now = timezone.now()
    return Alert.objects.create(
        district=c.district,
        school=c.school,
        semester=c.semester,
        rule=rule,
        key=f"{rule}:{n}",
        subject_type="school",
        subject_id=str(c.school.public_id),
        subject_label=c.school.name,
        message=f"{rule} {n}",
        params={"school": c.school.pk},
        first_seen_at=now,
        last_seen_at=now,
        state_changed_at=now,
    )


def alerts_case(c, monkeypatch):
    assert RULES["fees_before_publication"].severity == "high"
    assert RULES["refund_overdue"].severity == "medium"
    _alert(c, "fees_before_publication", 1)
    _alert(c, "refund_overdue", 2)
    resolved = _alert(c, "refund_overdue", 3)
    Alert.objects.filter(pk=resolved.pk).update(
        state="resolved", resolved_at=timezone.now()
    )  # it was raised all the same


def _complaint(c, **kw):
    now = timezone.now()
    fields = {
        "district": c.district,
        "school": c.school,
        "semester": c.semester,
        "channel": "family",
        "student": c.world.students["a1"],
        "filed_by": c.world.users["parent_a1"],
        "category": "teacher",
        "incident_date": timezone.localdate(now),
        "description": "x",
        "submitted_at": now - timedelta(days=3),
        "ack_due_at": now + timedelta(days=1),
        "resolve_due_at": now + timedelta(days=7),
    }
    fields.update(kw)
    return Complaint.objects.create(**fields)


def complaints_case(c, monkeypatch):
    now = timezone.now()
    closed = {"status": "closed", "closed_at": now, "findings": "查明"}
    _complaint(c, outcome="verified", verified_at=now, **closed)  # -20
    _complaint(c, outcome="not_verified", missed_deadline=True, **closed)  # -10
    _complaint(c, ack_due_at=now - timedelta(minutes=1))  # open past its deadline: -10
    _complaint(c, outcome="not_verified", **closed)  # answered in time: nothing


def evaluation_case(c, monkeypatch):
    score = EvaluationScore(
        c.school.pk, invited=20, answered=12, sheets=12, scored=96, score_sum=400
    )
    score.satisfied_answers = 72
    monkeypatch.setattr(
        selectors,
        "evaluation_scores",
        lambda *, district, semester: {c.school.pk: score} if semester == c.semester else {},
    )


def evaluation_too_few_case(c, monkeypatch):
    score = EvaluationScore(c.school.pk, invited=20, answered=4, sheets=4, scored=32)
    score.satisfied_answers = 32
    monkeypatch.setattr(
        selectors,
        "evaluation_scores",
        lambda *, district, semester: {c.school.pk: score} if semester == c.semester else {},
    )


def _disclosed(c, monkeypatch, at):
    due = timezone.localdate() - timedelta(days=1)
    rule = RULES["disclosure_late"]
    monkeypatch.setattr(rule, "published_at", lambda district, semester: {c.school.pk: (at, due)})


def disclosure_on_time_case(c, monkeypatch):
    _disclosed(c, monkeypatch, timezone.now() - timedelta(days=3))


def disclosure_late_case(c, monkeypatch):
    _disclosed(c, monkeypatch, timezone.now())


def disclosure_missing_case(c, monkeypatch):
    _disclosed(c, monkeypatch, None)


def disclosure_not_due_case(c, monkeypatch):
    rule = RULES["disclosure_late"]
    monkeypatch.setattr(rule, "published_at", lambda district, semester: {})


# criterion, case, a1's score (a2 with no facts: its own expectation), the figure shown
TABLE = [
    ("coverage", coverage_case, Decimal("75.0"), None, "30 / 40"),
    # (50 + 4 + 30 + 1) / (60 − 6 + 40 − 4) = 85 / 90
    ("participation", participation_case, Decimal("94.4"), None, "85 / 90"),
    ("alerts", alerts_case, Decimal("60.0"), Decimal("100.0"), ""),
    ("complaints", complaints_case, Decimal("60.0"), Decimal("100.0"), ""),
    ("evaluation", evaluation_case, Decimal("75.0"), None, "72 / 96"),
    ("evaluation", evaluation_too_few_case, None, None, ""),
    ("disclosure", disclosure_on_time_case, Decimal("100.0"), None, ""),
    ("disclosure", disclosure_late_case, Decimal("50.0"), None, ""),
    ("disclosure", disclosure_missing_case, Decimal("0.0"), None, ""),
    ("disclosure", disclosure_not_due_case, None, None, ""),
    ("inspection", coverage_case, None, None, ""),
]


@pytest.mark.parametrize(
    ("criterion", "case", "a1", "a2", "figure"),
    TABLE,
    ids=[f"{row[0]}-{row[1].__name__}" for row in TABLE],
)
def test_score_computation(c, monkeypatch, criterion, case, a1, a2, figure):
    case(c, monkeypatch)
    a1_id, a2_id = c.school.pk, c.world.schools["a2"].pk
    result = selectors.compute(c.district, _year(c), [a1_id, a2_id])[criterion]
    assert result[a1_id].score == a1, result[a1_id]
    assert result[a2_id].score == a2, result[a2_id]
    if figure:
        assert result[a1_id].value == figure
    if a1 is not None and criterion != "inspection" and a1 != Decimal("100.0"):
        assert result[a1_id].rows, "a computed score shows the rows behind it"


def test_points_and_ranks():
    assert selectors.points(15, Decimal("75.0")) == Decimal("11.25")
    assert selectors.points(15, None) is None
    assert selectors.ranks({1: Decimal(80), 2: Decimal(90), 3: Decimal(80), 4: Decimal(70)}) == {
        1: 2,
        2: 1,
        3: 2,
        4: 4,
    }


def test_complaint_evidence_never_names_the_family(c, monkeypatch):
    complaints_case(c, monkeypatch)
    rows = selectors.compute(c.district, _year(c), [c.school.pk])["complaints"][c.school.pk].rows
    flat = " ".join(str(cell) for row in rows for cell in row)
    assert c.world.students["a1"].name not in flat
    assert c.world.users["parent_a1"].mobile not in flat


# --------------------------------------------------------------------------- the sheet's life


def test_the_life_of_a_score_sheet(c, world, inspector, monkeypatch):
    coverage_case(c, monkeypatch)
    official = world.users["official_a"]
    year = _year(c)
    with pytest.raises(InvalidInput) as err:
        services.create_score_sheet(
            actor=official, district=c.district, year=year, weights={"coverage": 90}
        )
    assert "weights" in err.value.fields
    assert "90" in str(err.value.fields["weights"][0])
    with pytest.raises(NotAllowed):
        services.create_score_sheet(actor=inspector, district=c.district, year=year)
    sheet = services.create_score_sheet(actor=official, district=c.district, year=year)
    a1 = sheet.schools.get(school=c.school)
    a2 = sheet.schools.get(school=world.schools["a2"])
    assert CriterionScore.objects.get(assessment=a1, criterion="coverage").computed == Decimal(
        "75.0"
    )
    # the data's score stands; the inspector fills what it cannot give
    with pytest.raises(Conflict):
        services.enter_score(
            actor=inspector, assessment=a1, criterion="coverage", score=100, note="好"
        )
    with pytest.raises(InvalidInput) as err:
        services.enter_score(
            actor=inspector, assessment=a1, criterion="inspection", score=101, note=""
        )
    assert set(err.value.fields) == {"score", "note"}
    with pytest.raises(NotAllowed):
        services.enter_score(
            actor=world.users["principal_a1"],
            assessment=a1,
            criterion="inspection",
            score=90,
            note="自评",
        )
    with pytest.raises(Conflict) as err:
        services.publish_score_sheet(actor=official, sheet=sheet)
    assert c.school.name in str(err.value.message)
    for assessment, base in ((a1, 90), (a2, 80)):
        for row in CriterionScore.objects.filter(assessment=assessment, computed__isnull=True):
            services.enter_score(
                actor=inspector,
                assessment=assessment,
                criterion=row.criterion,
                score=base,
                note="实地督导：台账齐全",
            )
    services.publish_score_sheet(actor=official, sheet=sheet)
    a1.refresh_from_db()
    a2.refresh_from_db()
    # a1: coverage 75 (15 pts → 11.25), alerts and complaints 100, the rest 90
    expected_a1 = (
        Decimal("11.25")
        + Decimal("15")
        + Decimal("15")
        + (Decimal(15 + 15 + 10 + 15) * Decimal("0.9"))
    )
    assert a1.total == expected_a1.quantize(Decimal("0.01"))
    assert (a1.rank, a2.rank) == ((1, 2) if a1.total > a2.total else (2, 1))
    assert Notification.objects.filter(recipient=world.users["principal_a1"]).exists()
    with pytest.raises(Conflict):
        services.enter_score(
            actor=inspector, assessment=a2, criterion="inspection", score=10, note="改"
        )
    with pytest.raises(Conflict):
        services.compute_score_sheet(actor=official, sheet=sheet)


def _published(c, world, inspector):
    sheet = services.create_score_sheet(
        actor=world.users["official_a"], district=c.district, year=_year(c)
    )
    for assessment in sheet.schools.all():
        for row in CriterionScore.objects.filter(assessment=assessment, computed__isnull=True):
            services.enter_score(
                actor=inspector,
                assessment=assessment,
                criterion=row.criterion,
                score=85,
                note="督导",
            )
    return sheet


def test_who_sees_which_sheet(c, world, inspector, client, login):
    sheet = _published(c, world, inspector)
    a1 = sheet.schools.get(school=c.school)
    a2 = sheet.schools.get(school=world.schools["a2"])
    url1 = reverse("assessment_school", args=[a1.public_id])
    url2 = reverse("assessment_school", args=[a2.public_id])
    # a draft: the school sees nothing yet
    login(world.users["principal_a1"])
    assert client.get(url1).status_code == 404
    services.publish_score_sheet(actor=world.users["official_a"], sheet=sheet)
    page = client.get(url1)
    assert page.status_code == 200
    assert c.school.name in page.content.decode()
    assert client.get(url2).status_code == 404  # another school's sheet
    # the whole ranking is the oversight's page; a school reads its own sheet
    assert client.get(reverse("assessment_sheet", args=[sheet.public_id])).status_code == 404
    login(inspector)
    assert client.get(url2).status_code == 200
    assert client.get(reverse("assessment_sheet", args=[sheet.public_id])).status_code == 200
    login(world.users["teacher_a1"])
    assert client.get(url1).status_code == 404


@pytest.mark.parametrize(
    "user_key",
    ["official_a", "principal_a1", "admin_a1", "teacher_a1", "care_a1", "parent_a1"],
)
def test_another_districts_and_schools_assessment_is_404(world, user_key):
    """The matrices' rows of tests/test_tenancy*.py for the assessment, run on their own."""
    user = world.users[user_key]
    for name, (method, url) in foreign_assessment_routes(world).items():
        _assert_404(_request(user, method, url), name, user_key)
    if user_key in SCHOOL_USERS:
        for name, (method, url) in foreign_assessment_routes(neighbour_world(world)).items():
            _assert_404(_request(user, method, url), name, user_key)


def test_the_sheet_page_does_not_grow_with_schools(c, world, inspector, client, login):
    official = world.users["official_a"]
    sheet = services.create_score_sheet(actor=official, district=c.district, year=_year(c))
    login(inspector)
    url = reverse("assessment_sheet", args=[sheet.public_id])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    two = count()
    SchoolFactory(district=c.district, code="s-a9")
    services.compute_score_sheet(actor=official, sheet=sheet)
    assert sheet.schools.count() == 3
    assert count() == two


def test_the_assessment_api(c, world, inspector, api):
    official = world.users["official_a"]
    created = api(official).post(
        reverse("api-assessments"), {"year": _year(c), "title": "年度评估"}, format="json"
    )
    assert created.status_code == 201, created.json()
    sheet = created.json()
    assert {row["school_name"] for row in sheet["schools"]} == {
        c.school.name,
        world.schools["a2"].name,
    }
    a1 = next(row["id"] for row in sheet["schools"] if row["school_name"] == c.school.name)
    # the principal sees nothing before publication; the inspector reads the evidence
    principal = world.users["principal_a1"]
    url = reverse("api-assessment-school", args=[a1])
    assert api(principal).get(url).status_code == 404
    detail = api(inspector).get(url).json()
    complaints_row = next(r for r in detail["criteria"] if r["criterion"] == "complaints")
    assert complaints_row["computed"] == "100.0" and "columns" in complaints_row["evidence"]
    score_url = reverse("api-assessment-score", args=[a1])
    bad = api(inspector).post(score_url, {"criterion": "inspection", "score": 120}, format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"score", "note"}
    computed = api(inspector).post(
        score_url, {"criterion": "complaints", "score": 50, "note": "x"}, format="json"
    )
    assert computed.status_code == 409
    ok = api(inspector).post(
        score_url, {"criterion": "inspection", "score": 90, "note": "督导"}, format="json"
    )
    assert ok.status_code == 200
    publish = reverse("api-assessment-publish", args=[sheet["id"]])
    assert api(inspector).post(publish).status_code == 403
    assert api(official).post(publish).status_code == 409  # scores still missing


def test_the_sheet_is_drafted_from_the_page(c, world, client, login):
    login(world.users["official_a"])
    url = reverse("assessment_list")
    weights = {f"weight_{code}": 10 for code in ("coverage", "participation", "alerts")}
    weights |= {f"weight_{code}": 20 for code in ("complaints", "evaluation", "disclosure")}
    bad = client.post(url, {"year": _year(c), "weight_inspection": 20, **weights})
    assert bad.status_code == 400  # 110 points
    assert "110" in bad.content.decode()
    assert not ScoreSheet.objects.exists()
    ok = client.post(url, {"year": _year(c), "weight_inspection": 10, **weights})
    assert ok.status_code == 302
    sheet = ScoreSheet.objects.get()
    assert sheet.weights["disclosure"] == 20 and sum(sheet.weights.values()) == 100
    login(world.users["principal_a1"])
    assert client.get(url).status_code == 403
