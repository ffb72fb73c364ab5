"""The feedback API end to end: a family files a complaint, the school answers it, the family
escalates and the district decides; a family answers an evaluation once; another family's
complaint and a child the caller does not guard are 404; the results read back exactly."""

import pytest
from django.urls import reverse

from feedback.models import Complaint, ComplaintStatus, EvaluationReceipt, QuestionKind
from tests.factories import ParentUserFactory
from tests.feedback.evaluation_world import answer, open_default
from tests.feedback.helpers import complaint

pytestmark = pytest.mark.django_db


def test_a_complaint_through_the_api(daily, world, api, clock):
    child = daily.children[0]
    parent = daily.parents[child.pk]
    filed = api(parent).post(
        reverse("api-complaints"),
        {
            "student": str(child.public_id),
            "category": "fee",
            "description": "收了资料费，没有公示。",
            "incident_date": daily.today.date.isoformat(),
            "staff": str(daily.staff["care"].public_id),
        },
        format="json",
    )
    assert filed.status_code == 201, filed.json()
    body = filed.json()
    assert (body["status"], body["side"], body["flagged"]) == ("submitted", "family", True)
    cid = body["id"]

    school = api(world.users["principal_a1"])
    ack = school.post(reverse("api-complaint-acknowledge", args=[cid]), {"note": "已收到"})
    assert ack.status_code == 200 and ack.json()["status"] == "investigating"
    # the family may not close its own complaint: wrong role on its own object
    refused = api(parent).post(reverse("api-complaint-close", args=[cid]), {})
    assert refused.status_code == 403
    bad = school.post(reverse("api-complaint-close", args=[cid]), {"outcome": "verified"})
    assert bad.status_code == 400 and "findings" in bad.json()["error"]["fields"]
    assert Complaint.objects.get().status == ComplaintStatus.INVESTIGATING  # nothing written
    closed = school.post(
        reverse("api-complaint-close", args=[cid]),
        {"outcome": "not_verified", "findings": "资料费为家长自愿代购，已退还。"},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"

    seen = api(parent).get(reverse("api-complaint", args=[cid])).json()
    assert seen["findings"] == "资料费为家长自愿代购，已退还。"
    assert [e["kind"] for e in seen["events"]] == ["filed", "flagged", "acknowledged", "closed"]
    escalated = api(parent).post(
        reverse("api-complaint-escalate", args=[cid]), {"reason": "学校说法不属实"}
    )
    assert escalated.status_code == 200 and escalated.json()["status"] == "escalated"
    reopened = api(world.users["official_a"]).post(
        reverse("api-complaint-reopen", args=[cid]), {"note": "请重新核查"}
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "investigating"
    # a second reopen is the wrong state
    again = api(world.users["official_a"]).post(
        reverse("api-complaint-reopen", args=[cid]), {"note": "再次"}
    )
    assert again.status_code == 409


def test_another_familys_complaint_and_child_are_404(daily, world, api):
    theirs = complaint(daily, child=daily.children[1])
    stranger = daily.parents[daily.children[0].pk]
    assert api(stranger).get(reverse("api-complaint", args=[theirs.public_id])).status_code == 404
    listed = api(stranger).get(reverse("api-complaints")).json()
    assert [c["id"] for c in listed] == []
    # filing about a child the caller does not guard: refused, nothing written
    before = Complaint.objects.count()
    response = api(stranger).post(
        reverse("api-complaints"),
        {"student": str(daily.children[1].public_id), "category": "other", "description": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Complaint.objects.count() == before
    # a parent with no child at all
    nobody = ParentUserFactory()
    assert api(nobody).get(reverse("api-complaint", args=[theirs.public_id])).status_code == 404


def test_an_evaluation_answered_once_through_the_api(daily, world, api):
    evaluation = open_default(daily, min_answers=3)
    child = daily.children[0]
    parent = daily.parents[child.pk]
    mine = api(parent).get(reverse("api-evaluations-mine")).json()
    assert str(child.public_id) in {row["student"] for row in mine}
    answers = {
        str(q.position): (4 if q.kind == QuestionKind.SCALE else "老师很负责")
        for q in evaluation.questions.filter(about="service")
    }
    url = reverse("api-evaluation-answers", args=[evaluation.public_id])
    payload = {"student": str(child.public_id), "answers": answers}
    first = api(parent).post(url, payload, format="json")
    assert first.status_code == 201, first.json()
    second = api(parent).post(url, payload, format="json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_answered"
    assert EvaluationReceipt.objects.filter(evaluation=evaluation).count() == 1
    # another family's child: 404
    other = daily.children[1]
    response = api(parent).post(
        url, {"student": str(other.public_id), "answers": answers}, format="json"
    )
    assert response.status_code == 404
    # results: hidden below the minimum, exact above it, and never to a parent
    results_url = reverse("api-evaluation-results", args=[evaluation.public_id])
    assert api(parent).get(results_url).status_code in (403, 404)
    for i, c in enumerate(daily.children[1:3]):
        answer(daily, evaluation, c, 2 + i)
    results = api(world.users["principal_a1"]).get(results_url)
    assert results.status_code == 200
    body = results.json()
    assert body["response_rate"]["answered"] == 3
    assert body["overall"]["sheets"] == 3 and body["overall"]["shown"] is True
