"""Term-end disclosure pages (每学期末公示收支): the school's disclosures (draft from the ledger,
refresh, publish, amend; name the parents' committee reviewers), a version's page (the
reviewer confirms it there), the public page and PDF, the reviewer's own list, and the
district's overview of every school (late and missing ones marked)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.models import School, Semester
from aftercare.roles import OFFICIAL_ROLES
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import domain_errors
from billing.forms import CommitteeForm, ReasonForm, ReviewForm
from billing.models import Disclosure, DisclosureStatus, DisclosureVersion
from billing.services import disclosure as disclosures
from billing.services import reviewers


def _school(request, school_id) -> School:
    """The school's disclosures: its managers, its parents' committee reviewers and the
    district's officials; anyone else 404 (the school is not theirs to know about)."""
    school = School.objects.select_related("district").filter(public_id=school_id).first()
    scope = request.scope
    if school is None or not (
        scope.manages(school)
        or scope.is_official(school.district_id)
        or school.pk in disclosures.committee_schools(scope)
    ):
        raise Http404
    return school


def _manage(request, school: School) -> None:
    if not request.scope.manages(school):
        raise PermissionDenied


def _version(request, version_id) -> DisclosureVersion:
    version = (
        disclosures.versions_for(request.scope)
        .select_related(
            "disclosure__school",
            "disclosure__semester",
            "reviewed_by",
            "published_by",
            "drafted_by",
        )
        .filter(public_id=version_id)
        .first()
    )
    if version is None:
        raise Http404
    return version


def _version_url(version) -> str:
    return reverse("billing_disclosure_version", args=[version.public_id])


def _back_to_version(request, version_id):
    return reverse("billing_disclosure_version", args=[version_id])


@login_required
def school_disclosures(request, school_id):
    school = _school(request, school_id)
    rows = list(
        Disclosure.objects.filter(school=school)
        .select_related("semester")
        .prefetch_related("versions")
        .order_by("-semester__start_date")
    )
    for d in rows:
        d.all_versions = sorted(d.versions.all(), key=lambda v: -v.number)
    today = timezone.localdate()
    return render(
        request,
        "billing/disclosure/school.html",
        {
            "school": school,
            "rows": rows,
            "semesters": Semester.objects.filter(
                district_id=school.district_id, start_date__lte=today
            ).order_by("-start_date"),
            "manages": request.scope.manages(school),
            "reviewers": reviewers.reviewers_of(school),
            "committee_form": CommitteeForm(),
            "nav": f"payouts-{school.pk}",
        },
    )


@require_POST
@login_required
@domain_errors(back=lambda request, school_id: reverse("billing_disclosures", args=[school_id]))
def disclosure_draft(request, school_id):
    school = _school(request, school_id)
    _manage(request, school)
    semester = Semester.objects.filter(
        district_id=school.district_id, public_id=request.POST.get("semester") or None
    ).first()
    if semester is None:
        messages.error(request, _("Choose a semester."))
        return redirect(reverse("billing_disclosures", args=[school.public_id]))
    version = disclosures.draft_disclosure(actor=request.user, school=school, semester=semester)
    messages.success(request, _("Drafted from the ledger."))
    return redirect(_version_url(version))


@require_POST
@login_required
@domain_errors(back=lambda request, school_id: reverse("billing_disclosures", args=[school_id]))
def disclosure_reviewer(request, school_id):
    school = _school(request, school_id)
    _manage(request, school)
    form = CommitteeForm(request.POST)
    mobile = form.data.get("mobile", "")
    user = reviewers.appoint_reviewer(actor=request.user, school=school, mobile=mobile)
    messages.success(request, _("%(who)s reviews the disclosure now.") % {"who": user})
    return redirect(reverse("billing_disclosures", args=[school.public_id]) + "#reviewers")


@login_required
def disclosure_version(request, version_id):
    version = _version(request, version_id)
    disclosure = version.disclosure
    school = disclosure.school
    scope = request.scope
    manages = scope.manages(school)
    is_reviewer = school.pk in disclosures.committee_schools(scope)
    figures = disclosures.ledger_figures(school=school, semester=disclosure.semester)
    diff = disclosures.differences(version, figures)
    return render(
        request,
        "billing/disclosure/version.html",
        {
            "version": version,
            "disclosure": disclosure,
            "school": school,
            "sections": disclosures.lines_of(version),
            "diff": diff,
            "manages": manages,
            "is_reviewer": is_reviewer,
            "can_review": is_reviewer and version.status == DisclosureStatus.DRAFT,
            "can_publish": manages and version.status == DisclosureStatus.REVIEWED,
            "can_refresh": manages and version.status != DisclosureStatus.PUBLISHED,
            "can_amend": manages
            and version.status == DisclosureStatus.PUBLISHED
            and not disclosure.versions.filter(status__in=disclosures.OPEN).exists(),
            "review_form": ReviewForm(),
            "reason_form": ReasonForm(),
            "others": disclosure.versions.exclude(pk=version.pk).order_by("-number"),
            "nav": f"payouts-{school.pk}" if manages else "disclosure-review",
        },
    )


@require_POST
@login_required
@domain_errors(back=_back_to_version)
def disclosure_confirm(request, version_id):
    version = _version(request, version_id)
    disclosures.review_disclosure(
        actor=request.user, version=version, note=request.POST.get("note", "")
    )
    messages.success(request, _("Confirmed. The principal can publish it now."))
    return redirect(_version_url(version))


@require_POST
@login_required
@domain_errors(back=_back_to_version)
def disclosure_publish(request, version_id):
    version = _version(request, version_id)
    _manage(request, version.disclosure.school)
    disclosures.publish_disclosure(actor=request.user, version=version)
    messages.success(request, _("Published: the public page shows it."))
    return redirect(_version_url(version))


@require_POST
@login_required
@domain_errors(back=_back_to_version)
def disclosure_refresh(request, version_id):
    version = _version(request, version_id)
    school = version.disclosure.school
    _manage(request, school)
    fresh = disclosures.draft_disclosure(
        actor=request.user, school=school, semester=version.disclosure.semester
    )
    messages.success(request, _("Refreshed from the ledger."))
    return redirect(_version_url(fresh))


@require_POST
@login_required
@domain_errors(back=_back_to_version)
def disclosure_amend(request, version_id):
    version = _version(request, version_id)
    _manage(request, version.disclosure.school)
    fresh = disclosures.amend_disclosure(
        actor=request.user, disclosure=version.disclosure, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Amendment drafted: it is reviewed and published like the first."))
    return redirect(_version_url(fresh))


@login_required
def committee_home(request):
    """A parents' committee reviewer's list: the disclosures of their schools."""
    schools = disclosures.committee_schools(request.scope)
    if not schools:
        raise PermissionDenied
    versions = list(
        DisclosureVersion.objects.filter(school_id__in=schools)
        .select_related("disclosure__school", "disclosure__semester")
        .order_by("-disclosure__semester__start_date", "school_id", "-number")
    )
    return render(
        request,
        "billing/disclosure/committee.html",
        {"versions": versions, "nav": "disclosure-review"},
    )


# --------------------------------------------------------------------------- public


def public_disclosure(request, disclosure_id):
    """Every published version of a school's disclosure (no login; no personal data)."""
    disclosure = (
        Disclosure.objects.select_related("school", "semester", "district")
        .filter(public_id=disclosure_id)
        .first()
    )
    if disclosure is None:
        raise Http404
    published = disclosures.published(disclosure)
    if not published:
        raise Http404
    return render(
        request,
        "billing/disclosure/public.html",
        {
            "disclosure": disclosure,
            "versions": [(v, disclosures.lines_of(v)) for v in published],
        },
    )


def public_disclosure_pdf(request, version_id):
    version = (
        DisclosureVersion.objects.filter(public_id=version_id, status=DisclosureStatus.PUBLISHED)
        .select_related("disclosure__school")
        .first()
    )
    if version is None:
        raise Http404
    path = disclosures.render_pdf(version_id=version.pk)
    return FileResponse(
        open(path, "rb"),
        content_type="application/pdf",
        filename=f"课后服务收支公示-{version.disclosure.school.name}-第{version.number}版.pdf",
    )


# --------------------------------------------------------------------------- the district


@roles_required(*OFFICIAL_ROLES)
def district_disclosures(request):
    district = current_district(request)
    semesters = list(
        Semester.objects.filter(district=district, end_date__lt=timezone.localdate()).order_by(
            "-end_date"
        )
    )
    wanted = request.GET.get("semester")
    semester = next((s for s in semesters if str(s.public_id) == wanted), None) or (
        semesters[0] if semesters else None
    )
    states = disclosures.disclosure_status(district, semester=semester) if semester else []
    return render(
        request,
        "billing/disclosure/district.html",
        {
            "district": district,
            "semester": semester,
            "semesters": semesters,
            "states": states,
            "late": sum(1 for s in states if s.late),
            "missing": sum(1 for s in states if s.status == "missing"),
            "nav": "district-disclosures",
        },
    )
