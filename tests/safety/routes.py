"""Every safety route with an object id, pointed at school b1's child (district b), for the
cross-tenant matrix of tests/test_tenancy.py and, through ``neighbour_world``, the
intra-district one (tests/test_tenancy_intra.py): the child's safety page, consent, export,
deletion, incidents (with a photo) and the school's deletion request are 404 to every role
of district a (of school a1). Rows are written directly: the matrix checks the scoping."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from safety.models import DeletionRequest, Incident, IncidentPhoto, SafetyProfile


def foreign_safety_routes(world) -> dict:
    school, student = world.schools["b1"], world.students["b1"]
    parent, teacher = world.users["parent_b1"], world.users["teacher_b1"]
    now = timezone.now()
    SafetyProfile.objects.get_or_create(
        student=student,
        defaults={
            "district": school.district,
            "school": school,
            "allergies": "花生",
            "what_to_do": "联系家长",
            "has_alert": True,
        },
    )
    incident = Incident.objects.create(
        district=school.district,
        school=school,
        student=student,
        kind="injury",
        occurred_at=now,
        place="操场",
        description="摔倒",
        action_taken="处理伤口",
        recorded_by=teacher,
        recorded_at=now,
    )
    photo = IncidentPhoto.objects.create(
        district=school.district,
        school=school,
        incident=incident,
        file=f"safety/{school.district_id}/{school.pk}/matrix.png",
        content_type="image/png",
        size=10,
        uploaded_by=teacher,
        uploaded_at=now,
    )
    deletion = DeletionRequest.objects.create(
        district=school.district,
        school=school,
        student=student,
        requested_by=parent,
        requested_at=now,
    )
    s, i, d = student.public_id, incident.public_id, deletion.public_id
    routes = {
        "safety_child": ("get", reverse("safety_child", args=[s])),
        "safety_consent": ("get", reverse("safety_consent", args=[s])),
        "safety_incident_new": ("get", reverse("safety_incident_new", args=[s])),
        "safety_export": ("get", reverse("safety_export", args=[s])),
        "safety_deletion_request": ("post", reverse("safety_deletion_request", args=[s])),
        "safety_incident": ("get", reverse("safety_incident", args=[i])),
        "safety_incident_edit": ("get", reverse("safety_incident_edit", args=[i])),
        "safety_incident_action": ("post", reverse("safety_incident_action", args=[i, "amend"])),
        "safety_photo": ("get", reverse("safety_photo", args=[photo.public_id])),
        "safety_deletion_decide": (
            "post",
            reverse("safety_deletion_decide", args=[d, "approve"]),
        ),
        "safety_school": ("get", reverse("safety_school", args=[school.public_id])),
        "api-safety-profile": ("get", reverse("api-safety-profile", args=[s])),
        "api-safety-incidents": ("get", reverse("api-safety-incidents", args=[s])),
        "api-safety-consent": ("get", reverse("api-safety-consent", args=[s])),
        "api-safety-export": ("get", reverse("api-safety-export", args=[s])),
        "api-safety-deletion": ("post", reverse("api-safety-deletion", args=[s])),
        "api-safety-incident": ("get", reverse("api-safety-incident", args=[i])),
    }
    for action in ("acknowledge", "amend"):
        name = f"api-safety-incident-{action}"
        routes[name] = ("post", reverse(name, args=[i]))
    for action in ("approve", "refuse"):
        name = f"api-safety-deletion-{action}"
        routes[name] = ("post", reverse(name, args=[d]))
    return routes
