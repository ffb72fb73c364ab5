"""Demo data of the institutions lifecycle.

``demo_instructor`` — the staff-list entry (valid background check with the sexual-offence
record check, consent, health certificate) of an institution's instructor; scheduling's demo
step links the instructors it schedules to one.

Step (order 45, after scheduling's, which admitted the demo's institutions): the district's
price policy (ceiling 30 元 per 课时, paid from the service fund), an open batch, an account
for 青山区少年宫艺术培训中心 (``jigou`` / the demo password) whose approved application puts its
courses and prices on the public list, and a second institution's application waiting for
review. Idempotent: nothing is done once the policy exists.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from aftercare.models import User
from institutions import services
from institutions.models import Institution, InstitutionAccount, InstitutionPolicy, Instructor

DEMO_IDS = {
    "林雪": "140105198503120026",
    "马俊杰": "140105198807150013",
    "周晓彤": "140105199002280026",
}


def _id_card(name: str) -> str:
    base = DEMO_IDS.get(name)
    if base and services.valid_id_card(base):
        return base
    # A valid number derived from the name (the check character computed).
    body = f"14010519900101{sum(map(ord, name)) % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def demo_instructor(institution: Institution, full_name: str, *, today) -> Instructor:
    number = _id_card(full_name)
    instructor, _created = Instructor.objects.get_or_create(
        district=institution.district,
        institution=institution,
        id_card_hash=services.id_card_hash(number),
        defaults={
            "full_name": full_name,
            "id_card_last4": number[-4:],
            "qualification": "教师资格证",
            "consent_given_on": today - timedelta(days=40),
            "background_checked_on": today - timedelta(days=30),
            "sexual_offence_checked": True,
            "background_check_valid_until": today + timedelta(days=335),
            "health_certificate_valid_until": today + timedelta(days=300),
        },
    )
    return instructor


@transaction.atomic
def institutions_step(demo) -> None:
    district = demo.district
    if InstitutionPolicy.objects.filter(district=district).exists():
        return
    official = demo.official
    today = demo.now.date()
    services.save_policy(
        actor=official,
        district=district,
        price_ceiling_fen=3000,
        ceiling_basis="不高于本区少年宫同类课程均价，低于市场价",
    )
    batch = services.open_batch(
        actor=official,
        district=district,
        title=f"{today.year}年校外机构进校园遴选",
        opens_on=today - timedelta(days=7),
        closes_on=today + timedelta(days=21),
        requirements="持有效办学许可证并在全国校外教育培训监管与服务综合平台登记；"
        "所有授课人员须提供无犯罪记录（含性侵违法犯罪信息查询）证明与健康证。",
    )
    art = Institution.objects.filter(district=district, name="青山区少年宫艺术培训中心").first()
    if art is not None:
        user, _ = User.objects.get_or_create(
            username="jigou", defaults={"full_name": art.name, "password": demo.password_hash}
        )
        InstitutionAccount.objects.get_or_create(
            user=user, defaults={"district": district, "institution": art}
        )
        instructor = demo_instructor(art, "林雪", today=today)
        application = services.submit_application(
            actor=user,
            institution=art,
            batch=batch,
            licence_number=art.licence_number or "教民14010520001",
            licence_valid_until=art.licence_valid_until or today + timedelta(days=700),
            supervision_platform_no="JGPT-140105-0001",
            courses=[
                {"name": "硬笔书法", "content": "楷书笔画与结构，每周一次", "price_fen": 1800},
                {"name": "创意美术", "content": "水彩与手工", "price_fen": 1800},
            ],
            staff=[instructor],
        )
        services.review_application(
            actor=official,
            application=application,
            approve=True,
            score=92,
            reason="材料齐全，课程内容符合要求",
        )
    newcomer = services.open_account(
        actor=official,
        district=district,
        name="青山区星光合唱艺术团",
        username="jigou2",
        password="demo-only-password",
    )
    newcomer.user.password = demo.password_hash
    newcomer.user.save(update_fields=["password"])
    singer = demo_instructor(newcomer.institution, "周晓彤", today=today)
    services.submit_application(
        actor=newcomer.user,
        institution=newcomer.institution,
        batch=batch,
        licence_number="教民14010520058",
        licence_valid_until=today + timedelta(days=500),
        supervision_platform_no="JGPT-140105-0032",
        courses=[{"name": "童声合唱", "content": "发声与合唱基础", "price_fen": 2500}],
        staff=[singer],
    )
    demo.summary.append("institutions: policy, 1 batch, 1 approved (jigou), 1 waiting (jigou2)")
