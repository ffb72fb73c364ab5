"""The family's pages: a child's attendance and leave history, authorized pickup persons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.tenancy import get_visible_or_404
from enrollment.models import Guardianship, Student

from ..access import is_school_staff
from ..forms import PickupPersonForm
from ..models import PickupPerson
from ..selectors.history import child_history
from ..services import pickup as services
from .common import require, show_error


@login_required
def child(request, student_id):
    """A child's attendance and leave history: for their guardians, and for the school."""
    student = get_visible_or_404(
        Student.objects.select_related("school_class", "school"),
        request.scope,
        public_id=student_id,
    )
    is_guardian = Guardianship.objects.filter(student=student, user=request.user).exists()
    require(
        is_guardian
        or is_school_staff(request.scope, student.school_id)
        or request.scope.is_official(student.district_id)
    )
    return render(
        request,
        "attendance/child.html",
        {"student": student, "is_guardian": is_guardian, **child_history(student), "nav": "family"},
    )


@login_required
def pickup_persons(request, student_id):
    student = get_visible_or_404(
        Student.objects.select_related("school_class"), request.scope, public_id=student_id
    )
    require(Guardianship.objects.filter(student=student, user=request.user).exists())
    form = PickupPersonForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.add_pickup_person(actor=request.user, student=student, **form.cleaned_data)
        except DomainError as err:
            show_error(request, err, form)
            status = err.status
        else:
            messages.success(request, _("Added to the pickup list."))
            return redirect("attendance_pickup_persons", student.public_id)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "attendance/pickup_persons.html",
        {
            "student": student,
            "form": form,
            "guardians": Guardianship.objects.filter(student=student).select_related("user"),
            "persons": PickupPerson.objects.filter(student=student, removed_at__isnull=True),
            "nav": "family",
        },
        status=status,
    )


@require_POST
@login_required
def pickup_person_remove(request, person_id):
    person = get_visible_or_404(
        PickupPerson.objects.select_related("student"), request.scope, public_id=person_id
    )
    try:
        services.remove_pickup_person(actor=request.user, person=person)
    except DomainError as err:
        show_error(request, err)
    else:
        messages.success(
            request, _("%(name)s removed from the pickup list.") % {"name": person.name}
        )
    return redirect("attendance_pickup_persons", person.student.public_id)
