"""The roll's precompiled SQL (attendance/sql.py) agrees with the ORM rules it mirrors:
visibility and access of a session, and who is on a session's roll."""

from datetime import timedelta

import pytest
from django.http import Http404

from aftercare.tenancy import Scope
from attendance.access import lookup_session, lookup_session_for_roll
from attendance.models import Dismissal
from attendance.selectors.common import roster_student_ids
from attendance.services.roll import _roll_rows
from enrollment.models import Application, ApplicationStatus, Student
from tests.attendance.world import DAY, at

pytestmark = pytest.mark.django_db

USERS = [
    "official_a", "official_b", "principal_a1", "admin_a1", "principal_a2", "teacher_a1",
    "care_a1", "care_a2", "parent_a1", "outsider",
]  # fmt: skip


@pytest.mark.parametrize("key", USERS)
def test_lookup_agrees_with_visible_to(daily, world, key):
    user = world.users[key]
    try:
        expected = lookup_session(Scope(user), daily.today.public_id)
    except Http404:
        expected = None
    try:
        got = lookup_session_for_roll(user, daily.today.public_id)
    except Http404:
        got = None
    assert (got is None) == (expected is None), key
    if got is not None:
        assert got[0].pk == expected[0].pk
        assert got[1] == expected[1], key


def test_roster_agrees_with_the_orm(daily, world):
    a, b, c, d = daily.children[1:5]
    Application.objects.filter(student=a).update(
        status=ApplicationStatus.WITHDRAWN,
        withdrawn_at=at(9),
        withdrawal_effective_date=DAY - timedelta(days=1),
    )
    Application.objects.filter(student=b).update(
        status=ApplicationStatus.WITHDRAWN,
        withdrawn_at=at(9),
        withdrawal_effective_date=DAY,
    )
    Application.objects.filter(student=c).update(insurance_confirmed_at=None)
    Dismissal.objects.create(
        district=daily.school.district,
        school=daily.school,
        semester=daily.semester,
        student=d,
        last_day=DAY - timedelta(days=1),
        reason="x",
        warnings=2,
        decided_by=daily.user("principal"),
        decided_at=at(9),
    )
    section = daily.add_section("书法", students=[daily.children[0], b, d])
    course_session = daily.add_session(DAY + timedelta(days=7), group=section)
    for session in (daily.today, daily.sessions[-1], course_session):
        orm = set(
            Student.objects.filter(pk__in=roster_student_ids(session)).values_list("pk", flat=True)
        )
        sql = {child.pk for child in _roll_rows(session).values()}
        assert sql == orm, session
    today = {child.pk for child in _roll_rows(daily.today).values()}
    assert a.pk not in today and b.pk in today and c.pk not in today and d.pk not in today
