"""Pages of the enrollment app: a child's record, the school roster (import/export), parent
sign-up with an SMS code, binding a child. Staff reads of a child's record are audited."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from aftercare import net, registry, uploads
from aftercare import rules as core_rules
from aftercare.audit import record_event
from aftercare.auth import normalize_login
from aftercare.errors import DomainError
from aftercare.models import School, SchoolClass
from aftercare.tenancy import get_visible_or_404
from aftercare.uploads import upload_limit
from enrollment import rules
from enrollment.errors import AlreadyRegistered, RosterInvalid
from enrollment.forms.families import (
    BindChildForm,
    MobileForm,
    RosterConfirmForm,
    RosterUploadForm,
    SignupForm,
)
from enrollment.models import SMS_CODE_TTL, BindingRequest, Guardianship, Student
from enrollment.resources import MAX_FILE_MB, too_large
from enrollment.selectors import families as selectors
from enrollment.selectors.roster import looks_like_number, mask_student_number, roster_students
from enrollment.services import families as services

AUTH_BACKEND = "aftercare.auth.MobileOrUsernameBackend"
SIGNUP_MOBILE = "enrollment_signup_mobile"
UPLOAD_TTL = 60 * 60  # an uploaded roster waits this long for its confirmation
MAX_ERRORS_SHOWN = 500


def client_ip(request) -> str | None:
    return net.client_ip(request)


def masked(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else mobile


def _show_error(form, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """A service error in place: its field errors on the form's fields, else on top."""
    rename = rename or {}
    for name, msgs in error.fields.items():
        target = rename.get(name, name)
        for msg in msgs:
            form.add_error(target if target in form.fields else None, str(msg))
    if not error.fields:
        form.add_error(None, str(error.message))


# --------------------------------------------------------------------------- a child's record


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
    guardians, revealed = selectors.guardians_shown(scope=scope, student=student)
    if core_rules.is_staff_reader(scope, student.school_id, student.district_id):
        # A staff read of a child's record; noted when it showed guardians' full mobiles.
        payload = {"guardian_mobiles": True} if revealed else None
        record_event(actor=request.user, action="student.viewed", obj=student, payload=payload)
    return render(request, "students/detail.html", {"student": student, "guardians": guardians})


@login_required
def class_detail(request, class_id):
    scope = request.scope
    school_class = get_visible_or_404(
        SchoolClass.objects.select_related("school", "homeroom_teacher"), scope, public_id=class_id
    )
    if not core_rules.can_view_class(scope, school_class):
        raise PermissionDenied
    students = selectors.students_for(scope=scope).filter(school_class=school_class)
    return render(
        request,
        "school/class_detail.html",
        {"school_class": school_class, "students": students},
    )


# --------------------------------------------------------------------------- roster


def _roster_school(request, school_id) -> School:
    """The school, if the user sees it (else 404) and may at least export its roster (403)."""
    school = get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    if not rules.can_export_roster(request.scope, school):
        raise PermissionDenied
    return school


ROSTER_PAGE_SIZE = 25


def _student_list(request, school) -> dict:
    """The roster's searchable list: name, class and 学籍号 (in full for the school's own
    managers, masked for the district's officials), 25 a page."""
    query = request.GET.get("q", "").strip()[:40]
    classes = list(
        selectors.classes_for_school(scope=request.scope, school=school).order_by("grade", "number")
    )
    class_id = request.GET.get("class", "")
    if class_id not in {str(c.public_id) for c in classes}:
        class_id = ""  # an unknown class is ignored, not an error page
    students = roster_students(
        scope=request.scope, school=school, query=query, class_id=class_id or None
    )
    page = Paginator(students, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    full = request.scope.manages(school)
    for student in page.object_list:
        student.shown_number = (
            student.student_number if full else mask_student_number(student.student_number)
        )
    params = {k: v for k, v in (("q", query), ("class", class_id)) if v}
    return {
        "students_page": page,
        "query": query,
        "class_id": class_id,
        "classes": classes,
        "search_params": urlencode(params),
        "number_search": bool(query) and looks_like_number(query),
    }


def _render_roster(request, school, *, form=None, problems=None, binding_errors=None, status=200):
    can_import = rules.can_import_roster(request.scope, school)
    if can_import and form is None:
        form = RosterUploadForm()
    context = {
        "school": school,
        **_student_list(request, school),
        "summary": selectors.roster_summary(school=school),
        "can_import": can_import,
        "form": form,
        "nav": f"school-{school.pk}",
        "bindings": selectors.pending_bindings(scope=request.scope, school=school),
        "binding_errors": binding_errors or {},
        "can_decide": request.scope.manages(school),
    }
    if problems is not None:
        context["problems"] = problems[:MAX_ERRORS_SHOWN]
        context["problems_hidden"] = max(0, len(problems) - MAX_ERRORS_SHOWN)
        context["problem_rows"] = len({p.row for p in problems})
    return render(request, "enrollment/roster.html", context, status=status)


@login_required
@require_GET
def roster(request, school_id):
    school = _roster_school(request, school_id)
    return _render_roster(request, school)


def _upload_key(token: str) -> str:
    return f"enrollment:roster-upload:{token}"


@login_required
@require_POST
@upload_limit(mb=MAX_FILE_MB)
def roster_import(request, school_id):
    """Step 1: upload and check (a dry run). A clean file is kept for the confirmation.
    A file over the limit is refused while it streams in (aftercare.uploads)."""
    school = _roster_school(request, school_id)
    if not rules.can_import_roster(request.scope, school):
        raise PermissionDenied
    if uploads.refused(request):
        form = RosterUploadForm(request.POST, {})
        form.is_valid()
        form.errors.pop("file", None)  # not "required": too large
        _show_error(form, too_large(MAX_FILE_MB * 1024 * 1024 + 1))
        return _render_roster(request, school, form=form)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_roster(request, school, form=form)
    upload = form.cleaned_data["file"]
    error = too_large(upload.size)
    if error is not None:
        _show_error(form, error)
        return _render_roster(request, school, form=form)
    content = upload.read()
    try:
        result = services.import_roster(
            actor=request.user, school=school, content=content, filename=upload.name, dry_run=True
        )
    except RosterInvalid as err:
        form.add_error(None, str(err.message))
        return _render_roster(request, school, form=form, problems=err.rows)
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied from err
        _show_error(form, err)
        return _render_roster(request, school, form=form)
    token = secrets.token_urlsafe(24)
    cache.set(
        _upload_key(token),
        {
            "user": request.user.pk,
            "school": school.pk,
            "filename": upload.name,
            "content": content,
        },
        UPLOAD_TTL,
    )
    return render(
        request,
        "enrollment/roster_preview.html",
        {
            "school": school,
            "result": result,
            "filename": upload.name,
            "confirm": RosterConfirmForm(initial={"token": token}),
            "nav": f"school-{school.pk}",
        },
    )


@login_required
@require_POST
def roster_import_confirm(request, school_id):
    """Step 2: import the checked file (checked again, under the school's lock)."""
    school = _roster_school(request, school_id)
    if not rules.can_import_roster(request.scope, school):
        raise PermissionDenied
    form = RosterConfirmForm(request.POST)
    stash = cache.get(_upload_key(form.data.get("token", ""))) if form.is_valid() else None
    if not stash or stash["user"] != request.user.pk or stash["school"] != school.pk:
        messages.error(request, _("The uploaded file has expired. Upload it again."))
        return redirect("roster", school.public_id)
    try:
        result = services.import_roster(
            actor=request.user,
            school=school,
            content=stash["content"],
            filename=stash["filename"],
            dry_run=False,
        )
    except RosterInvalid as err:  # the roster changed between check and confirmation
        upload_form = RosterUploadForm()
        upload_form.add_error(None, str(err.message))
        return _render_roster(request, school, form=upload_form, problems=err.rows)
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied from err
        messages.error(request, str(err.message))
        return redirect("roster", school.public_id)
    cache.delete(_upload_key(form.cleaned_data["token"]))
    messages.success(
        request,
        _(
            "Roster imported: %(new)d new, %(updated)d updated, %(unchanged)d unchanged "
            "students; %(classes)d new classes."
        )
        % {
            "new": result.new,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "classes": result.classes_created,
        },
    )
    return redirect("roster", school.public_id)


@login_required
@require_GET
def roster_export(request, school_id):
    school = _roster_school(request, school_id)
    file_format = request.GET.get("format", "xlsx")
    try:
        content, content_type, filename = services.export_roster(
            actor=request.user, school=school, file_format=file_format
        )
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied from err
        for msgs in err.fields.values() or [[err.message]]:
            for msg in msgs:
                messages.error(request, str(msg))
        return redirect("roster", school.public_id)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --------------------------------------------------------------------------- sign-up


def signup(request):
    """Step 1 of a parent's sign-up: the mobile number, to which a code is sent."""
    if request.user.is_authenticated:
        return redirect("home")
    form = MobileForm(request.POST or None, initial={"mobile": request.session.get(SIGNUP_MOBILE)})
    already_registered = False
    if request.method == "POST" and form.is_valid():
        mobile = normalize_login(form.cleaned_data["mobile"])
        try:
            services.request_signup_code(mobile=mobile, ip_address=client_ip(request))
        except DomainError as err:
            if err.code == "sms_cooldown":  # a code is on its way already: go on with it
                request.session[SIGNUP_MOBILE] = mobile
                messages.warning(request, str(err.message))
                return redirect("signup_verify")
            already_registered = isinstance(err, AlreadyRegistered)
            if err.fields:
                _show_error(form, err)
            else:  # refusals about the number (taken, daily limit, gateway) go under it
                form.add_error("mobile", str(err.message))
        else:
            request.session[SIGNUP_MOBILE] = mobile
            messages.success(
                request, _("A code was sent to %(mobile)s.") % {"mobile": masked(mobile)}
            )
            return redirect("signup_verify")
    return render(
        request,
        "enrollment/signup.html",
        {"form": form, "already_registered": already_registered},
    )


def signup_verify(request):
    """Step 2: the code, the parent's name and a password; then logged in."""
    if request.user.is_authenticated:
        return redirect("home")
    mobile = request.session.get(SIGNUP_MOBILE)
    if not mobile:
        return redirect("signup")
    form = SignupForm(request.POST or None)
    already_registered = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.sign_up_parent(
                mobile=mobile,
                code=data["code"],
                full_name=data["full_name"],
                password=data["password1"],
                ip_address=client_ip(request),
            )
        except AlreadyRegistered as err:
            already_registered = True
            form.add_error(None, str(err.message))
        except DomainError as err:
            _show_error(form, err, rename={"password": "password1"})
        else:
            request.session.pop(SIGNUP_MOBILE, None)
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, _("Welcome! Now bind your child to your account."))
            return redirect("bind_child")
    return render(
        request,
        "enrollment/signup_verify.html",
        {
            "form": form,
            "mobile": masked(mobile),
            "resend_in": selectors.sms_resend_wait(mobile=mobile),
            "minutes": int(SMS_CODE_TTL.total_seconds() // 60),
            "already_registered": already_registered,
        },
    )


@require_POST
def signup_resend(request):
    mobile = request.session.get(SIGNUP_MOBILE)
    if request.user.is_authenticated or not mobile:
        return redirect("signup")
    try:
        services.request_signup_code(mobile=mobile, ip_address=client_ip(request))
    except AlreadyRegistered as err:
        request.session.pop(SIGNUP_MOBILE, None)
        messages.error(request, str(err.message))
        return redirect("login")
    except DomainError as err:
        messages.error(request, str(err.message))
    else:
        messages.success(
            request, _("A new code was sent to %(mobile)s.") % {"mobile": masked(mobile)}
        )
    return redirect("signup_verify")


# --------------------------------------------------------------------------- binding


@login_required
@require_POST
def binding_decision(request, request_id, decision):
    """The school confirms or refuses a pending binding (the queue on the roster page)."""
    if decision not in ("approve", "refuse"):
        raise Http404
    binding = get_visible_or_404(
        BindingRequest.objects.select_related("student__school__district", "user"),
        request.scope,
        public_id=request_id,
    )
    school = binding.student.school
    if not request.scope.manages(school):
        raise PermissionDenied
    reason = request.POST.get("reason", "")
    try:
        services.decide_binding(
            actor=request.user, request=binding, approve=decision == "approve", reason=reason
        )
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied from err
        problems = [str(m) for msgs in err.fields.values() for m in msgs] or [str(err.message)]
        return _render_roster(request, school, binding_errors={binding.pk: problems}, status=400)
    if decision == "approve":
        messages.success(
            request,
            _("%(user)s is now a guardian of %(child)s.")
            % {"user": binding.user, "child": binding.student.name},
        )
    else:
        messages.success(request, _("The binding was refused; the parent is told why."))
    return redirect(reverse("roster", args=[school.public_id]) + "#bindings")


@login_required
def bind_child(request):
    form = BindChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = services.bind_child(
                user=request.user,
                student_number=data["student_number"],
                student_name=data["student_name"],
                relation=data["relation"],
            )
        except DomainError as err:
            _show_error(form, err)
        else:
            name = outcome.student.name
            if outcome.status == "linked":
                messages.success(
                    request, _("%(name)s is now linked to your account.") % {"name": name}
                )
                # the same flow goes on where an app above asks (safety: notice and consent)
                step = registry.next_step("child_bound", request, student=outcome.student)
                if step:
                    return redirect(step)
            elif outcome.status == "pending":
                messages.info(
                    request,
                    _(
                        "Your mobile number is not the guardian's number on %(name)s's school "
                        "roster, so the school confirms the binding first. You will find the "
                        "answer in your inbox."
                    )
                    % {"name": name},
                )
            else:
                messages.info(
                    request, _("%(name)s was already linked to your account.") % {"name": name}
                )
            return redirect("family_home")
    return render(request, "enrollment/bind_child.html", {"form": form, "nav": "family"})
