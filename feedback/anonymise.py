"""The feedback app's anonymiser of a child (registered in ``FeedbackConfig.ready`` through
``aftercare.registry.register_anonymiser``; safety's approved deletion runs it).

Complaints about the child stay (counts, deadlines and the district's statistics hold): the
caller's name and number are cleared, the description is replaced, and the child's names are
taken out of the school's findings (the rest of the findings stays: it is the school's
account). Complaint events are append-only and keep their notes (see issue 20's note)."""

from __future__ import annotations

from safety.anonymise import names_replaced, scrubbed

from .models import Complaint

COVERS = ("feedback.complaint",)


def anonymise_child(*, student, names: list[str], marker: str) -> int:
    return Complaint.objects.filter(student=student).update(
        caller_name="",
        caller_mobile="",
        description=scrubbed("description", marker),
        findings=names_replaced("findings", names, marker),
    )
