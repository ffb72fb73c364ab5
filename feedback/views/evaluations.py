"""Evaluation pages: open one (school or district), answer it (a family, per child), read
the results (school, district, a teacher's own groups), export them.

Results pages read only ``selectors.evaluations`` aggregates (nothing here touches an answer
sheet row by row)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.audit import record_event
from aftercare.errors import DomainError
from aftercare.models import TEACHER_ROLES, Role, School, Semester
from aftercare.tenancy import get_visible_or_404
from aftercare.views.core import current_district, roles_required
from aftercare.views.errors import apply_domain_error, domain_errors
from enrollment.models import Student

from .. import charts, rules
from ..export import evaluation_book, xlsx_response
from ..forms import AnswerForm, EvaluationForm, QuestionFormSet
from ..models import Evaluation, EvaluationReceipt
from ..questionnaire import DEFAULT_INTRO, DEFAULT_TITLE, default_questions
from ..selectors import evaluations as selectors
from ..services import evaluations as services
from .common import managed_school, require


def _semesters(district_id) -> list[Semester]:
    return list(Semester.objects.filter(district_id=district_id).order_by("-start_date"))


def _open_page(request, *, district_id, school: School | None, nav: str, back):
    semesters = _semesters(district_id)
    require(bool(semesters), _("The district has no semester yet."))
    today = timezone.localdate()
    current = next((s for s in semesters if s.start_date <= today <= s.end_date), semesters[0])
    form = EvaluationForm(
        request.POST or None,
        semesters=semesters,
        initial={
            "semester": str(current.public_id),
            "title": DEFAULT_TITLE,
            "intro": DEFAULT_INTRO,
            "closes_on": min(current.end_date, today + timedelta(days=14)),
            "min_answers": 5,
        },
    )
    questions = QuestionFormSet(
        request.POST or None, prefix="q", initial=default_questions() if not request.POST else None
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and questions.is_valid():
            data = form.cleaned_data
            rows = [
                q.cleaned_data
                for q in questions.forms
                if q.cleaned_data and not q.cleaned_data.get("DELETE")
            ]
            try:
                evaluation = services.open_evaluation(
                    actor=request.user,
                    semester=form.semesters[data["semester"]],
                    school=school,
                    title=data["title"],
                    closes_on=data["closes_on"],
                    intro=data["intro"],
                    questions=rows,
                    min_answers=data["min_answers"],
                )
            except DomainError as err:
                if err.status == 403:
                    raise
                apply_domain_error(form, err)
                status = err.status
            else:
                messages.success(
                    request,
                    _("Evaluation opened; %(n)d families have been invited.")
                    % {"n": evaluation.invited_families},
                )
                return redirect("evaluation_detail", evaluation.public_id)
        else:
            status = 400
    return render(
        request,
        "feedback/evaluation_form.html",
        {"form": form, "questions": questions, "school": school, "nav": nav, "back": back},
        status=status,
    )


@login_required
@domain_errors
def school_new(request, school_id):
    school = managed_school(request, school_id)
    require(rules.can_open_evaluation(request.scope, school.district_id, school))
    return _open_page(
        request,
        district_id=school.district_id,
        school=school,
        nav=f"feedback-{school.pk}",
        back=school,
    )


@roles_required(Role.DISTRICT_OFFICIAL)
def district_new(request):
    district = current_district(request)
    return _open_page(
        request, district_id=district.pk, school=None, nav="district-feedback", back=None
    )


# --------------------------------------------------------------------------- results


def _evaluation(request, evaluation_id) -> Evaluation:
    return get_visible_or_404(
        Evaluation.objects.select_related("school", "semester", "district").prefetch_related(
            "questions"
        ),
        request.scope,
        public_id=evaluation_id,
    )


def _slices(request, evaluation):
    """The schools the reader may see, narrowed to ``?school=`` when given."""
    allowed = rules.result_schools(request.scope, evaluation)
    wanted = request.GET.get("school")
    if wanted:
        school = School.objects.filter(
            public_id__in=[wanted] if _is_uuid(wanted) else [], district=evaluation.district
        ).first()
        if school is None or (allowed is not None and school.pk not in allowed):
            raise Http404
        if evaluation.school_id not in (None, school.pk):
            raise Http404
        return [school.pk], school
    return allowed, None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _results(evaluation, school_ids, *, with_texts: bool):
    overall = selectors.results(
        evaluation, school_ids=school_ids, label=_("All answers"), with_texts=with_texts
    )
    return {
        "overall": overall,
        "rates": selectors.response_rates(evaluation, school_ids=school_ids),
        "schools": selectors.school_cells(evaluation, school_ids=school_ids),
        "grades": selectors.grade_cells(evaluation, school_ids=school_ids),
        "sections": selectors.section_cells(evaluation, school_ids=school_ids),
    }


@login_required
@domain_errors
def detail(request, evaluation_id):
    evaluation = _evaluation(request, evaluation_id)
    scope = request.scope
    if not rules.can_read_results(scope, evaluation):
        if scope.roles & TEACHER_ROLES:
            return redirect("teacher_evaluations")
        if rules.is_parent(scope):
            return redirect("feedback_family")
        require(False)
    school_ids, school = _slices(request, evaluation)
    data = _results(evaluation, school_ids, with_texts=True)
    overall = data["overall"]
    title = evaluation.title
    rates = data["rates"]
    if len(rates["schools"]) > 1:
        rate_source = rates["schools"]
    else:
        rate_source = next(iter(rates["grades"].values()), [])
    rate_rows = [(r.label, r.rate, f"{r.percent} ({r.answered}/{r.invited})") for r in rate_source]
    below = _("fewer than %(n)d") % {"n": evaluation.min_answers}
    comparison = data["schools"] if school is None and len(data["schools"]) > 1 else data["grades"]
    return render(
        request,
        "feedback/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "school": school,
            "is_open": evaluation.is_open(),
            "can_manage": rules.can_manage_evaluation(scope, evaluation),
            "school_choices": _school_choices(scope, evaluation),
            "rate_chart": charts.bar_chart(rate_rows, title=_("Response rate"), hi=1.0),
            "distribution_chart": charts.distribution_chart(overall.questions, title=title)
            if overall.shown
            else None,
            "comparison_chart": charts.bar_chart(
                [
                    (
                        c.label,
                        c.mean if c.shown else None,
                        f"{c.mean:.2f}" if c.shown and c.mean else below,
                    )
                    for c in comparison
                ],
                title=_("Mean score (1–5)"),
                hi=5.0,
            ),
            "nav": "district-feedback"
            if scope.is_official(evaluation.district_id)
            else f"feedback-{evaluation.school_id or (school_ids or [0])[0]}",
            **data,
        },
    )


def _school_choices(scope, evaluation) -> list[School]:
    """The schools a reader may pick on a district-wide evaluation (none: one school)."""
    if evaluation.school_id is not None:
        return []
    allowed = rules.result_schools(scope, evaluation)
    schools = School.objects.filter(district_id=evaluation.district_id)
    if allowed is not None:
        schools = schools.filter(pk__in=allowed)
    schools = list(schools.order_by("code"))
    return schools if len(schools) > 1 else []


@login_required
@domain_errors
def export(request, evaluation_id):
    evaluation = _evaluation(request, evaluation_id)
    require(rules.can_read_results(request.scope, evaluation))
    school_ids, school = _slices(request, evaluation)
    data = _results(evaluation, school_ids, with_texts=True)
    book = evaluation_book(evaluation, **data)
    record_event(
        actor=request.user,
        action="evaluation.exported",
        obj=evaluation,
        district=evaluation.district,
        school=school or evaluation.school,
    )
    name = f"{evaluation.title}-{school.name if school else evaluation.district.name}.xlsx"
    return xlsx_response(book, name)


@login_required
@require_POST
@domain_errors(back=lambda request, evaluation_id: _back(evaluation_id))
def action(request, evaluation_id, action):
    evaluation = _evaluation(request, evaluation_id)
    if action == "remind":
        require(rules.can_remind(request.scope, evaluation))
        n = services.remind_families(actor=request.user, evaluation=evaluation)
        messages.success(request, _("%(n)d families reminded.") % {"n": n})
    elif action == "close":
        require(rules.can_manage_evaluation(request.scope, evaluation))
        services.close_evaluation(actor=request.user, evaluation=evaluation)
        messages.success(request, _("The evaluation is closed."))
    else:
        raise Http404
    return redirect("evaluation_detail", evaluation.public_id)


def _back(evaluation_id) -> str:
    return reverse("evaluation_detail", args=[evaluation_id])


# --------------------------------------------------------------------------- answering


@login_required
@domain_errors
def answer(request, evaluation_id, student_id):
    # No role gate before the lookups: the child is looked up among the user's own wards, so
    # anyone else's child (or an evaluation of another school) is a 404, never a 403.
    evaluation = _evaluation(request, evaluation_id)
    student = get_visible_or_404(
        Student.objects.select_related("school_class", "school").filter(
            guardianships__user=request.user
        ),
        request.scope,
        public_id=student_id,
    )
    receipt = EvaluationReceipt.objects.filter(evaluation=evaluation, student=student).first()
    context = selectors.answer_form_context(evaluation, student)
    if context is None:
        raise Http404
    questions, sections = context
    form = AnswerForm(request.POST or None, questions=questions, sections=sections)
    status = 200
    if request.method == "POST" and receipt is None:
        if form.is_valid():
            service, course = form.answers()
            try:
                services.submit_answers(
                    actor=request.user,
                    evaluation=evaluation,
                    student=student,
                    answers=service,
                    course_answers=course,
                )
            except DomainError as err:
                if err.status == 403:
                    raise
                apply_domain_error(form, err)
                status = err.status
            else:
                messages.success(request, _("Thank you! Your answers were sent anonymously."))
                return redirect("feedback_family")
        else:
            status = 400
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "feedback/evaluation_answer.html",
        {
            "evaluation": evaluation,
            "student": student,
            "form": form,
            "receipt": receipt,
            "is_open": evaluation.is_open(),
            "nav": "family-feedback",
        },
        status=status,
    )


# --------------------------------------------------------------------------- teachers


@roles_required(*TEACHER_ROLES)
def teacher(request):
    evaluations = selectors.teacher_evaluations(scope=request.scope, user=request.user)
    blocks = []
    for evaluation in evaluations:
        cells = selectors.teacher_results(request.user, evaluation)
        blocks.append(
            {
                "evaluation": evaluation,
                "cells": cells,
                "charts": [
                    charts.distribution_chart(c.questions, title=c.label) if c.shown else None
                    for c in cells
                ],
            }
        )
    return render(
        request,
        "feedback/teacher.html",
        {"blocks": blocks, "nav": "teacher-evaluations"},
    )
