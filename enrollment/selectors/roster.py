"""The roster page's student list: search by name, by 学籍号 (exact, through
``students_by_number`` — the number is stored encrypted and matched by its keyed hash) or by
class, paginated; the number masked for roles that do not keep the roll."""

from __future__ import annotations

import re

from django.db.models import QuerySet

from aftercare.models import School
from aftercare.tenancy import Scope
from enrollment.models import Student
from enrollment.selectors.families import students_by_number, students_for

# A 学籍号 is letters and digits (G + ID number, or a school's own code), no Chinese.
NUMBER_LIKE = re.compile(r"^[A-Za-z0-9]{6,}$")


def looks_like_number(text: str) -> bool:
    return bool(NUMBER_LIKE.match(text)) and any(c.isdigit() for c in text)


def roster_students(
    *, scope: Scope, school: School, query: str = "", class_id=None
) -> QuerySet[Student]:
    """The school's students visible to ``scope``: ``query`` is a whole 学籍号 (exact match)
    or part of a name; ``class_id`` a class's public id."""
    query = (query or "").strip()
    if query and looks_like_number(query):
        students = students_by_number(scope=scope, number=query)
    else:
        students = students_for(scope=scope)
        if query:
            students = students.filter(name__icontains=query)
    students = students.filter(school=school)
    if class_id:
        students = students.filter(school_class__public_id=class_id)
    return students


def mask_student_number(number: str) -> str:
    """G110105201501010012 → G110*************12: enough to tell two pupils apart."""
    number = number or ""
    if len(number) <= 6:
        return number[:1] + "*" * max(0, len(number) - 1)
    return number[:4] + "*" * (len(number) - 6) + number[-2:]
