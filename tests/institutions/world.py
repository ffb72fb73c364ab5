"""Objects of district b for the cross-tenant matrix (tests/test_tenancy.py): a batch, an
institution's account with an instructor, and its application."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from institutions import services
from tests.institutions.helpers import instructor_data


def foreign_institutions(world) -> dict:
    today = timezone.localdate()
    official = world.users["official_b"]
    services.save_policy(actor=official, district=world.b, price_ceiling_fen=9000)
    batch = services.open_batch(
        actor=official,
        district=world.b,
        title="b 区批次",
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=5),
    )
    account = services.open_account(
        actor=official,
        district=world.b,
        name="b 区机构",
        username="inst-foreign",
        password="x" * 10,
    )
    instructor = services.save_instructor(
        actor=account.user, institution=account.institution, data=instructor_data()
    )
    application = services.submit_application(
        actor=account.user,
        institution=account.institution,
        batch=batch,
        licence_number="L",
        licence_valid_until=today + timedelta(days=30),
        supervision_platform_no="P",
        courses=[{"name": "足球", "content": "基础", "price_fen": 3000}],
        staff=[instructor],
    )
    return {
        "batch": batch,
        "account": account,
        "instructor": instructor,
        "application": application,
    }


def foreign_institution_routes(world) -> dict:
    o = foreign_institutions(world)
    batch, app = o["batch"].public_id, o["application"].public_id
    instructor = o["instructor"].public_id
    return {
        "institutions_batch": ("get", reverse("institutions_batch", args=[batch])),
        "institution_apply": ("get", reverse("institution_apply", args=[batch])),
        "institutions_application": ("get", reverse("institutions_application", args=[app])),
        "institution-batch-detail": ("get", reverse("institution-batch-detail", args=[batch])),
        "institution-batch-close": ("post", reverse("institution-batch-close", args=[batch])),
        "institution-application-detail": (
            "get",
            reverse("institution-application-detail", args=[app]),
        ),
        "institution-application-review": (
            "post",
            reverse("institution-application-review", args=[app]),
        ),
        "institution-instructor-detail": (
            "get",
            reverse("institution-instructor-detail", args=[instructor]),
        ),
    }
