"""Pages of the annual assessment (绩效评估): the district's sheets (officials draft, compute
and publish; inspectors read and score), one sheet with every school's points and rank, and
one school's sheet with the evidence behind each computed score — which the school's
principal and administrators read once published (another school's: 404)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftercare.errors import DomainError
from aftercare.models import School
from aftercare.tenancy import get_visible_or_404
from aftercare.views.errors import apply_domain_error, domain_errors
from reporting import rules
from reporting.models import DEFAULT_WEIGHTS, Criterion, CriterionScore, ScoreSheet
from reporting.selectors import assessment as selectors
from reporting.selectors.period import oversight_district
from reporting.services import assessment as services
from reporting.tables import Column, Table, link, xlsx_response
from reporting.views.dashboard import require_reader


class SheetForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("School year starting in"), min_value=2000, max_value=2100
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()  # the school year running now (from 1 August)
        self.fields["year"].initial = today.year if today.month >= 8 else today.year - 1
        for code, label in Criterion.choices:
            self.fields[f"weight_{code}"] = forms.IntegerField(
                label=label, min_value=0, max_value=100, initial=DEFAULT_WEIGHTS[code]
            )

    def weights(self) -> dict:
        return {code: self.cleaned_data[f"weight_{code}"] for code in Criterion.values}


class ScoreForm(forms.Form):
    criterion = forms.ChoiceField(label=gettext_lazy("Criterion"), choices=Criterion.choices)
    score = forms.DecimalField(
        label=gettext_lazy("Score (0–100)"), min_value=0, max_value=100, decimal_places=1
    )
    note = forms.CharField(
        label=gettext_lazy("Findings"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        if criteria is not None:
            self.fields["criterion"].choices = criteria


def _sheet(request, sheet_id) -> ScoreSheet:
    sheet = rules.lookup_or_404(
        ScoreSheet.objects.select_related("district"), request.scope, public_id=sheet_id
    )
    require_reader(request, sheet.district_id)
    return sheet


def _assessment(request, assessment_id):
    try:
        return (
            selectors.assessments_for(scope=request.scope)
            .select_related("school", "sheet", "district")
            .get(public_id=assessment_id)
        )
    except Exception as exc:  # DoesNotExist, a malformed id
        raise Http404 from exc


@login_required
@domain_errors
def assessment_list(request):
    require_reader(request)
    district = oversight_district(request)
    can_act = rules.can_act(request.scope, district.pk)
    form = SheetForm(request.POST or None) if can_act else None
    status = 200
    if request.method == "POST":
        rules.require(can_act)
        if form.is_valid():
            try:
                sheet = services.create_score_sheet(
                    actor=request.user,
                    district=district,
                    year=form.cleaned_data["year"],
                    title=form.cleaned_data["title"],
                    weights=form.weights(),
                )
            except DomainError as err:
                if err.status == 403:
                    raise
                apply_domain_error(form, err)
                status = err.status
            else:
                messages.success(request, _("The score sheet is drafted and computed."))
                return redirect("assessment_sheet", sheet.public_id)
        else:
            status = 400
    sheets = ScoreSheet.objects.filter(district=district).order_by("-year")
    return render(
        request,
        "reporting/assessments.html",
        {
            "district": district,
            "sheets": sheets,
            "form": form,
            "can_act": can_act,
            "nav": "reporting-assessment",
        },
        status=status,
    )


def _sheet_table(sheet, assessments, scores) -> Table:
    weighted = [(c, label) for c, label in Criterion.choices if sheet.weight(c)]
    table = Table(
        "assessment",
        sheet.title,
        [Column(_("Rank"), num=True), Column(_("School"))]
        + [Column(f"{label} ({sheet.weight(code)})", num=True) for code, label in weighted]
        + [Column(_("Total"), num=True)],
        empty=_("No school yet: compute the sheet."),
    )
    for a in assessments:
        cells = [
            a.rank if a.rank is not None else "—",
            link(a.school.name, reverse("assessment_school", args=[a.public_id])),
        ]
        for code, _label in weighted:
            row = scores.get((a.pk, code))
            pts = selectors.points(sheet.weight(code), row.score if row else None)
            cells.append(pts if pts is not None else "—")
        cells.append(a.total if a.total is not None else "—")
        table.add(*cells)
    return table


@login_required
@domain_errors
def assessment_sheet(request, sheet_id):
    sheet = _sheet(request, sheet_id)
    assessments = list(sheet.schools.select_related("school").order_by("rank", "school__code"))
    scores = {
        (s.assessment_id, s.criterion): s
        for s in CriterionScore.objects.filter(assessment__sheet=sheet)
    }
    table = _sheet_table(sheet, assessments, scores)
    if request.GET.get("export") == "assessment":
        return xlsx_response(table, sheet.title)
    missing = sum(1 for a in assessments if a.total is None)
    return render(
        request,
        "reporting/assessment_sheet.html",
        {
            "sheet": sheet,
            "table": table,
            "missing": missing,
            "weights": [(label, sheet.weight(code)) for code, label in Criterion.choices],
            "can_act": rules.can_act(request.scope, sheet.district_id),
            "nav": "reporting-assessment",
        },
    )


def _back_sheet(request, sheet_id=None, **_kw) -> str:
    return reverse("assessment_sheet", args=[sheet_id])


@require_POST
@login_required
@domain_errors(back=_back_sheet)
def assessment_sheet_action(request, sheet_id, action):
    sheet = _sheet(request, sheet_id)
    rules.require(rules.can_act(request.scope, sheet.district_id))
    if action == "compute":
        services.compute_score_sheet(actor=request.user, sheet=sheet)
        messages.success(request, _("The scores were computed again from the data."))
    elif action == "publish":
        services.publish_score_sheet(actor=request.user, sheet=sheet)
        messages.success(request, _("The assessment is published; the schools were told."))
    else:
        raise Http404
    return redirect("assessment_sheet", sheet.public_id)


def _criteria_rows(assessment):
    sheet = assessment.sheet
    rows = []
    for row in CriterionScore.objects.filter(assessment=assessment).select_related("entered_by"):
        weight = sheet.weight(row.criterion)
        rows.append(
            {
                "row": row,
                "label": Criterion(row.criterion).label,
                "weight": weight,
                "points": selectors.points(weight, row.score),
                "columns": row.evidence.get("columns", []),
                "evidence": row.evidence.get("rows", []),
            }
        )
    order = {code: i for i, code in enumerate(Criterion.values)}
    rows.sort(key=lambda r: order[r["row"].criterion])
    return rows


@login_required
@domain_errors
def assessment_school(request, assessment_id):
    assessment = _assessment(request, assessment_id)
    scope = request.scope
    district_id = assessment.district_id
    can_score = not assessment.sheet.is_published and (
        scope.is_official(district_id) or district_id in scope.inspector_districts
    )
    rows = _criteria_rows(assessment)
    open_criteria = [(r["row"].criterion, r["label"]) for r in rows if r["row"].computed is None]
    form = None
    status = 200
    if can_score:
        form = ScoreForm(request.POST or None, criteria=open_criteria)
        if request.method == "POST":
            if form.is_valid():
                try:
                    services.enter_score(
                        actor=request.user,
                        assessment=assessment,
                        criterion=form.cleaned_data["criterion"],
                        score=form.cleaned_data["score"],
                        note=form.cleaned_data["note"],
                    )
                except DomainError as err:
                    if err.status == 403:
                        raise
                    apply_domain_error(form, err)
                    status = err.status
                else:
                    messages.success(request, _("The score is entered."))
                    return redirect("assessment_school", assessment.public_id)
            else:
                status = 400
    elif request.method == "POST":
        rules.require(False)
    return render(
        request,
        "reporting/assessment_school.html",
        {
            "assessment": assessment,
            "sheet": assessment.sheet,
            "rows": rows,
            "form": form,
            "oversight": rules.can_read(scope, district_id),
            "of": assessment.sheet.schools.count(),
            "nav": "reporting-assessment",
        },
        status=status,
    )


@login_required
@domain_errors
def school_assessments(request, school_id):
    """A school's published sheets (its principal and administrators; the district too)."""
    school = get_visible_or_404(School.objects.all(), request.scope, public_id=school_id)
    rules.require(
        school.pk in request.scope.manager_schools
        or rules.can_read(request.scope, school.district_id)
    )
    assessments = (
        selectors.assessments_for(scope=request.scope)
        .filter(school=school, sheet__status="published")
        .select_related("sheet")
        .order_by("-sheet__year")
    )
    return render(
        request,
        "reporting/school_assessments.html",
        {"school": school, "assessments": assessments, "nav": "reporting-assessment"},
    )
