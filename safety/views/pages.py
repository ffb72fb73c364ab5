"""Safety pages: the family's safety, consent and data page; a child's safety page (the
guardians' form, the staff's read view — audited); incidents; the school's and the
district's pages. Thin: look up (404), ask ``safety.rules`` (403), call one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.audit import record_event
from aftercare.errors import DomainError
from aftercare.models import Role, School
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import apply_domain_error, domain_errors

from .. import rules, selectors
from ..forms import (
    AmendForm,
    ConsentForm,
    DecisionForm,
    DeletionForm,
    IncidentForm,
    NoticeForm,
    ProfileForm,
)
from ..models import (
    ConsentNotice,
    DeletionRequest,
    DeletionStatus,
    IncidentPhoto,
    IncidentSeverity,
)
from ..services import consent as consent_services
from ..services import incidents as incident_services
from ..services import profiles as profile_services
from ..services import rights


def _require(ok: bool, message: str | None = None) -> None:
    if not ok:
        raise PermissionDenied(message)


# --------------------------------------------------------------------------- the family


@roles_required(Role.PARENT)
def family(request):
    today = timezone.localdate()
    children = selectors.guardians_children(request.user)
    profiles = {
        p.student_id: p for p in selectors.SafetyProfile.objects.filter(student__in=children)
    }
    rows = []
    for child in children:
        profile = profiles.get(child.pk)
        semester = selectors.current_semester(child.district_id, today)
        rows.append(
            {
                "child": child,
                "profile": profile,
                "confirmed": bool(
                    profile
                    and profile.confirmed_at
                    and (semester is None or profile.confirmed_semester_id == semester.pk)
                ),
                "consent_due": selectors.needs_renewal(child, today),
                "consents": selectors.consent_state(child),
                "to_acknowledge": list(
                    selectors.Incident.objects.filter(student=child, acknowledged_at__isnull=True)
                ),
                "deletions": list(DeletionRequest.objects.filter(student=child)[:3]),
            }
        )
    return render(request, "safety/family.html", {"rows": rows})


@login_required
@domain_errors
def child(request, student_id):
    """The guardians edit the profile here; staff who care for the child read it (each read
    of medical notes is audited); others who find the child (an official, a homeroom teacher
    not in the group) are 403."""
    student = selectors.lookup_child(request.scope, student_id)
    scope = request.scope
    profile = selectors.profile_of(student)
    if rules.can_edit_profile(scope, student):
        form = ProfileForm(
            request.POST or None,
            contacts=profile.contacts if profile else [],
            initial={
                name: getattr(profile, name, "")
                for name in ("allergies", "conditions", "what_to_do", "medication")
            },
        )
        if request.method == "POST" and form.is_valid():
            try:
                profile_services.save_profile(
                    actor=request.user,
                    student=student,
                    contacts=form.contacts(),
                    allergies=form.cleaned_data["allergies"],
                    conditions=form.cleaned_data["conditions"],
                    what_to_do=form.cleaned_data["what_to_do"],
                    medication=form.cleaned_data["medication"],
                    confirm=form.cleaned_data["confirm"],
                )
            except DomainError as err:
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Saved. The teachers of your child's group see it."))
                return redirect("safety_child", student_id=student.public_id)
        return render(
            request,
            "safety/profile_form.html",
            {
                "student": student,
                "profile": profile,
                "form": form,
                "medical_consent": selectors.has_consent(student, "medical"),
                "min_contacts": profile_services.min_contacts(),
            },
        )
    _require(
        rules.can_read_medical(scope, student),
        _("Only the teachers of the child's group and the school's managers see this."),
    )
    medical_shown = profile is not None and selectors.has_consent(student, "medical")
    if medical_shown:
        profile_services.read_medical(actor=request.user, student=student, profile=profile)
    incidents = list(selectors.incidents_for(scope).filter(student=student)[:20])
    return render(
        request,
        "safety/profile_view.html",
        {
            "student": student,
            "profile": profile,
            "medical_shown": medical_shown,
            "incidents": incidents,
            "can_record": rules.can_record_incident(scope, student),
        },
    )


@login_required
@domain_errors
def consent(request, student_id):
    student = selectors.lookup_child(request.scope, student_id)
    _require(rules.is_guardian(request.scope, student))
    notice = selectors.current_notice(student.district_id)
    state = selectors.consent_state(student)
    binding = request.GET.get("flow") == "binding"  # right after binding the child
    form = ConsentForm(
        request.POST or None,
        current={p: d is not None for p, d in state.items()},
        initial={"notice_version": notice.version if notice else 0},
    )
    if request.method == "POST" and form.is_valid():
        decisions = {p: form.cleaned_data[p] for p in state}
        try:
            consent_services.decide_consent(
                actor=request.user,
                student=student,
                decisions=decisions,
                notice_version=form.cleaned_data["notice_version"],
            )
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Your decisions are recorded."))
            return redirect("family_home" if binding else "safety_family")
    return render(
        request,
        "safety/consent.html",
        {
            "student": student,
            "notice": notice,
            "form": form,
            "state": state,
            "binding": binding,
        },
    )


@login_required
@domain_errors
def export(request, student_id):
    student = selectors.lookup_child(request.scope, student_id)
    _require(rules.is_guardian(request.scope, student))
    name, data = rights.export_child(actor=request.user, student=student)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@domain_errors
def deletion_request(request, student_id):
    student = selectors.lookup_child(request.scope, student_id)
    _require(rules.is_guardian(request.scope, student))
    form = DeletionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rights.request_deletion(
                actor=request.user, student=student, reason=form.cleaned_data["reason"]
            )
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Your request was sent to the school."))
            return redirect("safety_family")
    return render(request, "safety/deletion_form.html", {"student": student, "form": form})


# --------------------------------------------------------------------------- incidents


@login_required
@domain_errors
def incident_new(request, student_id):
    student = selectors.lookup_child(request.scope, student_id)
    _require(rules.can_record_incident(request.scope, student))
    form = IncidentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_services.record_incident(
                actor=request.user,
                student=student,
                kind=data["kind"],
                severity=data["severity"],
                occurred_at=data["occurred_at"],
                place=data["place"],
                description=data["description"],
                action_taken=data["action_taken"],
                photos=data["photos"],
            )
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Recorded. The guardians have been told."))
            return redirect("safety_incident", incident_id=incident.public_id)
    return render(
        request,
        "safety/incident_form.html",
        {
            "student": student,
            "form": form,
            "photo_consent": selectors.has_consent(student, "photos"),
        },
    )


@login_required
@domain_errors
def incident_edit(request, incident_id):
    """The teacher who recorded an incident corrects it before any guardian acknowledged it
    (afterwards: 409, add an amendment on the incident's page)."""
    item = selectors.lookup_incident(request.scope, incident_id)
    _require(rules.can_edit_incident(request.scope, item))
    if item.is_acknowledged:
        messages.error(
            request, _("A guardian has acknowledged this incident: add an amendment instead.")
        )
        return redirect("safety_incident", incident_id=item.public_id)
    initial = {
        "kind": item.kind,
        "severity": item.severity,
        "occurred_at": timezone.localtime(item.occurred_at).replace(second=0, microsecond=0),
        "place": item.place,
        "description": item.description,
        "action_taken": item.action_taken,
    }
    form = IncidentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident_services.edit_incident(
                actor=request.user,
                incident=item,
                photos=data["photos"],
                **{k: data[k] for k in initial},
            )
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Corrected. The guardians have been told."))
            return redirect("safety_incident", incident_id=item.public_id)
    return render(
        request,
        "safety/incident_form.html",
        {
            "student": item.student,
            "form": form,
            "incident": item,
            "editing": True,
            "photo_consent": selectors.has_consent(item.student, "photos"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _back_to_incident(request, incident_id, **_kw):
    return f"/safety/incidents/{incident_id}/"


@login_required
@domain_errors
def incident(request, incident_id):
    item = selectors.lookup_incident(request.scope, incident_id)
    scope = request.scope
    return render(
        request,
        "safety/incident_detail.html",
        {
            "incident": item,
            "amendments": list(item.amendments.select_related("written_by")),
            "photos": list(item.photos.all()) if rules.can_see_photos(scope, item) else [],
            "can_acknowledge": rules.can_acknowledge(scope, item) and not item.is_acknowledged,
            "can_amend": rules.can_amend(scope, item),
            "can_correct": rules.can_edit_incident(scope, item) and not item.is_acknowledged,
            "amend_form": AmendForm(),
            "serious": item.severity == IncidentSeverity.SERIOUS,
        },
    )


@require_POST
@login_required
@domain_errors(back=_back_to_incident)
def incident_action(request, incident_id, action):
    item = selectors.lookup_incident(request.scope, incident_id)
    if action == "acknowledge":
        incident_services.acknowledge_incident(actor=request.user, incident=item)
        messages.success(request, _("Acknowledged. The teacher has been told."))
    elif action == "amend":
        incident_services.amend_incident(
            actor=request.user, incident=item, text=request.POST.get("text", "")
        )
        messages.success(request, _("The amendment is added; the guardians have been told."))
    else:
        raise Http404
    return redirect("safety_incident", incident_id=item.public_id)


@login_required
def photo(request, photo_id):
    item = (
        IncidentPhoto.objects.select_related("incident", "incident__student")
        .filter(incident__in=selectors.incidents_for(request.scope))
        .filter(public_id=photo_id)
        .first()
    )
    if item is None or not rules.can_see_photos(request.scope, item.incident):
        raise Http404
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as err:
        raise Http404 from err
    if not rules.is_guardian(request.scope, item.incident.student):
        record_event(actor=request.user, action="safety.photo_viewed", obj=item.incident)
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = content_disposition_header(
        item.content_type == "application/pdf", item.file.name.rsplit("/", 1)[-1]
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- school, district


@login_required
@domain_errors
def school(request, school_id):
    school_obj = get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    _require(rules.can_read_school(request.scope, school_obj))
    incidents = list(selectors.incidents_for(request.scope).filter(school=school_obj)[:50])
    deletions = list(
        DeletionRequest.objects.filter(school=school_obj)
        .select_related("student", "requested_by")
        .order_by("status", "-requested_at")[:50]
    )
    return render(
        request,
        "safety/school.html",
        {
            "school": school_obj,
            "incidents": incidents,
            "deletions": deletions,
            "can_decide": rules.can_decide_deletion(request.scope, school_obj.pk),
            "decision_form": DecisionForm(),
            "pending": DeletionStatus.PENDING,
        },
    )


def _back_to_school(request, request_id, **_kw):
    item = DeletionRequest.objects.filter(public_id=request_id).select_related("school").first()
    return f"/school/{item.school.public_id}/safety/" if item else "/"


@require_POST
@login_required
@domain_errors(back=_back_to_school)
def deletion_decide(request, request_id, action):
    item = get_visible_or_404(
        DeletionRequest.objects.select_related("school", "student"),
        request.scope,
        public_id=request_id,
    )
    if action not in ("approve", "refuse"):
        raise Http404
    rights.decide_deletion(
        actor=request.user,
        request=item,
        approve=action == "approve",
        note=request.POST.get("note", ""),
    )
    messages.success(request, _("Decided; the family has been told."))
    return redirect("safety_school", school_id=item.school.public_id)


@roles_required(Role.DISTRICT_OFFICIAL)
def district(request):
    district_obj = current_district(request)
    notice = selectors.current_notice(district_obj.pk)
    initial = {n: getattr(notice, n) for n in consent_services.NOTICE_FIELDS} if notice else {}
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent_services.publish_notice(
                actor=request.user, district=district_obj, **form.cleaned_data
            )
        except DomainError as err:
            apply_domain_error(form, err)
        else:
            messages.success(request, _("The new version is published; families are asked again."))
            return redirect("safety_district")
    serious = list(
        selectors.incidents_for(request.scope)
        .filter(district=district_obj, severity=IncidentSeverity.SERIOUS)
        .order_by("-occurred_at")[:50]
    )
    return render(
        request,
        "safety/district.html",
        {
            "district": district_obj,
            "notice": notice,
            "versions": ConsentNotice.objects.filter(district=district_obj).count(),
            "form": form,
            "serious": serious,
        },
    )
