"""Pages of the core: login, role landing pages, district audit log, semester calendar.

Who may do what is ``aftercare.rules``; domain errors escape to
``aftercare.views.errors.domain_errors`` (``roles_required`` includes it)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare import registry, rules, selectors, services
from aftercare.errors import Conflict, InvalidInput
from aftercare.exports import streaming_csv_response
from aftercare.filters import AuditEventFilter
from aftercare.forms import LoginForm, SemesterForm
from aftercare.models import (
    TEACHER_ROLES,
    District,
    Notification,
    Role,
    School,
)
from aftercare.tenancy import get_visible_or_404
from aftercare.views.calendar import calendar_exception_delete, semester_detail
from aftercare.views.errors import apply_domain_error, domain_errors

__all__ = [
    "apply_domain_error",
    "calendar_exception_delete",
    "current_district",
    "domain_errors",
    "roles_required",
    "semester_detail",
]

# --------------------------------------------------------------------------- helpers


def roles_required(*roles):
    """The user must hold one of ``roles`` somewhere; otherwise 403 (404s come from lookups).
    Domain errors escaping the view become pages (``domain_errors``)."""

    def decorator(view):
        @wraps(view)
        @login_required
        @domain_errors
        def wrapped(request, *args, **kwargs):
            rules.require(rules.has_any_role(request.scope, *roles))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def current_district(request):
    """The district an official works in (the first, or the one picked with ?district=)."""
    districts = request.scope.official_district_objects
    wanted = request.GET.get("district")
    for district in districts:
        if wanted and str(district.public_id) == wanted:
            return district
    return districts[0]


def landing_url(scope) -> str:
    """Where a user lands after login: the kernel's role homes first, then what the apps
    register (e.g. a parent who signed up but has no child yet), else the no-role page."""
    if rules.is_official(scope):
        return reverse("district_home")
    if scope.managed_school_objects:
        return reverse("school_home", args=[scope.managed_school_objects[0].public_id])
    if rules.has_any_role(scope, *TEACHER_ROLES):
        return reverse("teacher_home")
    if rules.has_any_role(scope, Role.PARENT):
        return reverse("family_home")
    return registry.landing_url(scope) or reverse("no_role")


# --------------------------------------------------------------------------- auth


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from aftercare.demo import DEMO_PASSWORD, demo_logins

            context["demo_logins"] = demo_logins()
            context["demo_password"] = DEMO_PASSWORD
        return context


@domain_errors
def home(request):
    """``/``: a signed-in user goes to their role's home; anyone else sees what the platform
    is, the districts' public pages (plans, fees, participant lists) and how to log in."""
    if request.user.is_authenticated:
        return redirect(landing_url(request.scope))
    districts = District.objects.order_by("name")
    return render(request, "landing.html", {"districts": districts, "demo": settings.DEMO_MODE})


@login_required
@domain_errors
def no_role(request):
    if request.scope.roles:
        return redirect("home")
    return render(request, "no_role.html")


# --------------------------------------------------------------------------- district


@roles_required(Role.DISTRICT_OFFICIAL)
def district_home(request):
    district = current_district(request)
    semesters = selectors.semesters_for(scope=request.scope, district=district)[:3]
    events = selectors.audit_events_for(scope=request.scope, district=district)[:8]
    return render(
        request,
        "district/home.html",
        {
            "district": district,
            "semesters": semesters,
            "events": events,
            "sections": registry.home_sections("district", request, district=district),
            "nav": "district",
        },
    )


@roles_required(Role.DISTRICT_OFFICIAL)
def audit_log(request):
    district = current_district(request)
    base = selectors.audit_events_for(scope=request.scope, district=district)
    filterset = AuditEventFilter(request.GET or None, queryset=base, district=district)
    events = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    if request.GET.get("export") == "csv":
        return _audit_csv(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "district/audit.html",
        {
            "district": district,
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "nav": "audit",
        },
    )


def _audit_csv(events):
    """Every event of the filtered log, streamed from a server-side cursor (no cut: a
    district's year is hundreds of thousands of rows), formula-like text quoted."""
    rows = (
        [
            e.created_at.isoformat(),
            e.school.name if e.school else "",
            e.actor_repr,
            e.action,
            e.object_repr,
            e.payload,
        ]
        for e in events.iterator(chunk_size=2000)
    )
    header = [_("time"), _("school"), _("actor"), _("action"), _("object"), _("details")]
    return streaming_csv_response("audit-events.csv", header, rows)


@roles_required(Role.DISTRICT_OFFICIAL)
def semester_list(request):
    district = current_district(request)
    form = SemesterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            semester = services.create_semester(
                actor=request.user, district=district, **form.cleaned_data
            )
        except (InvalidInput, Conflict) as err:  # on the form (a taken name included)
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Semester created."))
            return redirect("semester_detail", semester.public_id)
    return render(
        request,
        "district/semesters.html",
        {
            "district": district,
            "semesters": selectors.semesters_for(scope=request.scope, district=district),
            "form": form,
            "nav": "semesters",
        },
    )


# The semester calendar page lives in aftercare.views.calendar (ranges, month view).


# --------------------------------------------------------------------------- school


@login_required
@domain_errors
def school_landing(request):
    schools = request.scope.managed_school_objects
    rules.require(bool(schools), _("Only principals and school administrators have a school."))
    return redirect("school_home", schools[0].public_id)


@login_required
@domain_errors
def school_home(request, school_id):
    scope = request.scope
    school = get_visible_or_404(
        School.objects.select_related("district"), scope, public_id=school_id
    )
    rules.require(rules.can_view_school_dashboard(scope, school))
    staff = (
        school.memberships.exclude(role=Role.PARENT)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    return render(
        request,
        "school/home.html",
        {
            "school": school,
            "staff": staff,
            "sections": registry.home_sections("school", request, school=school),
            "nav": f"school-{school.pk}",
        },
    )


# --------------------------------------------------------------------------- teacher, family


@roles_required(*TEACHER_ROLES)
def teacher_home(request):
    schools = School.objects.filter(pk__in=request.scope.teacher_schools).order_by("name")
    return render(
        request,
        "teacher/home.html",
        {
            "schools": schools,
            "sections": registry.home_sections("teacher", request),
            "nav": "teacher",
        },
    )


@roles_required(Role.PARENT)
def family_home(request):
    return render(
        request,
        "family/home.html",
        {"sections": registry.home_sections("family", request), "nav": "family"},
    )


# --------------------------------------------------------------------------- inbox


@login_required
@domain_errors
def inbox(request):
    items = Notification.objects.visible_to(request.scope).order_by("-created_at")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    return render(request, "inbox.html", {"page": page, "nav": "inbox"})


@require_POST
@login_required
@domain_errors
def inbox_mark_read(request):
    services.mark_notifications_read(user=request.user)
    return redirect("inbox")
