"""Instructors' checks as a table, the staff list's bad input, and the scheduling rule: an
institution's instructor without a valid check cannot be scheduled."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from aftercare.errors import InvalidInput, NotAllowed
from aftercare.tenancy import Scope
from institutions import services
from institutions.models import Institution
from institutions.selectors import check_problem, instructors_visible
from scheduling.models import StaffKind, StaffMember
from scheduling.selectors import schedulable_problem
from tests.institutions.helpers import OTHER_ID, instructor_data

pytestmark = pytest.mark.django_db

D = timedelta(days=1)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, None),
        ({"sexual_offence_checked": False}, "sexual-offence record check"),
        ({"background_checked_on": None, "consent_given_on": None}, "no background check"),
        ({"background_check_valid_until": -1}, "background check has expired"),
        ({"background_check_valid_until": 0}, None),  # valid through its last day
        ({"health_certificate_valid_until": None}, "health certificate"),
        ({"health_certificate_valid_until": -1}, "health certificate"),
        ({"is_active": False}, "no longer on the institution's staff list"),
    ],
)
def test_check_problem_table(inst, change, expected):
    today = timezone.localdate()
    i = inst.instructor
    for field, value in change.items():
        setattr(
            i,
            field,
            today + value * D if isinstance(value, int) and field.endswith("until") else value,
        )
    with translation.override("en"):
        problem = check_problem(i, on=today)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"id_card": "110105194912310020"}, "id_card"),  # bad check character
        ({"id_card": "1234"}, "id_card"),
        ({"consent_given_on": None}, "consent_given_on"),
        ({"consent_given_on": timezone.localdate()}, "consent_given_on"),  # after the check
        ({"qualification": ""}, "qualification"),
    ],
)
def test_bad_staff_input_is_refused(inst, over, field):
    with pytest.raises(InvalidInput) as err:
        services.save_instructor(
            actor=inst.account.user, institution=inst.institution, data=instructor_data(**over)
        )
    assert field in err.value.fields


def test_the_same_person_twice_is_refused_but_another_institution_may_list_them(inst):
    with pytest.raises(InvalidInput):
        services.save_instructor(
            actor=inst.account.user, institution=inst.institution, data=instructor_data()
        )
    services.save_instructor(
        actor=inst.other.user, institution=inst.other.institution, data=instructor_data()
    )
    services.save_instructor(
        actor=inst.account.user,
        institution=inst.institution,
        data=instructor_data(id_card=OTHER_ID),
    )


def test_only_the_institution_keeps_its_staff_list(inst):
    with pytest.raises(NotAllowed):
        services.save_instructor(
            actor=inst.other.user, institution=inst.institution, data=instructor_data()
        )


def test_who_sees_instructors(inst):
    w = inst.world
    assert list(instructors_visible(Scope(inst.account.user))) == [inst.instructor]
    assert list(instructors_visible(Scope(inst.other.user))) == []
    assert list(instructors_visible(Scope(w.users["official_a"]))) == [inst.instructor]
    assert list(instructors_visible(Scope(w.users["official_b"]))) == []
    # Principals see instructors of approved institutions of their district only.
    assert list(instructors_visible(Scope(w.users["principal_a1"]))) == []
    application = inst.apply()
    services.review_application(
        actor=w.users["official_a"], application=application, approve=True, score=80
    )
    assert list(instructors_visible(Scope(w.users["principal_a1"]))) == [inst.instructor]
    assert list(instructors_visible(Scope(w.users["principal_b1"]))) == []
    assert list(instructors_visible(Scope(w.users["parent_a1"]))) == []


def test_scheduling_refuses_an_instructor_without_a_valid_check(inst):
    w = inst.world
    application = inst.apply()
    services.review_application(
        actor=w.users["official_a"], application=application, approve=True, score=80
    )
    school = w.schools["a1"]
    institution = Institution.objects.get(pk=inst.institution.pk)
    assert institution.status == "approved"
    staff = StaffMember(
        district=school.district,
        school=school,
        kind=StaffKind.INSTITUTION,
        full_name="张老师",
        institution=institution,
    )
    with translation.override("en"):
        assert "not linked to an entry" in schedulable_problem(staff, records=[])
        staff.instructor = inst.instructor
        inst.instructor.sexual_offence_checked = False
        assert "sexual-offence" in schedulable_problem(staff, records=[])
        inst.instructor.sexual_offence_checked = True
        # Checks valid: what remains is the school's own vetting steps.
        assert "not vetted yet" in schedulable_problem(staff, records=[])
