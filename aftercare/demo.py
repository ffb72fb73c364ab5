"""A realistic demo district, built deterministically and idempotently (``seed_demo``).

One bureau, three primary schools (grades 1–6, two or three classes each), about 600
students with Chinese names and guardians, homeroom teachers, a care teacher, a principal
and a school administrator per school, a district official, and the autumn semester with
its holidays and make-up days. Running it again changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password
from django.db import transaction

from aftercare import registry, services
from aftercare.models import (
    CalendarKind,
    District,
    Membership,
    Role,
    School,
    SchoolClass,
    Semester,
    User,
)

DEMO_PASSWORD = "kehou2026"
DISTRICT_CODE = "qingshan"
SEED = 20260901

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
# Weighted towards the common surnames, as in a real roll.
SURNAME_WEIGHTS = [12 if i < 10 else 4 if i < 30 else 1 for i in range(len(SURNAMES))]
GIVEN = (
    "子梓浩宇欣怡涵轩雨晨泽一诺思博文佳昊然辰逸嘉睿瑞铭"
    "雅静婷悦可萱彤琪梦俊杰航鑫磊宁安乐心语若曦阳明远"
)
ADULT_GIVEN = "建国伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华红玉兰志峰海燕春梅"


@dataclass(frozen=True)
class SchoolSpec:
    code: str
    name: str
    short: str
    classes_per_grade: tuple[int, ...]
    students_per_class: tuple[int, int]
    is_remote: bool = False
    address: str = ""


SCHOOLS = (
    SchoolSpec(
        "shiyan", "青山区实验小学", "sy", (3, 3, 3, 3, 3, 3), (12, 16), False, "青山区学府路1号"
    ),
    SchoolSpec(
        "hongqi", "青山区红旗小学", "hq", (2, 2, 3, 2, 2, 2), (13, 17), False, "青山区红旗大街88号"
    ),
    SchoolSpec(
        "xishan",
        "青山区西山小学",
        "xs",
        (2, 2, 2, 2, 2, 2),
        (11, 15),
        True,
        "青山区西山镇中心街6号",
    ),
)

SEMESTER_NAME = "2026—2027学年第一学期"
SEMESTER_DATES = (date(2026, 9, 1), date(2027, 1, 22))
CALENDAR = (
    (date(2026, 9, 25), CalendarKind.HOLIDAY, "中秋节", None),
    (date(2026, 9, 27), CalendarKind.MAKEUP_DAY, "国庆调休（上周五课表）", 4),
    *((date(2026, 10, d), CalendarKind.HOLIDAY, "国庆节", None) for d in range(1, 8)),
    (date(2026, 10, 10), CalendarKind.MAKEUP_DAY, "国庆调休（上周四课表）", 3),
    (date(2027, 1, 1), CalendarKind.HOLIDAY, "元旦", None),
)

STAFF_NAMES = {
    "official": "王建国",
    "inspector": "林素华",
    "principal": ("刘志明", "陈秀兰", "赵海峰"),
    "admin": ("周丽", "吴涛", "孙燕"),
    "care": ("郑春梅", "何勇", "冯娟"),
}


def _name(rng: random.Random, given_pool: str = GIVEN) -> str:
    surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
    given = "".join(rng.choice(given_pool) for _ in range(rng.choice((1, 2, 2, 2))))
    return surname + given


def _user(password_hash: str, *, username=None, mobile=None, full_name: str) -> User:
    lookup = {"username": username} if username else {"mobile": mobile}
    user, _created = User.objects.get_or_create(
        **lookup, defaults={"full_name": full_name, "password": password_hash, "mobile": mobile}
    )
    return user


def demo_logins() -> list[dict]:
    """The logins shown on the login page in demo mode and printed by ``seed_demo``."""
    rows = [
        {"role": Role.DISTRICT_OFFICIAL.label, "login": "official", "who": STAFF_NAMES["official"]},
        {"role": Role.INSPECTOR.label, "login": "inspector", "who": STAFF_NAMES["inspector"]},
    ]
    for i, spec in enumerate(SCHOOLS):
        rows.append(
            {
                "role": Role.PRINCIPAL.label,
                "login": f"{spec.short}-principal",
                "who": f"{STAFF_NAMES['principal'][i]}（{spec.name}）",
            }
        )
    first = SCHOOLS[0]
    rows += [
        {
            "role": Role.SCHOOL_ADMIN.label,
            "login": f"{first.short}-admin",
            "who": f"{STAFF_NAMES['admin'][0]}（{first.name}）",
        },
        {
            "role": Role.HOMEROOM_TEACHER.label,
            "login": f"{first.short}-t11",
            "who": f"{first.name} 一年级1班",
        },
        {
            "role": Role.CARE_TEACHER.label,
            "login": f"{first.short}-care",
            "who": f"{STAFF_NAMES['care'][0]}（{first.name}）",
        },
        {"role": Role.PARENT.label, "login": PARENT_WITH_TWO_CHILDREN, "who": "两个孩子的家长"},
        {
            "role": f"{Role.HOMEROOM_TEACHER.label} + {Role.PARENT.label}",
            "login": f"{first.short}-t21",
            "who": "班主任，孩子也在本校",
        },
        {
            "role": Role.PARENT_COMMITTEE.label,
            "login": f"{first.short}-committee",
            "who": f"刘家委（{first.name}，审核收支公示）",
        },
    ]
    return rows


PARENT_WITH_TWO_CHILDREN = "13900000001"


@dataclass
class DemoSchool:
    school: School
    spec: SchoolSpec
    index: int
    classes: list[SchoolClass]


@dataclass
class DemoContext:
    """What the kernel built, handed to each app's demo step (``registry.register_demo_step``).

    ``rng(name)`` gives a step its own deterministic random stream, so one app's demo data
    does not change when another app draws more numbers."""

    district: District
    semester: Semester
    official: User
    schools: list[DemoSchool]
    password_hash: str
    summary: list[str] = field(default_factory=list)

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{SEED}:{name}")

    def school(self, code: str) -> School:
        return next(s.school for s in self.schools if s.spec.code == code)


@transaction.atomic
def seed_demo(stdout=None) -> District:
    rng = random.Random(SEED)
    password_hash = make_password(DEMO_PASSWORD)  # hashed once, shared by every demo login

    district, _ = District.objects.get_or_create(
        code=DISTRICT_CODE, defaults={"name": "青山区教育局"}
    )
    official = _user(password_hash, username="official", full_name=STAFF_NAMES["official"])
    services.grant_role(actor=None, user=official, role=Role.DISTRICT_OFFICIAL, district=district)
    inspector = _user(password_hash, username="inspector", full_name=STAFF_NAMES["inspector"])
    services.grant_role(actor=None, user=inspector, role=Role.INSPECTOR, district=district)

    semester = Semester.objects.filter(district=district, name=SEMESTER_NAME).first()
    if semester is None:
        semester = services.create_semester(
            actor=official,
            district=district,
            name=SEMESTER_NAME,
            start_date=SEMESTER_DATES[0],
            end_date=SEMESTER_DATES[1],
        )
        for day, kind, note, follows in CALENDAR:
            services.add_calendar_exception(
                actor=official,
                semester=semester,
                day=day,
                kind=kind,
                note=note,
                follows_weekday=follows,
            )

    schools: list[DemoSchool] = []
    for index, spec in enumerate(SCHOOLS):
        school, _ = School.objects.get_or_create(
            district=district,
            code=spec.code,
            defaults={"name": spec.name, "is_remote": spec.is_remote, "address": spec.address},
        )
        for role, key, suffix in (
            (Role.PRINCIPAL, "principal", "principal"),
            (Role.SCHOOL_ADMIN, "admin", "admin"),
            (Role.CARE_TEACHER, "care", "care"),
        ):
            user = _user(
                password_hash, username=f"{spec.short}-{suffix}", full_name=STAFF_NAMES[key][index]
            )
            services.grant_role(actor=None, user=user, role=role, district=district, school=school)
        classes = []
        for grade, count in enumerate(spec.classes_per_grade, start=1):
            for number in range(1, count + 1):
                teacher = _user(
                    password_hash,
                    username=f"{spec.short}-t{grade}{number}",
                    full_name=_name(rng, ADULT_GIVEN),
                )
                services.grant_role(
                    actor=None,
                    user=teacher,
                    role=Role.HOMEROOM_TEACHER,
                    district=district,
                    school=school,
                )
                school_class, _ = SchoolClass.objects.get_or_create(
                    district=district,
                    school=school,
                    grade=grade,
                    number=number,
                    defaults={"homeroom_teacher": teacher},
                )
                classes.append(school_class)
        schools.append(DemoSchool(school=school, spec=spec, index=index, classes=classes))

    demo = DemoContext(
        district=district,
        semester=semester,
        official=official,
        schools=schools,
        password_hash=password_hash,
    )
    # The apps' demo data (students, plans, applications, ...), registered in their ready().
    for step in registry.demo_steps():
        step(demo)

    if stdout is not None:
        stdout.write(
            f"Demo district {district.name}: {district.schools.count()} schools, "
            f"{Membership.objects.filter(district=district).count()} role memberships.\n"
        )
        for line in demo.summary:
            stdout.write(f"  {line}\n")
    return district
