"""The admission workflow: apply in a batch, review, approve or refuse, the published list;
bad input refused with the reason and nothing half-written."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from aftercare.errors import Conflict, InvalidInput, NotAllowed
from aftercare.models import AuditEvent, OutboxMessage
from institutions import services
from institutions.models import (
    Application,
    ApplicationCourse,
    ApplicationStatus,
    InstitutionStatus,
    PaymentMode,
)

pytestmark = pytest.mark.django_db


def test_apply_then_approve_publishes_courses_and_prices(inst, client):
    application = inst.apply()
    assert application.status == ApplicationStatus.SUBMITTED
    assert [c.price_fen for c in application.courses.order_by("id")] == [6000, 8000]
    assert list(application.staff.all()) == [inst.instructor]
    assert inst.institution.status == InstitutionStatus.APPLICANT

    services.review_application(
        actor=inst.world.users["official_a"], application=application, approve=True, score=88
    )
    inst.institution.refresh_from_db()
    assert inst.institution.status == InstitutionStatus.APPROVED
    assert inst.institution.approved_application_id == application.pk
    assert inst.institution.supervision_platform_no == "JG-3301-0007"
    assert AuditEvent.objects.filter(action="institutions.approved").count() == 1
    assert OutboxMessage.objects.filter(recipient=inst.account.user).count() == 1

    page = client.get(reverse("institutions_public", args=[inst.world.a.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "青山书画培训中心" in body and "60.00" in body and "80.00" in body
    assert "绿茵体育俱乐部" not in body  # not approved
    other = client.get(reverse("institutions_public", args=[inst.world.b.code])).content.decode()
    assert "青山书画培训中心" not in other


def test_refusal_needs_a_reason_and_keeps_the_institution_off_the_list(inst):
    application = inst.apply()
    official = inst.world.users["official_a"]
    with pytest.raises(InvalidInput) as err:
        services.review_application(
            actor=official, application=application, approve=False, score=40
        )
    assert "reason" in err.value.fields
    services.review_application(
        actor=official, application=application, approve=False, score=40, reason="资质不全"
    )
    application.refresh_from_db()
    inst.institution.refresh_from_db()
    assert (application.status, application.decision_reason) == ("refused", "资质不全")
    assert inst.institution.status == InstitutionStatus.APPLICANT
    with pytest.raises(Conflict):
        services.review_application(actor=official, application=application, approve=True, score=90)


def test_only_officials_review(inst):
    application = inst.apply()
    with pytest.raises(NotAllowed):
        services.review_application(
            actor=inst.world.users["principal_a1"], application=application, approve=True, score=9
        )


@pytest.mark.parametrize(
    ("over", "field", "english"),
    [
        ({"licence_valid_until_days": -1}, "licence_valid_until", "The licence expired on"),
        (
            {"courses": [{"name": "钢琴", "content": "基础", "price_fen": 8001}]},
            "courses",
            "above the district's ceiling of 80.00 yuan",
        ),
        (
            {
                "courses": [
                    {"name": "钢琴", "content": "基础", "price_fen": 5000, "payment": "families"}
                ]
            },
            "courses",
            "does not allow charging families separately",
        ),
        ({"courses": []}, "courses", "List at least one course."),
        ({"supervision_platform_no": ""}, "supervision_platform_no", "national supervision"),
        ({"staff": []}, "staff", "List the instructors"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_written(
    inst, today, over, field, english
):
    days = over.pop("licence_valid_until_days", None)
    if days is not None:
        over["licence_valid_until"] = today + timedelta(days=days)
    with translation.override("en"), pytest.raises(InvalidInput) as err:
        inst.apply(**over)
    assert field in err.value.fields
    assert english in " ".join(str(m) for m in err.value.fields[field])
    assert Application.objects.count() == 0
    assert ApplicationCourse.objects.count() == 0


def test_one_bad_course_among_good_ones_writes_nothing(inst):
    courses = [
        {"name": "书法", "content": "楷书", "price_fen": 5000},
        {"name": "机器人", "content": "编程", "price_fen": 12000},
    ]
    with pytest.raises(InvalidInput):
        inst.apply(courses=courses)
    assert not ApplicationCourse.objects.exists()


def test_families_may_pay_when_the_policy_allows(inst):
    services.save_policy(
        actor=inst.world.users["official_a"],
        district=inst.world.a,
        price_ceiling_fen=8000,
        families_may_pay=True,
    )
    application = inst.apply(
        courses=[{"name": "钢琴", "content": "基础", "price_fen": 5000, "payment": "families"}]
    )
    assert application.courses.get().payment == PaymentMode.FAMILIES


def test_a_second_application_in_the_same_batch_is_refused(inst):
    inst.apply()
    with translation.override("en"), pytest.raises(InvalidInput) as err:
        inst.apply()
    assert err.value.code == "duplicate_application"
    assert "already applied in this batch" in str(err.value.message)
    assert Application.objects.count() == 1


def test_the_database_refuses_a_duplicate_too(inst):
    first = inst.apply()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            district=first.district,
            batch=first.batch,
            institution=first.institution,
            licence_number="x",
            licence_valid_until=first.licence_valid_until,
            supervision_platform_no="y",
            submitted_by=first.submitted_by,
        )


def test_closed_or_not_yet_open_batch_is_a_conflict(inst, today):
    services.close_batch(actor=inst.world.users["official_a"], batch=inst.batch)
    inst.batch.refresh_from_db()
    with pytest.raises(Conflict):
        inst.apply()


def test_another_institutions_account_cannot_apply_for_it(inst):
    with pytest.raises(NotAllowed):
        inst.apply(actor=inst.other.user)


def test_a_batch_needs_the_price_policy_first(world, today):
    with pytest.raises(Conflict):
        services.open_batch(
            actor=world.users["official_a"],
            district=world.a,
            title="x",
            opens_on=today,
            closes_on=today,
        )


def test_an_institution_lands_on_its_home(inst, login):
    client = login(inst.account.user)
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("institution_home")
    assert client.get(response.url).status_code == 200


def test_pages_answer_by_role(inst, login):
    application = inst.apply()
    official = login(inst.world.users["official_a"])
    assert official.get(reverse("institutions_admission")).status_code == 200
    assert (
        official.get(reverse("institutions_batch", args=[inst.batch.public_id])).status_code == 200
    )
    detail = reverse("institutions_application", args=[application.public_id])
    assert official.get(detail).status_code == 200
    principal = login(inst.world.users["principal_a1"])
    assert principal.get(reverse("institutions_admission")).status_code == 403
    assert principal.get(detail).status_code == 404
    assert principal.get(reverse("institution_home")).status_code == 403


def test_review_through_the_page(inst, login):
    application = inst.apply()
    client = login(inst.world.users["official_a"])
    url = reverse("institutions_application", args=[application.public_id])
    response = client.post(url, {"decision": "approve", "score": "91", "reason": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.score) == ("approved", 91)


def test_apply_through_the_page_shows_the_ceiling_problem(inst, login, today):
    client = login(inst.account.user)
    url = reverse("institution_apply", args=[inst.batch.public_id])
    assert client.get(url).status_code == 200
    data = {
        "licence_number": "L-1",
        "licence_valid_until": (today + timedelta(days=100)).isoformat(),
        "supervision_platform_no": "P-1",
        "staff": [str(inst.instructor.pk)],
        "course-TOTAL_FORMS": "2",
        "course-INITIAL_FORMS": "0",
        "course-MIN_NUM_FORMS": "1",
        "course-MAX_NUM_FORMS": "1000",
        "course-0-name": "书法",
        "course-0-content": "楷书",
        "course-0-price": "95.00",
        "course-0-payment": "service_fund",
        "course-1-payment": "service_fund",
    }
    with translation.override("en"):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert Application.objects.count() == 0
    data["course-0-price"] = "75.00"
    response = client.post(url, data)
    assert response.status_code == 302
    application = Application.objects.get()
    assert [c.price_fen for c in application.courses.all()] == [7500]
