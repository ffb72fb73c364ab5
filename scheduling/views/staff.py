"""Pages of the staff roster, vetting documents, rooms and the district's institutions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftercare import uploads
from aftercare.errors import DomainError
from aftercare.models import Role, School
from aftercare.tenancy import get_visible_or_404
from aftercare.uploads import upload_limit
from aftercare.views.core import apply_domain_error, current_district, roles_required
from scheduling import rules, selectors
from scheduling.forms import (
    InstitutionForm,
    InstitutionStatusForm,
    RoomForm,
    StaffForm,
    UploadForm,
    VettingForm,
)
from scheduling.models import Institution, Room, StaffMember, VettingRecord, VettingStep
from scheduling.resources import COLUMNS, KIND_OUT
from scheduling.resources import MAX_FILE_MB as STAFF_MAX_FILE_MB
from scheduling.services import staff as services
from scheduling.services.staff_import import StaffFileInvalid, export_staff, import_staff

MAX_PROBLEMS_SHOWN = 200


def school_for(request, school_id, *, manage: bool = False) -> School:
    """The school, if the user may see its scheduling pages (404 elsewhere, 403 wrong role)."""
    scope = request.scope
    school = get_visible_or_404(
        School.objects.select_related("district"), scope, public_id=school_id
    )
    allowed = (
        rules.can_manage_school(scope, school) if manage else rules.can_view_school(scope, school)
    )
    if not allowed:
        raise PermissionDenied
    return school


def forbidden_or(err: DomainError) -> None:
    if err.status == 403:
        raise PermissionDenied from err


# --------------------------------------------------------------------------- staff list


def _staff_page(request, school, *, form=None, upload=None, problems=None):
    staff = list(selectors.staff_of_school(scope=request.scope, school=school))
    for s in staff:
        s.problem = selectors.schedulable_problem(s, list(s.vetting.all()))
    can_manage = rules.can_manage_school(request.scope, school)
    return render(
        request,
        "scheduling/staff_list.html",
        {
            "school": school,
            "staff": staff,
            "form": form or (StaffForm(school=school) if can_manage else None),
            "upload": upload or (UploadForm() if can_manage else None),
            "problems": (problems or [])[:MAX_PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(problems or []) - MAX_PROBLEMS_SHOWN),
            "can_manage": can_manage,
            "columns": COLUMNS,
            "kinds": list(KIND_OUT.values()),
            "schedulable": sum(1 for s in staff if s.is_active and s.problem is None),
            "nav": f"scheduling-{school.pk}",
        },
    )


@login_required
def staff_list(request, school_id):
    school = school_for(request, school_id)
    if request.method != "POST":
        return _staff_page(request, school)
    if not rules.can_manage_school(request.scope, school):
        raise PermissionDenied
    form = StaffForm(request.POST, school=school)
    if form.is_valid():
        try:
            staff = services.save_staff(actor=request.user, school=school, data=form.cleaned_data)
        except DomainError as err:
            forbidden_or(err)
            apply_domain_error(form, err)
        else:
            messages.success(request, _("%(name)s added to the staff list.") % {"name": staff})
            return redirect("scheduling_staff_detail", staff.public_id)
    return _staff_page(request, school, form=form)


@login_required
@require_POST
@upload_limit(mb=STAFF_MAX_FILE_MB)
def staff_import(request, school_id):
    """A file over the limit is refused while it streams in (aftercare.uploads): 413."""
    school = school_for(request, school_id, manage=True)
    if uploads.refused(request):
        upload = UploadForm(request.POST, {})
        upload.is_valid()
        upload.errors.pop("file", None)  # not "required": too large
        upload.add_error(
            None, _("The file is larger than %(max)d MB.") % {"max": STAFF_MAX_FILE_MB}
        )
        response = _staff_page(request, school, upload=upload)
        response.status_code = 413
        return response
    upload = UploadForm(request.POST, request.FILES)
    if not upload.is_valid():
        return _staff_page(request, school, upload=upload)
    file = upload.cleaned_data["file"]
    try:
        result = import_staff(
            actor=request.user, school=school, content=file.read(), filename=file.name
        )
    except StaffFileInvalid as err:
        upload.add_error(None, str(err.message))
        return _staff_page(request, school, upload=upload, problems=err.rows)
    except DomainError as err:
        forbidden_or(err)
        apply_domain_error(upload, err)
        return _staff_page(request, school, upload=upload)
    messages.success(
        request,
        _("Staff imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged.")
        % {"new": result.new, "updated": result.updated, "unchanged": result.unchanged},
    )
    return redirect("scheduling_staff", school.public_id)


@login_required
@require_GET
def staff_export(request, school_id):
    school = school_for(request, school_id, manage=True)
    content, filename = export_staff(actor=request.user, school=school)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --------------------------------------------------------------------------- one person


def _staff_for(request, staff_id) -> StaffMember:
    staff = get_visible_or_404(
        StaffMember.objects.select_related("school", "school__district", "user", "institution"),
        request.scope,
        public_id=staff_id,
    )
    if not rules.can_view_school(request.scope, staff.school):
        raise PermissionDenied
    return staff


def _staff_detail_page(request, staff, *, form=None, vetting_form=None):
    school = staff.school
    can_manage = rules.can_manage_school(request.scope, school)
    records = {r.step: r for r in staff.vetting.all()}
    steps = [(value, label, records.get(value)) for value, label in VettingStep.choices]
    assignments = staff.assignments.select_related("group", "plan__semester").order_by(
        "-plan__semester__start_date", "weekday"
    )
    if form is None and can_manage:
        form = StaffForm(
            school=school,
            current_institution=staff.institution,
            initial={
                "kind": staff.kind,
                "full_name": staff.full_name,
                "mobile": staff.mobile,
                "user": staff.user,
                "institution": staff.institution,
                "subject": staff.subject,
                "note": staff.note,
                "is_active": staff.is_active,
            },
        )
    return render(
        request,
        "scheduling/staff_detail.html",
        {
            "school": school,
            "member": staff,
            "steps": steps,
            "problem": selectors.schedulable_problem(staff, list(records.values())),
            "assignments": assignments,
            "form": form,
            "vetting_form": vetting_form or (VettingForm() if can_manage else None),
            "can_manage": can_manage,
            "nav": f"scheduling-{school.pk}",
        },
    )


@login_required
def staff_detail(request, staff_id):
    staff = _staff_for(request, staff_id)
    if request.method != "POST":
        return _staff_detail_page(request, staff)
    if not rules.can_manage_school(request.scope, staff.school):
        raise PermissionDenied
    form = StaffForm(request.POST, school=staff.school, current_institution=staff.institution)
    if form.is_valid():
        try:
            services.save_staff(
                actor=request.user, school=staff.school, data=form.cleaned_data, staff=staff
            )
        except DomainError as err:
            forbidden_or(err)
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("scheduling_staff_detail", staff.public_id)
    return _staff_detail_page(request, staff, form=form)


@login_required
@require_POST
def vetting_upload(request, staff_id):
    staff = _staff_for(request, staff_id)
    if not rules.can_manage_school(request.scope, staff.school):
        raise PermissionDenied
    form = VettingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.record_vetting(
                actor=request.user,
                staff=staff,
                step=form.cleaned_data["step"],
                done_on=form.cleaned_data["done_on"],
                upload=form.cleaned_data["document"],
            )
        except DomainError as err:
            forbidden_or(err)
            apply_domain_error(form, err)
        else:
            messages.success(request, _("Vetting step recorded."))
            return redirect("scheduling_staff_detail", staff.public_id)
    return _staff_detail_page(request, staff, vetting_form=form)


def document_response(record: VettingRecord) -> FileResponse:
    """The stored file, as a download, with the type we sniffed at upload and nosniff."""
    try:
        handle = record.document.open("rb")
    except FileNotFoundError as err:
        raise Http404 from err
    ext = record.document.name.rsplit(".", 1)[-1]
    name = f"{record.staff.full_name}-{record.get_step_display()}.{ext}"
    response = FileResponse(handle, content_type=record.content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def vetting_document(request, record_id):
    """A vetting document: the school's managers, the district's officials and the person
    themself; anyone else gets 404 (not even the record's existence is disclosed)."""
    record = get_visible_or_404(
        VettingRecord.objects.select_related("staff"), request.scope, public_id=record_id
    )
    if not rules.can_read_vetting(request.scope, record):
        raise Http404
    return document_response(record)


# --------------------------------------------------------------------------- rooms


@login_required
def rooms(request, school_id):
    school = school_for(request, school_id)
    can_manage = rules.can_manage_school(request.scope, school)
    form = RoomForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_room(actor=request.user, school=school, data=form.cleaned_data)
            except DomainError as err:
                forbidden_or(err)
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Room added."))
                return redirect("scheduling_rooms", school.public_id)
    return render(
        request,
        "scheduling/rooms.html",
        {
            "school": school,
            "rooms": selectors.rooms_of(scope=request.scope, school=school),
            "form": form,
            "can_manage": can_manage,
            "nav": f"scheduling-{school.pk}",
        },
    )


@login_required
@require_POST
def room_edit(request, room_id):
    room = get_visible_or_404(
        Room.objects.select_related("school"), request.scope, public_id=room_id
    )
    if not rules.can_manage_school(request.scope, room.school):
        raise PermissionDenied
    form = RoomForm(request.POST)
    if form.is_valid():
        try:
            services.save_room(
                actor=request.user, school=room.school, data=form.cleaned_data, room=room
            )
        except DomainError as err:
            forbidden_or(err)
            messages.error(request, str(next(iter(err.fields.values()), [err.message])[0]))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Check the room's name and seats."))
    return redirect("scheduling_rooms", room.school.public_id)


# --------------------------------------------------------------------------- institutions


@roles_required(Role.DISTRICT_OFFICIAL, Role.PRINCIPAL, Role.SCHOOL_ADMIN)
def institutions(request):
    """The district's whitelist: officials add and manage; principals read it."""
    scope = request.scope
    if scope.is_official():
        district = current_district(request)
    else:
        district = scope.managed_school_objects[0].district
    can_manage = rules.can_manage_institutions(scope, district.pk)
    form = InstitutionForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.save_institution(
                    actor=request.user, district=district, data=form.cleaned_data
                )
            except DomainError as err:
                forbidden_or(err)
                apply_domain_error(form, err)
            else:
                messages.success(request, _("Institution added to the approved list."))
                return redirect("scheduling_institutions")
    return render(
        request,
        "scheduling/institutions.html",
        {
            "district": district,
            "institutions": selectors.institutions_of(scope=scope, district=district),
            "form": form,
            "can_manage": can_manage,
            "nav": "institutions",
        },
    )


@login_required
def institution_detail(request, institution_id):
    scope = request.scope
    institution = get_visible_or_404(Institution, scope, public_id=institution_id)
    if not (scope.is_official(institution.district_id) or scope.manager_schools):
        raise PermissionDenied
    can_manage = rules.can_manage_institutions(scope, institution.district_id)
    form = status_form = None
    if can_manage:
        initial = {f: getattr(institution, f) for f in services.INSTITUTION_FIELDS}
        form = InstitutionForm(
            request.POST if request.POST.get("form") == "details" else None, initial=initial
        )
        status_form = InstitutionStatusForm(
            request.POST if request.POST.get("form") == "status" else None,
            initial={"status": institution.status, "status_note": institution.status_note},
        )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        target = form if request.POST.get("form") == "details" else status_form
        if target.is_valid():
            try:
                if target is form:
                    services.save_institution(
                        actor=request.user,
                        district=institution.district,
                        data=form.cleaned_data,
                        institution=institution,
                    )
                else:
                    services.set_institution_status(
                        actor=request.user,
                        institution=institution,
                        status=status_form.cleaned_data["status"],
                        note=status_form.cleaned_data["status_note"],
                    )
            except DomainError as err:
                forbidden_or(err)
                apply_domain_error(target, err)
            else:
                messages.success(request, _("Saved."))
                return redirect("scheduling_institution_detail", institution.public_id)
    instructors = institution.instructors.select_related("school").order_by("school__name")
    return render(
        request,
        "scheduling/institution_detail.html",
        {
            "institution": institution,
            "instructors": instructors if scope.is_official(institution.district_id) else [],
            "form": form,
            "status_form": status_form,
            "can_manage": can_manage,
            "nav": "institutions",
        },
    )
