"""Course sections: one group per running extended course of the published version."""

from __future__ import annotations

from scheduling.grouping import reason, unique_names
from scheduling.models import CareGroup, GroupKind, Session
from scheduling.selectors import Board, open_courses


def sync_sections(board: Board) -> int:
    """One section per running course of the published version, following each course
    (by lineage) across amendments; sections of courses gone or cancelled are removed when
    nothing hangs on them yet. Returns the number of sections created."""
    version, grouping = board.version, board.grouping
    courses = {c.lineage: c for c in open_courses(version)}
    existing = {g.lineage: g for g in board.sections}
    taken = {g.name for g in board.groups}
    created = []
    for lineage, course in courses.items():
        section = existing.get(lineage)
        if section is None:
            name = unique_names([course.name], taken)[0]
            taken.add(name)
            created.append(
                CareGroup(
                    district_id=board.plan.district_id,
                    school_id=board.plan.school_id,
                    plan=board.plan,
                    grouping=grouping,
                    kind=GroupKind.COURSE,
                    name=name,
                    position=len(existing) + len(created),
                    grades=sorted(course.grades),
                    course=course,
                    lineage=lineage,
                    reasons=[reason("section")],
                    placed_late=grouping.is_confirmed,
                )
            )
        elif section.course_id != course.pk:
            CareGroup.objects.filter(pk=section.pk).update(course=course, grades=course.grades)
            section.course = course
    stale = [g.pk for lineage, g in existing.items() if lineage not in courses]
    if stale:
        busy = set(Session.objects.filter(group_id__in=stale).values_list("group_id", flat=True))
        CareGroup.objects.filter(pk__in=[pk for pk in stale if pk not in busy]).delete()
        board.groups = [g for g in board.groups if g.pk not in stale or g.pk in busy]
    CareGroup.objects.bulk_create(created)
    board.groups += created
    return len(created)
