"""The comparison variants of the rush benchmark, served by the same stack as the real
endpoint (same authentication, same lookups, same checks); only the claim differs.

    ceiling  answers without claiming a seat (the most this stack can do)
    naive    counts confirmed seats, then inserts (check-then-insert, no lock)
    locking  SELECT ... FOR UPDATE on the seat counter, then checks and writes
    ours     the production endpoint's claim (enrollment.registration.register)

They live here, not in the app: only ``ours`` is a correct registration.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from aftercare.audit import record_event
from enrollment.api.courses import RegisterView
from enrollment.models import (
    LIVE_APPLICATION,
    LIVE_SEATS,
    Application,
    Channel,
    CourseCapacity,
    CourseRegistration,
)
from enrollment.services import registration
from enrollment.services.registration import Outcome, RegistrationError


def _refuse_duplicate_or_limit(app, info, student):
    if app is None or app.status not in LIVE_APPLICATION:
        raise RegistrationError("no application", code="no_application")
    if app.courses_taken >= info.max_per_student:
        raise RegistrationError("limit", code="limit_reached")
    if CourseRegistration.objects.filter(
        course_id=info.id, student_id=student.pk, status__in=LIVE_SEATS
    ).exists():
        raise RegistrationError("duplicate", code="already_registered")


def _create(request, student, info, app, status) -> Outcome:
    reg = CourseRegistration.objects.create(
        district_id=info.district_id,
        school_id=info.school_id,
        course_id=info.id,
        student_id=student.pk,
        application=app,
        status=status,
        created_by=request.user,
        channel=Channel.API,
    )
    Application.objects.filter(pk=app.pk).update(courses_taken=F("courses_taken") + 1)
    record_event(
        actor=request.user,
        action="course.registered",
        obj=reg,
        school=reg.school,
        payload={"status": status, "variant": True},
    )
    return Outcome(registration_id=reg.pk, public_id=reg.public_id, status=status)


class Ceiling(RegisterView):
    def claim(self, request, student, info):
        registration.admit(student=student, info=info, now=timezone.now())
        return Outcome(registration_id=0, public_id=uuid.uuid4(), status="confirmed")


class Naive(RegisterView):
    def claim(self, request, student, info):
        registration.admit(student=student, info=info, now=timezone.now())
        with transaction.atomic():
            app = Application.objects.filter(
                student_id=student.pk, semester_id=info.semester_id
            ).first()
            _refuse_duplicate_or_limit(app, info, student)
            confirmed = CourseRegistration.objects.filter(
                course_id=info.id, status="confirmed"
            ).count()
            status = "confirmed" if confirmed < info.capacity else "waitlisted"
            return _create(request, student, info, app, status)


class Locking(RegisterView):
    def claim(self, request, student, info):
        registration.admit(student=student, info=info, now=timezone.now())
        with transaction.atomic():
            app = (
                Application.objects.select_for_update()
                .filter(student_id=student.pk, semester_id=info.semester_id)
                .first()
            )
            seats = CourseCapacity.objects.select_for_update().get(course_id=info.id)
            _refuse_duplicate_or_limit(app, info, student)
            status = "confirmed" if seats.taken < seats.capacity else "waitlisted"
            if status == "confirmed":
                seats.taken += 1
                seats.save(update_fields=["taken"])
            return _create(request, student, info, app, status)


VIEWS = {
    "ceiling": Ceiling.as_view(),
    "naive": Naive.as_view(),
    "locking": Locking.as_view(),
    "ours": RegisterView.as_view(),
}


@csrf_exempt  # token-authenticated API, like the real endpoint
def view(request, variant, course_id):
    try:
        handler = VIEWS[variant]
    except KeyError as err:
        raise Http404 from err
    return handler(request, course_id=course_id)
