"""Pages of applications (家长申请), class review (班级审核), school approval (学校核准), the
public participant list (公示), the service agreement (服务协议) and withdrawal (退出).

Thin: look objects up through ``visible_to`` (another tenant's, school's or family's is 404),
parse a form, call one service of ``enrollment.applications``, then redirect — or render the
page again with the service's field errors in place on the form that was sent.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from aftercare import net
from aftercare.errors import DomainError
from aftercare.models import Role, School, SchoolClass
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import roles_required
from enrollment.forms.applications import (
    AgreementForm,
    ApplyForm,
    BulkApproveForm,
    ChangeApplicationForm,
    InsuranceForm,
    ReviewForm,
    SchoolFilterForm,
    SignForm,
    WithdrawalApproveForm,
    WithdrawalDeclineForm,
    WithdrawalRequestForm,
)
from enrollment.models import Application, ApplicationStatus, Channel, Student
from enrollment.selectors import applications as selectors
from enrollment.services import applications as services
from plans.models import SchoolPlan

PAGE_SIZE = 50


def client_ip(request) -> str | None:
    return net.client_ip(request)


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def show_error(form, error: DomainError, rename: dict[str, str] | None = None) -> None:
    """A service error in place: field errors on the form's fields, the rest on top."""
    rename = rename or {}
    for name, msgs in error.fields.items():
        target = rename.get(name, name)
        for msg in msgs:
            form.add_error(target if target in form.fields else None, str(msg))
    if not error.fields:
        form.add_error(None, str(error.message))


def _forbid_on_403(error: DomainError) -> None:
    if error.status == 403:
        raise PermissionDenied(str(error.message)) from error


def _application(request, application_id) -> Application:
    return get_visible_or_404(
        selectors.applications_for(scope=request.scope), request.scope, public_id=application_id
    )


def _require_guardian(request, student: Student) -> None:
    """Seen but not one's own child (a teacher, an official): wrong role, 403."""
    if not student.guardianships.filter(user=request.user).exists():
        raise PermissionDenied


# =========================================================================== parent


def _family_page(request, *, bound: dict | None = None, status: int = 200):
    """The parent's page; ``bound`` maps (kind, object pk) to a form with errors."""
    bound = bound or {}
    rows = selectors.family_overview(user=request.user, scope=request.scope, now=timezone.now())
    for row in rows:
        sid, app = str(row.student.public_id), row.application
        row.apply_form = bound.get(("apply", row.student.pk)) or ApplyForm(
            prefix_id=sid, initial={"student": row.student.public_id}
        )
        if app is None:
            continue
        aid = str(app.public_id)
        row.change_form = bound.get(("change", app.pk)) or ChangeApplicationForm(
            auto_id=f"id_change_{aid}_%s",
            initial={
                "basic_care": "yes" if app.basic_care else "no",
                "priority_groups": app.priority_groups,
                "parent_note": app.parent_note,
            },
        )
        row.withdraw_form = bound.get(("withdraw", app.pk)) or WithdrawalRequestForm(
            auto_id=f"id_withdraw_{aid}_%s"
        )
        row.open_form = next((kind for kind, pk in bound if pk == app.pk), None)
    return render(
        request,
        "enrollment/applications/family.html",
        {"rows": rows, "nav": "family-applications", "today": timezone.localdate()},
        status=status,
    )


@roles_required(Role.PARENT)
@require_GET
def family_applications(request):
    return _family_page(request)


@roles_required(Role.PARENT)
@require_POST
def apply(request):
    student_id = request.POST.get("student", "")
    student = get_visible_or_404(
        Student.objects.select_related("school", "school_class__homeroom_teacher"),
        request.scope,
        public_id=student_id,
    )
    _require_guardian(request, student)
    form = ApplyForm(request.POST, prefix_id=str(student.public_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.apply_for_service(
                actor=request.user,
                student=student,
                basic_care=data["basic_care"],
                priority_groups=data["priority_groups"],
                note=data["parent_note"],
                channel=Channel.WEB,
                client_ip=client_ip(request),
                user_agent=user_agent(request),
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(
                request,
                _("The application for %(student)s was sent. The class teacher reviews it next.")
                % {"student": student.name},
            )
            return redirect("family_applications")
    return _family_page(request, bound={("apply", student.pk): form}, status=400)


@login_required
@require_POST
def change(request, application_id):
    app = _application(request, application_id)
    _require_guardian(request, app.student)
    form = ChangeApplicationForm(request.POST, auto_id=f"id_change_{app.public_id}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.change_application(
                actor=request.user,
                application=app,
                basic_care=data["basic_care"],
                priority_groups=data["priority_groups"],
                note=data["parent_note"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(request, _("The application was changed."))
            return redirect(services.family_url(app))
    return _family_page(request, bound={("change", app.pk): form}, status=400)


@login_required
@require_POST
def withdraw(request, application_id):
    app = _application(request, application_id)
    _require_guardian(request, app.student)
    form = WithdrawalRequestForm(request.POST, auto_id=f"id_withdraw_{app.public_id}_%s")
    if form.is_valid():
        try:
            services.request_withdrawal(
                actor=request.user,
                application=app,
                reason=form.cleaned_data["reason"],
                last_day=form.cleaned_data["last_day"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(
                request, _("Your withdrawal request was sent. The school will answer.")
            )
            return redirect(services.family_url(app))
    return _family_page(request, bound={("withdraw", app.pk): form}, status=400)


# --------------------------------------------------------------------------- agreement


def _agreement_page(request, app, *, sign_form=None, insurance_form=None, status=200):
    selectors.attach_timeline(app)
    latest = selectors.latest_agreement(school_id=app.school_id, semester_id=app.semester_id)
    shown = app.agreement or latest
    is_guardian = app.student.guardianships.filter(user=request.user).exists()
    return render(
        request,
        "enrollment/applications/agreement.html",
        {
            "app": app,
            "agreement": shown,
            "latest": latest,
            "is_guardian": is_guardian,
            "sign_form": sign_form
            or SignForm(initial={"version": latest.version if latest else 0}),
            "insurance_form": insurance_form
            or InsuranceForm(initial={"policy_number": app.insurance_note}),
            "nav": "family-applications" if is_guardian else "",
        },
        status=status,
    )


@login_required
@require_GET
def agreement(request, application_id):
    app = _application(request, application_id)
    return _agreement_page(request, app)


@login_required
@require_POST
def sign(request, application_id):
    app = _application(request, application_id)
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.sign_agreement(
                actor=request.user,
                application=app,
                version=form.cleaned_data["version"],
                client_ip=client_ip(request),
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(request, _("Thank you: the agreement is signed."))
            return redirect("application_agreement", app.public_id)
    return _agreement_page(request, app, sign_form=form, status=400)


@login_required
@require_POST
def insurance(request, application_id):
    app = _application(request, application_id)
    form = InsuranceForm(request.POST)
    if form.is_valid():
        try:
            services.confirm_insurance(
                actor=request.user,
                application=app,
                policy_number=form.cleaned_data["policy_number"],
                client_ip=client_ip(request),
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            messages.success(request, _("The accident insurance is confirmed."))
            return redirect("application_agreement", app.public_id)
    return _agreement_page(request, app, insurance_form=form, status=400)


# =========================================================================== class review


STATUS_TABS = [
    ("", gettext_lazy("All")),
    (ApplicationStatus.APPLIED, gettext_lazy("To review")),
    (ApplicationStatus.CLASS_APPROVED, gettext_lazy("Approved by the class")),
    (ApplicationStatus.FLAGGED, gettext_lazy("Flagged")),
    (ApplicationStatus.REJECTED, gettext_lazy("Rejected")),
    (ApplicationStatus.APPROVED, gettext_lazy("Approved by the school")),
    (ApplicationStatus.WITHDRAWN, ApplicationStatus.WITHDRAWN.label),
]


REVIEW_LABELS = {
    "approve": gettext_lazy("Note for the school (optional)"),
    "flag": gettext_lazy("What should the school look at?"),
    "reject": gettext_lazy("Reason for the rejection"),
}


def review_form(app: Application, decision: str, data=None) -> ReviewForm:
    form = ReviewForm(
        data, auto_id=f"id_{decision}_{app.public_id}_%s", initial={"decision": decision}
    )
    form.fields["note"].label = REVIEW_LABELS[decision]
    return form


def _review_forms(app: Application, bound: dict) -> dict[str, ReviewForm]:
    forms = {d: review_form(app, d) for d in services.Decision.CHOICES}
    sent = bound.get(app.pk)
    if sent is not None and sent.data.get("decision") in forms:
        forms[sent.data["decision"]] = sent
    return forms


def _teacher_page(request, *, bound: dict | None = None, status: int = 200):
    wanted = request.GET.get("status", "")
    if wanted and wanted not in ApplicationStatus.values:
        wanted = ""
    base = selectors.teacher_applications(user=request.user, scope=request.scope)
    counts = selectors.status_counts(base)
    items = list(base.filter(status=wanted) if wanted else base)
    bound = bound or {}
    for app in items:
        app.forms = _review_forms(app, bound)
        app.open_form = bound[app.pk].data.get("decision") if app.pk in bound else None
        app.reviewable = app.status in selectors.REVIEWABLE
    return render(
        request,
        "enrollment/applications/teacher.html",
        {
            "applications": items,
            "tabs": [(key, label, counts.get(key or "all", 0)) for key, label in STATUS_TABS],
            "status": wanted,
            "nav": "teacher-applications",
        },
        status=status,
    )


@roles_required(Role.HOMEROOM_TEACHER)
@require_GET
def teacher_applications(request):
    return _teacher_page(request)


@login_required
@require_POST
def review(request, application_id):
    """Class review from the teacher's page or the school's page (``origin``)."""
    app = _application(request, application_id)
    origin = request.POST.get("origin", "teacher")
    decision = request.POST.get("decision")
    form = review_form(app, decision if decision in REVIEW_LABELS else "approve", request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.review_application(
                actor=request.user,
                application=app,
                decision=data["decision"],
                note=data["note"],
                needs_accompaniment=data["needs_accompaniment"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            text = {
                "approve": _("%(student)s: approved."),
                "flag": _("%(student)s: flagged for the school."),
                "reject": _("%(student)s: rejected."),
            }[data["decision"]]
            messages.success(request, text % {"student": app.student.name})
            if origin == "school":
                return redirect(services.school_url(app))
            return redirect(reverse("teacher_applications") + f"#app-{app.public_id}")
    if origin == "school":
        if not request.scope.manages(app.school):
            raise PermissionDenied
        return _school_page(request, app.school, app.plan, bound={app.pk: form}, status=400)
    if not services.can_review(request.scope, app):
        raise PermissionDenied
    return _teacher_page(request, bound={app.pk: form}, status=400)


# =========================================================================== school


def _school_for(request, school_id) -> School:
    school = get_visible_or_404(
        School.objects.select_related("district"), request.scope, public_id=school_id
    )
    if not (request.scope.manages(school) or request.scope.is_official(school.district_id)):
        raise PermissionDenied
    return school


def _plan_for(request, plan_id, *, manage: bool = True) -> SchoolPlan:
    plan = get_visible_or_404(
        SchoolPlan.objects.select_related("school", "school__district", "semester"),
        request.scope,
        public_id=plan_id,
    )
    allowed = request.scope.manages(plan.school) or (
        not manage and request.scope.is_official(plan.district_id)
    )
    if not allowed:
        raise PermissionDenied
    return plan


def _chosen_plan(request, school: School) -> tuple[SchoolPlan | None, list[SchoolPlan]]:
    from enrollment.selectors.courses import current_published_plan

    plans = selectors.school_plans(school=school)
    wanted = request.GET.get("plan")
    if wanted:
        plan = next((p for p in plans if str(p.public_id) == wanted), None)
        if plan is None:
            raise Http404
        return plan, plans
    current = current_published_plan(school, timezone.localdate())
    if current is not None:
        return next((p for p in plans if p.pk == current[0].pk), current[0]), plans
    return (plans[0] if plans else None), plans


def _filtered(request, plan: SchoolPlan, classes):
    form = SchoolFilterForm(request.GET or None, classes=classes)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    basic = data.get("basic_care")
    qs = selectors.school_applications(
        scope=request.scope,
        plan=plan,
        status=data.get("status") or None,
        school_class=form.classes.get(data.get("school_class") or ""),
        priority=data.get("priority") or None,
        basic_care=None if not basic else basic == "yes",
        search=data.get("q", ""),
    )
    return form, qs


def _school_page(request, school, plan, *, bound: dict | None = None, status: int = 200):
    bound = bound or {}
    plans = selectors.school_plans(school=school)
    context = {
        "school": school,
        "plan": plan,
        "plans": plans,
        "can_manage": request.scope.manages(school),
        "nav": f"applications-{school.pk}",
    }
    if plan is not None:
        classes = list(SchoolClass.objects.filter(school=school).order_by("grade", "number"))
        filter_form, qs = _filtered(request, plan, classes)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        for app in page:
            app.reject_form = _review_forms(app, bound)["reject"]
            app.open_form = "reject" if app.pk in bound else None
            app.selectable = app.status in selectors.REVIEWABLE
        queue = list(selectors.withdrawal_queue(scope=request.scope, plan=plan))
        for app in queue:
            app.approve_form, app.decline_form = bound.get(("withdrawal", app.pk), (None, None))
            app.approve_form = app.approve_form or WithdrawalApproveForm(
                auto_id=f"id_wa_{app.public_id}_%s",
                initial={"effective_date": app.withdrawal_last_day_requested},
            )
            app.decline_form = app.decline_form or WithdrawalDeclineForm(
                auto_id=f"id_wd_{app.public_id}_%s"
            )
        query = request.GET.copy()
        query.pop("page", None)
        last_rank = selectors.last_rank(plan)
        counts = selectors.status_counts(Application.objects.filter(plan=plan))
        context.update(
            {
                "filter": filter_form,
                "page": page,
                "query": query.urlencode(),
                "counts": counts,
                "participating": sum(counts.get(s, 0) for s in selectors.PARTICIPATING),
                "summary": selectors.plan_summary(plan),
                "queue": queue,
                "agreement": selectors.latest_agreement(
                    school_id=school.pk, semester_id=plan.semester_id
                ),
                "bulk_form": bound.get("bulk")
                or BulkApproveForm(initial={"expected_last_rank": last_rank}),
                "last_rank": last_rank,
                "statuses": ApplicationStatus,
            }
        )
    return render(request, "enrollment/applications/school.html", context, status=status)


@login_required
@require_GET
def school_applications(request, school_id):
    school = _school_for(request, school_id)
    plan, _plans = _chosen_plan(request, school)
    if plan is not None and request.GET.get("export") == "csv":
        classes = list(SchoolClass.objects.filter(school=school))
        _form, qs = _filtered(request, plan, classes)
        try:
            content = services.export_applications(actor=request.user, plan=plan, applications=qs)
        except DomainError as err:
            _forbid_on_403(err)
            raise
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
        filename = f"{school.name}-{plan.semester.name}-课后服务名单.csv"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return _school_page(request, school, plan)


@login_required
@require_POST
def bulk_approve(request, plan_id):
    plan = _plan_for(request, plan_id)
    form = BulkApproveForm(request.POST)
    selected_ids = request.POST.getlist("selected")
    if form.is_valid():
        selected = None
        if selected_ids:
            selected = list(
                Application.objects.visible_to(request.scope).filter(
                    plan=plan, public_id__in=_uuids(selected_ids)
                )
            )
        try:
            result = services.approve_applications(
                actor=request.user,
                plan=plan,
                selected=selected,
                limit=form.cleaned_data["limit"],
                expected_last_rank=form.cleaned_data["expected_last_rank"],
            )
        except DomainError as err:
            _forbid_on_403(err)
            if err.fields:
                show_error(form, err, rename={"applications": "limit"})
            else:
                messages.error(request, str(err.message))
                return redirect(services.school_url(plan))
        else:
            n = len(result.approved)
            if n:
                messages.success(
                    request,
                    ngettext("%(n)d application approved.", "%(n)d applications approved.", n)
                    % {"n": n},
                )
            else:
                messages.warning(request, _("No application was waiting for approval."))
            if result.remaining:
                messages.info(
                    request,
                    ngettext(
                        "%(n)d application is still waiting.",
                        "%(n)d applications are still waiting.",
                        result.remaining,
                    )
                    % {"n": result.remaining},
                )
            if result.skipped:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)d selected application could not be approved (already decided).",
                        "%(n)d selected applications could not be approved (already decided).",
                        result.skipped,
                    )
                    % {"n": result.skipped},
                )
            return redirect(services.school_url(plan))
    return _school_page(request, plan.school, plan, bound={"bulk": form}, status=400)


def _uuids(values) -> list:
    import uuid

    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


@login_required
@require_POST
def verify_priority(request, application_id):
    """The school records which declared priority groups it has verified."""
    app = _application(request, application_id)
    if not request.scope.manages(app.school):
        raise PermissionDenied
    try:
        services.verify_priority_groups(
            actor=request.user, application=app, groups=request.POST.getlist("groups")
        )
    except DomainError as err:
        _forbid_on_403(err)
        for msg in [m for msgs in err.fields.values() for m in msgs] or [err.message]:
            messages.error(request, str(msg))
    else:
        messages.success(
            request,
            _("Priority groups of %(student)s updated: only verified groups give priority.")
            % {"student": app.student.name},
        )
    return redirect(services.school_url(app) + f"#app-{app.public_id}")


@login_required
@require_POST
def publish_list(request, plan_id):
    plan = _plan_for(request, plan_id)
    try:
        added = services.publish_participant_list(actor=request.user, plan=plan)
    except DomainError as err:
        _forbid_on_403(err)
        messages.error(request, str(err.message))
    else:
        if added:
            messages.success(
                request,
                ngettext(
                    "The list is published: %(n)d child added.",
                    "The list is published: %(n)d children added.",
                    added,
                )
                % {"n": added},
            )
        else:
            messages.info(request, _("The published list is already up to date."))
    return redirect(services.school_url(plan))


@login_required
@require_POST
def withdrawal_decision(request, application_id, decision):
    if decision not in ("approve", "decline"):
        raise Http404
    app = _application(request, application_id)
    if not request.scope.manages(app.school):
        raise PermissionDenied
    prefix = "wa" if decision == "approve" else "wd"
    form_class = WithdrawalApproveForm if decision == "approve" else WithdrawalDeclineForm
    form = form_class(request.POST, auto_id=f"id_{prefix}_{app.public_id}_%s")
    if form.is_valid():
        try:
            if decision == "approve":
                services.approve_withdrawal(
                    actor=request.user,
                    application=app,
                    effective_date=form.cleaned_data["effective_date"],
                )
                messages.success(
                    request,
                    _("%(student)s has left after-school service.") % {"student": app.student.name},
                )
            else:
                services.decline_withdrawal(
                    actor=request.user, application=app, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("The withdrawal request was declined."))
        except DomainError as err:
            _forbid_on_403(err)
            show_error(form, err)
        else:
            return redirect(services.school_url(app))
    forms = (form, None) if decision == "approve" else (None, form)
    return _school_page(
        request, app.school, app.plan, bound={("withdrawal", app.pk): forms}, status=400
    )


@login_required
def agreement_editor(request, plan_id):
    """The school writes its service agreement; every save is a new version."""
    plan = _plan_for(request, plan_id, manage=False)
    can_manage = request.scope.manages(plan.school)
    versions = selectors.agreements_of(plan)
    latest = versions[0] if versions else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = AgreementForm(request.POST)
        if form.is_valid():
            try:
                created = services.publish_agreement(
                    actor=request.user,
                    plan=plan,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except DomainError as err:
                _forbid_on_403(err)
                show_error(form, err)
            else:
                messages.success(
                    request,
                    _("Version %(n)d of the agreement is published.") % {"n": created.version},
                )
                return redirect("agreement_editor", plan.public_id)
    else:
        initial = (
            {"title": latest.title, "body": latest.body}
            if latest
            else {
                "title": _("After-school service agreement"),
            }
        )
        form = AgreementForm(initial=initial)
    return render(
        request,
        "enrollment/applications/agreement_editor.html",
        {
            "plan": plan,
            "school": plan.school,
            "versions": versions,
            "form": form,
            "can_manage": can_manage,
            "nav": f"applications-{plan.school_id}",
        },
        status=400 if request.method == "POST" else 200,
    )


# =========================================================================== public


@cache_control(public=True, max_age=60)
@require_GET
def public_participants(request, plan_id):
    """The public list (公示): approved participants by class with masked names."""
    plan = get_object_or_404(
        SchoolPlan.objects.select_related("school", "school__district", "semester"),
        public_id=plan_id,
    )
    classes = selectors.public_participants(plan)
    listed_at = Application.objects.filter(plan=plan, listed_at__isnull=False).aggregate(
        m=Max("listed_at")
    )["m"]
    return render(
        request,
        "enrollment/applications/public.html",
        {
            "plan": plan,
            "classes": classes,
            "total": sum(len(c.names) for c in classes),
            "listed_at": listed_at,
        },
    )
