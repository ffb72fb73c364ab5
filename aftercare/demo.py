"""A realistic demo district, built deterministically and idempotently (``seed_demo``).

One bureau, three primary schools (grades 1–6, two or three classes each), about 600
students with Chinese names and guardians, homeroom teachers, a care teacher, a principal
and a school administrator per school, a district official, and the semester today falls in
(``semester_for``) with its holidays and make-up days. Registration windows and the other
apps' dated data are placed relative to ``DemoContext.now``, so a newcomer can try every flow
the day they install the demo. Running it again (the same day) changes nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from aftercare import db_security, registry, services
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

# The demo's semester is the one today falls in (or the next one, in a break), so that on
# the day a newcomer installs the demo its registration windows, rolls and bills are current.
MID_AUTUMN = {2025: (10, 6), 2026: (9, 25), 2027: (9, 15), 2028: (10, 3), 2029: (9, 22)}
DRAGON_BOAT = {2026: (6, 19), 2027: (6, 9), 2028: (5, 28), 2029: (6, 16), 2030: (6, 5)}


def semester_for(today: date) -> tuple[str, date, date]:
    """(name, start, end) of the semester ``today`` lies in, or of the next one in a break:
    autumn 1 September – 22 January, spring 24 February – 10 July."""
    year = today.year
    if today <= date(year, 1, 22):
        year -= 1  # still last autumn's semester
    elif today <= date(year, 7, 10):
        return f"{year - 1}—{year}学年第二学期", date(year, 2, 24), date(year, 7, 10)
    return f"{year}—{year + 1}学年第一学期", date(year, 9, 1), date(year + 1, 1, 22)


def _sunday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() + 1) % 7 or 7)


def _saturday_after(day: date) -> date:
    return day + timedelta(days=(5 - day.weekday()) % 7 or 7)


def calendar_for(start: date) -> list[tuple[date, str, str, int | None]]:
    """The semester's holidays (each day of a range) and make-up days (调休, with the weekday
    whose timetable they follow), for either semester of any year."""
    year = start.year
    days: list[tuple[date, str, str, int | None]] = []

    def holiday(first: date, n: int, note: str) -> None:
        days.extend((first + timedelta(days=i), CalendarKind.HOLIDAY, note, None) for i in range(n))

    if start.month >= 8:
        month, day = MID_AUTUMN.get(year, (9, 25))
        if date(year, month, day) < date(year, 10, 1):
            holiday(date(year, month, day), 1, "中秋节")
        holiday(date(year, 10, 1), 7, "国庆节")
        days.append((_sunday_before(date(year, 10, 1)), CalendarKind.MAKEUP_DAY, "国庆调休", 4))
        days.append((_saturday_after(date(year, 10, 7)), CalendarKind.MAKEUP_DAY, "国庆调休", 3))
        holiday(date(year + 1, 1, 1), 1, "元旦")
    else:
        holiday(date(year, 4, 4), 3, "清明节")
        holiday(date(year, 5, 1), 5, "劳动节")
        days.append((_sunday_before(date(year, 5, 1)), CalendarKind.MAKEUP_DAY, "劳动节调休", 4))
        month, day = DRAGON_BOAT.get(year, (6, 10))
        holiday(date(year, month, day), 1, "端午节")
    # A make-up day on a weekend only: the computed Sunday/Saturday may fall in the holiday.
    taken = {d for d, kind, _n, _f in days if kind == CalendarKind.HOLIDAY}
    return [row for row in days if row[1] == CalendarKind.HOLIDAY or row[0] not in taken]


def timeline(now: datetime) -> dict[str, datetime]:
    """When 实验小学's registration happened, relative to the moment the demo is built: the
    families applied three weeks ago, round one (a lottery) closed 19 days ago and every course
    but one was drawn; the amended plan's round two (first come, first served) opened at the
    top of the hour before and runs five more days."""
    today = timezone.localdate(now)
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(
            datetime.combine(today + timedelta(days=days), datetime.min.time())
        ) + timedelta(hours=hour, minutes=minute)

    return {
        "applied": at(-24, 8),
        "reviewed": at(-23, 16),
        "approved": at(-22, 9),
        "listed": at(-22, 17),
        "round1_opens": at(-21, 10, 40),
        "round1_closes": at(-19, 20),
        "signed": at(-20, 20),
        "drawn": at(-18, 9),
        "round2_planned_opens": at(3, 10, 40),
        "round2_opens": hour - timedelta(hours=1),
        "round2_closes": at(5, 17),
        "round2_registered": hour - timedelta(minutes=30),
    }


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
    now: datetime = field(default_factory=timezone.now)  # the moment the demo is built
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

    now = timezone.now()
    name, start, end = semester_for(timezone.localdate(now))
    semester = Semester.objects.filter(district=district, name=name).first()
    if semester is None:
        semester = services.create_semester(
            actor=official, district=district, name=name, start_date=start, end_date=end
        )
        for day, kind, note, follows in calendar_for(start):
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
        now=now,
    )
    # The apps' demo data (students, plans, applications, ...), registered in their ready().
    for step in registry.demo_steps():
        step(demo)
        # The next step's queries are planned on this step's rows (see db_security.analyze).
        db_security.analyze()

    if stdout is not None:
        stdout.write(
            f"Demo district {district.name}: {district.schools.count()} schools, "
            f"{Membership.objects.filter(district=district).count()} role memberships.\n"
        )
        for line in demo.summary:
            stdout.write(f"  {line}\n")
    return district
