"""Anonymity, checked where it could leak.

Evaluations: no staff page, API call or export runs a query that joins an answer (or an
answer sheet) to a receipt, a child, a guardian or a user — asserted over the SQL they run —
and the answer tables have no link to them at all (asserted over the models).

Complaints: the school's page, API and export of an anonymous complaint never show who filed
it, nor the child; the district's do.
"""

import re

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftercare.models import User
from enrollment.models import Guardianship, Student
from feedback.models import EvaluationAnswer, EvaluationReceipt, EvaluationResponse
from feedback.selectors import evaluations as selectors
from tests.feedback.evaluation_world import answer, open_default
from tests.feedback.helpers import complaint

pytestmark = pytest.mark.django_db

ANSWER_TABLES = {EvaluationAnswer._meta.db_table, EvaluationResponse._meta.db_table}
FAMILY_TABLES = {
    EvaluationReceipt._meta.db_table,
    Student._meta.db_table,
    Guardianship._meta.db_table,
    User._meta.db_table,
}


def test_answers_have_no_link_to_a_family_and_no_time():
    for model in (EvaluationAnswer, EvaluationResponse):
        for f in model._meta.get_fields():
            if f.is_relation and f.related_model is not None:
                assert f.related_model not in (Student, Guardianship, User, EvaluationReceipt), (
                    model.__name__,
                    f.name,
                )
            assert not isinstance(f, models.DateField | models.DateTimeField | models.TimeField), (
                model.__name__,
                f.name,
            )
        assert isinstance(model._meta.pk, models.UUIDField)  # no insertion order to pair


def _tables(sql: str) -> set[str]:
    return set(re.findall(r'"(feedback_\w+|enrollment_\w+|aftercare_\w+)"', sql))


def assert_no_join(queries, where: str) -> int:
    touching = 0
    for q in queries:
        tables = _tables(q["sql"])
        if tables & ANSWER_TABLES:
            touching += 1
            assert not tables & FAMILY_TABLES, (where, q["sql"])
    return touching


@pytest.fixture
def answered(daily, world):
    section = daily.add_section("书法1班", students=daily.children[:5])
    evaluation = open_default(daily)
    for i, child in enumerate(daily.children):
        answer(
            daily,
            evaluation,
            child,
            2 + i % 4,
            text=f"意见{i}",
            sections=[section] if i < 5 else [],
        )
    return evaluation


@pytest.mark.parametrize(
    ("user_key", "route", "query"),
    [
        ("principal_a1", "evaluation_detail", ""),
        ("official_a", "evaluation_detail", ""),
        ("official_a", "evaluation_detail", "school"),
        ("principal_a1", "evaluation_export", ""),
        ("official_a", "evaluation_export", ""),
        ("principal_a1", "api-evaluation-results", ""),
        ("official_a", "api-evaluation-results", "school"),
        ("care_a1", "teacher_evaluations", None),
        ("principal_a1", "school_home", None),
        ("official_a", "district_home", None),
        ("care_a1", "teacher_home", None),
    ],
)
def test_no_staff_query_joins_an_answer_to_its_family(
    answered, daily, world, client, login, route, user_key, query
):
    login(world.users[user_key])
    if route in ("school_home",):
        url = reverse(route, args=[daily.school.public_id])
    elif query is None:
        url = reverse(route)
    else:
        url = reverse(route, args=[answered.public_id])
        if query == "school":
            url += f"?school={daily.school.public_id}"
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    touching = assert_no_join(ctx.captured_queries, route)
    if route.startswith(("evaluation", "api-", "teacher_evaluations")):
        assert touching > 0  # the page did read results (the assertion above had work to do)


def test_the_selectors_for_other_apps_do_not_join_either(answered, daily, world):
    with CaptureQueriesContext(connection) as ctx:
        selectors.evaluation_scores(district=world.a, semester=daily.semester)
        selectors.results(answered, with_texts=True)
        selectors.section_cells(answered)
        selectors.teacher_results(world.users["care_a1"], answered)
    assert assert_no_join(ctx.captured_queries, "selectors") > 0


def test_results_pages_show_no_name(answered, daily, world, client, login):
    login(world.users["principal_a1"])
    page = client.get(reverse("evaluation_detail", args=[answered.public_id])).content.decode()
    assert "意见0" in page  # comments are shown …
    for child in daily.children:  # … without a child's or a guardian's name
        assert child.name not in page
        assert str(daily.parents[child.pk]) not in page


# --------------------------------------------------------------------------- complaints


def test_the_school_never_sees_who_filed_an_anonymous_complaint(daily, world, client, login, api):
    child = daily.children[0]
    parent = daily.parents[child.pk]
    parent.full_name = "钱家长"
    parent.save()
    c = complaint(daily, child=child, anonymous=True, category="fee", staff=None)
    from feedback.services import complaints as services

    services.add_note(actor=parent, complaint=c, side="family", note="补充说明")
    secrets = [child.name, parent.mobile, "钱家长"]

    login(world.users["principal_a1"])
    school_views = [
        client.get(reverse("complaint_detail", args=[c.public_id])).content.decode(),
        client.get(reverse("school_feedback", args=[daily.school.public_id])).content.decode(),
        client.get(reverse("school_home", args=[daily.school.public_id])).content.decode(),
        api(world.users["principal_a1"])
        .get(reverse("api-complaint", args=[c.public_id]))
        .content.decode(),
        api(world.users["principal_a1"]).get(reverse("api-complaints")).content.decode(),
    ]
    export = client.get(reverse("school_complaints_export", args=[daily.school.public_id]))
    assert export.status_code == 200
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    school_views.append(" ".join(str(c.value or "") for row in sheet.iter_rows() for c in row))
    for text in school_views:
        assert "补充说明" in text or c.reference in text
        for secret in secrets:
            assert secret not in text, secret

    login(world.users["official_a"])
    district_page = client.get(reverse("complaint_detail", args=[c.public_id])).content.decode()
    for secret in secrets:
        assert secret in district_page
    body = api(world.users["official_a"]).get(reverse("api-complaint", args=[c.public_id])).json()
    assert (body["child_name"], body["filed_by_mobile"]) == (child.name, parent.mobile)


def test_a_named_complaint_shows_the_family_to_the_school(daily, world, client, login):
    child = daily.children[0]
    c = complaint(daily, child=child)
    login(world.users["principal_a1"])
    page = client.get(reverse("complaint_detail", args=[c.public_id])).content.decode()
    assert child.name in page and daily.parents[child.pk].mobile in page
