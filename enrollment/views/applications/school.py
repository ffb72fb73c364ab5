"""The school's pages: approval (学校核准) with priority groups first, priority checks,
the participant list to publish (公示), withdrawals and the agreement editor."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from aftercare.errors import DomainError
from aftercare.models import School, SchoolClass
from aftercare.tenancy import get_visible_or_404
from enrollment.forms.applications import (
    AgreementForm,
    BulkApproveForm,
    SchoolFilterForm,
    WithdrawalApproveForm,
    WithdrawalDeclineForm,
)
from enrollment.models import Application, ApplicationStatus
from enrollment.selectors import applications as selectors
from enrollment.services import applications as services
from enrollment.views.applications.common import (
    PAGE_SIZE,
    _application,
    _forbid_on_403,
    _review_forms,
    show_error,
)
from plans.models import SchoolPlan

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
    if (
        form.is_valid()
        and not selected_ids
        and form.cleaned_data["limit"] is None
        and request.POST.get("confirmed") != "yes"
    ):
        # Nothing ticked and no number: that means every waiting application — say how many
        # and ask first, never approve them all on one tap.
        waiting = Application.objects.visible_to(request.scope).filter(
            plan=plan, status__in=[ApplicationStatus.APPLIED, ApplicationStatus.CLASS_APPROVED]
        )
        return render(
            request,
            "enrollment/applications/confirm_bulk.html",
            {
                "plan": plan,
                "waiting": waiting.count(),
                "with_teacher": waiting.filter(status=ApplicationStatus.APPLIED).count(),
                "expected_last_rank": form.cleaned_data["expected_last_rank"],
                "back": services.school_url(plan),
                "nav": f"applications-{plan.school_id}",
            },
        )
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
