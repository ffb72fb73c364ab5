"""Extended-course registration pages: parents register, accept offers and see their place;
the school watches seats, draws lotteries and closes round one; anyone can check a draw."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare import net
from aftercare.errors import DomainError
from aftercare.models import Role
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import roles_required
from enrollment.models import Channel, CourseRegistration
from enrollment.selectors.courses import course_board, published_plan_for
from enrollment.selectors.families import children_of
from enrollment.services import registration
from plans.models import Course, RegistrationMode, RegistrationWindow, WindowKind


def _client_ip(request) -> str | None:
    return net.client_ip(request)


@roles_required(Role.PARENT)
def family_courses(request):
    children = list(children_of(user=request.user, scope=request.scope))
    boards = [course_board(student=child, now=timezone.now()) for child in children]
    return render(request, "enrollment/family_courses.html", {"boards": boards, "nav": "courses"})


@require_POST
@login_required
def register_course(request, course_id):
    # The same single lookup as the rush API (see enrollment/registration.py).
    info = registration.course_info(course_id)
    if info is None:
        raise Http404
    try:
        key = uuid.UUID(request.POST.get("student", ""))
    except ValueError as err:
        raise Http404 from err
    reaches, student, info = registration.lookup_for_claim(request.user, info, key)
    if not reaches or student is None:
        raise Http404
    try:
        outcome = registration.register(
            actor=request.user,
            student=student,
            info=info,
            channel=Channel.WEB,
            ip=_client_ip(request),
        )
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        text = str(registration.OUTCOME_MESSAGES[outcome.status])
        messages.success(request, text % {"student": student.name, "course": info.name})
    return redirect("family_courses")


def _family_registration(request, registration_id) -> CourseRegistration:
    return get_visible_or_404(
        CourseRegistration.objects.select_related("course", "student").filter(
            student__guardianships__user=request.user
        ),
        request.scope,
        public_id=registration_id,
    )


@require_POST
@login_required
def registration_action(request, registration_id, action):
    reg = _family_registration(request, registration_id)
    handlers = {
        "accept": registration.accept_offer,
        "decline": registration.decline_offer,
        "cancel": registration.cancel_registration,
    }
    if action not in handlers:
        raise Http404
    try:
        handlers[action](actor=request.user, registration=reg)
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Done."))
    return redirect("family_courses")


# --------------------------------------------------------------------------- school side


@login_required
def school_registration(request, plan_id):
    plan, version = published_plan_for(request.scope, plan_id)
    rows = registration.seats_overview(version) if version else []
    modes = {}
    if version:
        for w in version.windows.filter(kind="extended"):
            modes[w.round] = w
    now = timezone.now()
    # Where registration stands, so a course is not "open" after its rounds have ended:
    # each round's state comes from its own dates.
    if any(w.opens_at <= now < w.closes_at for w in modes.values()):
        phase = "open"
    elif modes and all(w.closes_at <= now for w in modes.values()):
        phase = "ended"
    else:
        phase = "not_started"
    lottery_closed = any(
        w.mode == RegistrationMode.LOTTERY and w.closes_at <= now for w in modes.values()
    )
    for row in rows:
        holding = row["confirmed"] + row["offered"]
        row["below_minimum"] = row["capacity"].status == "open" and holding < row["course"].min_size
        row["awaits_draw"] = lottery_closed and row["entered"] > 0 and not row["drawn"]
        # Before its draw a lottery course holds no seats yet: not "below its minimum".
        row["below_minimum"] = row["below_minimum"] and not row["awaits_draw"]
    return render(
        request,
        "enrollment/school_registration.html",
        {
            "plan": plan,
            "version": version,
            "rows": rows,
            "windows": modes,
            "phase": phase,
            "can_manage": request.scope.manages(plan.school),
            "now": now,
            "nav": f"plans-{plan.school_id}",
        },
    )


@require_POST
@login_required
def school_registration_action(request, plan_id, action):
    plan, version = published_plan_for(request.scope, plan_id)
    if version is None:
        raise Http404
    try:
        if action == "close-round-one":
            cancelled = registration.close_round_one(actor=request.user, plan_version=version)
            messages.success(
                request,
                _("Round one closed: %(n)d course(s) cancelled below their minimum size.")
                % {"n": len(cancelled)},
            )
        elif action == "draw":
            course = get_visible_or_404(
                Course.objects.filter(version=version),
                request.scope,
                public_id=request.POST.get("course"),
            )
            draw = registration.draw_lottery(actor=request.user, course=course)
            messages.success(
                request,
                _("Drawn with the seed committed at publication: %(seed)s.") % {"seed": draw.seed},
            )
        else:
            raise Http404
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied from err
        messages.error(request, str(err.message))
    return redirect("school_registration", plan.public_id)


def public_lottery(request, course_id):
    """A lottery course in public: the seed's commitment from publication on; after the
    draw the revealed seed, its check against the commitment, the tokens in draw order with
    tier and result (no names), and the masked names with their results (no tier)."""
    course = get_object_or_404(
        Course.objects.select_related("school", "version__plan__semester"), public_id=course_id
    )
    record = registration.public_draw(course)
    if record is None:
        # A lottery not drawn (or committed) yet says so and when, instead of a bare 404.
        windows = list(
            RegistrationWindow.objects.filter(
                version_id=course.version_id,
                kind=WindowKind.EXTENDED,
                mode=RegistrationMode.LOTTERY,
            ).order_by("closes_at")
        )
        if not windows:
            raise Http404
        return render(
            request,
            "enrollment/public_lottery_pending.html",
            {"course": course, "windows": windows},
        )
    return render(request, "enrollment/public_lottery.html", {"record": record, "course": course})
