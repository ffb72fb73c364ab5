"""Pages about students. Staff reads of a child's record are audited."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import render

from aftercare import rules
from aftercare.audit import record_event
from aftercare.tenancy import get_visible_or_404

from .models import Guardianship, Student


@login_required
def student_detail(request, student_id):
    scope = request.scope
    student = get_visible_or_404(
        Student.objects.select_related(
            "school", "school_class", "school_class__homeroom_teacher"
        ).prefetch_related(
            Prefetch("guardianships", queryset=Guardianship.objects.select_related("user"))
        ),
        scope,
        public_id=student_id,
    )
    if rules.is_staff_reader(scope, student.school_id, student.district_id):
        record_event(actor=request.user, action="student.viewed", obj=student)
    return render(request, "students/detail.html", {"student": student})
