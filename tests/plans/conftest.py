"""A district policy and a school with grades 1–6 for the plan tests."""

from datetime import date, time

import pytest

from aftercare.models import CalendarKind, SchoolClass
from aftercare.services import add_calendar_exception
from plans.services import plans as plan_services
from plans.services import policy as policy_services


@pytest.fixture
def setup(world):
    """District a's semester 2026-09-01..2027-01-22 with National Day, school a1 with
    grades 1–6, and a helper to build a valid plan under a preset."""
    semester = world.semesters["a"]
    official, principal = world.users["official_a"], world.users["principal_a1"]
    school = world.schools["a1"]
    for grade in (1, 2, 4, 5, 6):
        SchoolClass.objects.create(district=world.a, school=school, grade=grade, number=1)
    for d in range(1, 8):
        add_calendar_exception(
            actor=official, semester=semester, day=date(2026, 10, d), kind=CalendarKind.HOLIDAY
        )

    class Setup:
        pass

    s = Setup()
    s.world, s.semester, s.official, s.principal, s.school = (
        world,
        semester,
        official,
        principal,
        school,
    )

    def policy(preset="city_2021", **changes):
        policy_services.create_policy_from_preset(actor=official, semester=semester, preset=preset)
        if changes:
            policy_services.update_policy(actor=official, semester=semester, changes=changes)

    def plan(end=time(17, 30), **general):
        p = plan_services.create_plan(actor=principal, school=school, semester=semester)
        v = p.versions.get()
        v = plan_services.update_plan_general(
            actor=principal,
            version=v,
            data={
                "hotline": "0531-12345678",
                "safety_plan": "安全预案……",
                "leadership_group": "组长：校长",
                "prohibitions_confirmed": True,
                "fee_notice": "收费标准公示……",
                **general,
            },
        )
        plan_services.save_plan_part(
            actor=principal,
            version=v,
            kind="period",
            data={
                "grades": [1, 2, 3, 4, 5, 6],
                "weekdays": [0, 1, 2, 3, 4],
                "start_time": time(15, 30),
                "end_time": end,
            },
        )
        return p, v

    s.make_policy, s.make_plan = policy, plan
    return s
