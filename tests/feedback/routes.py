"""Every feedback route with an object id, pointed at district b's objects, for the
cross-tenant matrix of tests/test_tenancy.py (and, through ``neighbour_world``, the
intra-district one of tests/test_tenancy_intra.py): school b1's complaint (with a file), its
school-level evaluation and school b1 itself are 404 for every role of district a.

The rows are written directly (not through the services): the matrix checks the routes'
scoping, and the services' own rules (a semester's policy, invited families) are tested in
tests/feedback/."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from feedback.models import Complaint, ComplaintAttachment, Evaluation, Side


def foreign_feedback_routes(world) -> dict:
    school, student = world.schools["b1"], world.students["b1"]
    parent, semester = world.users["parent_b1"], world.semesters["b"]
    now = timezone.now()
    complaint = Complaint.objects.create(
        district=school.district,
        school=school,
        semester=semester,
        channel="family",
        student=student,
        filed_by=parent,
        category="teacher",
        incident_date=timezone.localdate(now),
        description="外区的投诉",
        submitted_at=now,
        ack_due_at=now + timedelta(days=2),
        resolve_due_at=now + timedelta(days=10),
    )
    attachment = ComplaintAttachment.objects.create(
        district=school.district,
        school=school,
        complaint=complaint,
        file=f"complaints/{school.district_id}/{school.pk}/matrix.pdf",
        original_name="matrix.pdf",
        content_type="application/pdf",
        size=10,
        side=Side.FAMILY,
        uploaded_by=parent,
        uploaded_at=now,
    )
    evaluation = Evaluation.objects.create(
        district=school.district,
        semester=semester,
        school=school,
        title="外区满意度评价",
        closes_on=timezone.localdate(now) + timedelta(days=7),
        opened_at=now,
        opened_by=world.users["principal_b1"],
    )
    c, e, f, s = complaint.public_id, evaluation.public_id, attachment.public_id, school.public_id
    routes = {
        "complaint_detail": ("get", reverse("complaint_detail", args=[c])),
        "complaint_action": ("post", reverse("complaint_action", args=[c, "acknowledge"])),
        "complaint_attachment": ("get", reverse("complaint_attachment", args=[f])),
        "school_feedback": ("get", reverse("school_feedback", args=[s])),
        "school_complaints_export": ("get", reverse("school_complaints_export", args=[s])),
        "school_evaluation_new": ("get", reverse("school_evaluation_new", args=[s])),
        "evaluation_detail": ("get", reverse("evaluation_detail", args=[e])),
        "evaluation_export": ("get", reverse("evaluation_export", args=[e])),
        "evaluation_action": ("post", reverse("evaluation_action", args=[e, "remind"])),
        "evaluation_answer": (
            "get",
            reverse("evaluation_answer", args=[e, student.public_id]),
        ),
        "api-complaint": ("get", reverse("api-complaint", args=[c])),
        "api-complaint-file": ("get", reverse("api-complaint-file", args=[f])),
        "api-evaluation": ("get", reverse("api-evaluation", args=[e])),
        "api-evaluation-answers": ("post", reverse("api-evaluation-answers", args=[e])),
        "api-evaluation-results": ("get", reverse("api-evaluation-results", args=[e])),
    }
    for action in ("acknowledge", "close", "note", "escalate", "reopen", "uphold"):
        name = f"api-complaint-{action}"
        routes[name] = ("post", reverse(name, args=[c]))
    for action in ("remind", "close"):
        name = f"api-evaluation-{action}"
        routes[name] = ("post", reverse(name, args=[e]))
    return routes
