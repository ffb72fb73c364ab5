"""Forms for the district policy and the school plan pages (phone-friendly widgets)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.models import GRADE_NAMES, WEEKDAYS
from plans.effective import format_value, parse_value
from plans.models import (
    CEILING_RULES,
    RULE_GROUPS,
    DistrictPolicy,
    FeeUnit,
    PlanVersion,
    RegistrationMode,
    ServiceScope,
    Stage,
    WindowKind,
    rule_label,
)
from plans.presets import PRESETS

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def weekday_field(label=None, days=range(7)):
    return forms.TypedMultipleChoiceField(
        label=label,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
        choices=[(d, name) for d, name in WEEKDAYS if d in days],
    )


def grade_field(grades, label=None):
    return forms.TypedMultipleChoiceField(
        label=label,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "chips"}),
        choices=[(g, GRADE_NAMES[g]) for g in grades],
    )


# --------------------------------------------------------------------------- policy


class PresetForm(forms.Form):
    preset = forms.ChoiceField(
        label=_("Start from"),
        widget=forms.RadioSelect,
        choices=[(key, p["label"]) for key, p in PRESETS.items()],
    )


POLICY_GROUPS = [
    (
        _("Service days and hours"),
        [
            "service_weekdays",
            "require_every_service_day",
            "min_minutes_per_day",
            "latest_end_time",
            "lunch_care_allowed",
            "evening_study_allowed",
            "evening_latest_end_time",
            "evening_max_minutes",
            "max_lessons_per_day",
        ],
    ),
    (
        _("Fee caps (empty: no cap)"),
        [
            "lesson_minutes",
            "basic_care_must_be_free",
            "basic_cap_per_lesson",
            "basic_cap_per_hour",
            "basic_cap_per_month",
            "basic_cap_per_semester",
            "extended_cap_per_lesson",
            "extended_cap_per_hour",
            "extended_cap_per_month",
            "extended_cap_per_semester",
        ],
    ),
    (
        _("Subsidies and teacher pay"),
        [
            "subsidy_per_student_year",
            "remote_uplift_percent",
            "teacher_pay_cap_per_lesson",
            "teacher_pay_cap_per_hour",
            "teacher_paid_lessons_per_day",
            "teacher_paid_lessons_per_week",
        ],
    ),
    (
        _("Staffing and group sizes"),
        [
            "students_per_teacher",
            "teacher_remainder_threshold",
            "groups_per_manager",
            "manager_remainder_threshold",
            "max_basic_group_size",
            "group_merge_threshold",
            "merge_within_stage_only",
            "min_extended_course_size",
        ],
    ),
    (
        _("Attendance and pickup"),
        [
            "late_pickup_grace_minutes",
            "unexcused_absence_flag_count",
            "unexcused_absence_window_days",
            "late_pickup_flag_count",
            "late_pickup_window_days",
            "warnings_before_dismissal",
        ],
    ),
    (
        _("Exemptions, refunds and oversight"),
        [
            "exemptions",
            "refund_basis",
            "extended_refund",
            "basic_join_mid_semester",
            "extended_withdraw_mid_semester",
            "complaint_hotline",
            "complaint_ack_days",
            "complaint_resolve_days",
            "prohibitions",
        ],
    ),
]


# Edited in their own formset (ExemptionFormSet), so that a category keeps its code.
FORMSET_FIELDS = {"exemptions"}


class PolicyForm(forms.ModelForm):
    service_weekdays = weekday_field(_("Service days"))
    prohibitions = forms.CharField(
        label=_("Prohibitions (十严禁)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("One per line."),
    )
    change_note = forms.CharField(label=_("What changed, and why"), max_length=200, required=False)

    class Meta:
        model = DistrictPolicy
        fields = [
            name for _group, names in POLICY_GROUPS for name in names if name not in FORMSET_FIELDS
        ]
        widgets = {
            "latest_end_time": TIME,
            "evening_latest_end_time": TIME,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["prohibitions"] = "\n".join(self.instance.prohibitions)

    def clean_prohibitions(self):
        return [
            line.strip() for line in self.cleaned_data["prohibitions"].splitlines() if line.strip()
        ]

    def groups(self):
        """(title, bound fields, formset field names shown in this group)."""
        return [
            (
                title,
                [self[name] for name in names if name not in FORMSET_FIELDS],
                [name for name in names if name in FORMSET_FIELDS],
            )
            for title, names in POLICY_GROUPS
        ]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class SeasonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    start_month = forms.IntegerField(label=_("from month"), min_value=1, max_value=12)
    start_day = forms.IntegerField(label=_("from day"), min_value=1, max_value=31)
    end_month = forms.IntegerField(label=_("to month"), min_value=1, max_value=12)
    end_day = forms.IntegerField(label=_("to day"), min_value=1, max_value=31)
    latest_end_time = forms.TimeField(label=_("latest end time"), widget=TIME)


SeasonFormSet = forms.formset_factory(SeasonForm, extra=1, can_delete=True)


class ExemptionForm(forms.Form):
    """One exemption category. The code is carried hidden: it identifies the category
    (billing copies it into every exemption granted), so renaming keeps it; a new row gets
    one generated by the service."""

    code = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)
    name = forms.CharField(label=_("Exemption category"), max_length=60)
    reduction_percent = forms.IntegerField(
        label=_("reduction (%)"), min_value=0, max_value=100, widget=forms.NumberInput
    )


ExemptionFormSet = forms.formset_factory(ExemptionForm, extra=1, can_delete=True)


def formset_rows(formset) -> list[dict]:
    """The cleaned rows of a valid formset, without the deleted and the empty extra ones (an
    override row without a rule is empty)."""
    return [
        {k: v for k, v in f.cleaned_data.items() if k != "DELETE"}
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("rule", True)
    ]


# --------------------------------------------------------------------------- plan


class NewPlanForm(forms.Form):
    copy_from_last = forms.BooleanField(
        label=_("Start from the school's last approved plan"),
        required=False,
        help_text=_("Periods, courses and windows are copied and moved to this semester."),
    )


class PlanGeneralForm(forms.ModelForm):
    class Meta:
        model = PlanVersion
        fields = list(PlanVersion.CONTENT_FIELDS)
        widgets = {
            "lunch_start_time": TIME,
            "lunch_end_time": TIME,
            "fee_notice": forms.Textarea(attrs={"rows": 4}),
            "safety_plan": forms.Textarea(attrs={"rows": 5}),
            "leadership_group": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "basic_fee_amount": _("0 when basic care is free."),
            "fee_notice": _("Published with the plan: fees may only be charged under it."),
        }

    def __init__(self, *args, prohibitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["basic_fee_unit"].choices = FeeUnit.choices
        self.prohibitions = list(prohibitions)


class PeriodForm(forms.Form):
    weekdays = weekday_field(_("weekdays"))
    start_time = forms.TimeField(label=_("start time"), widget=TIME)
    end_time = forms.TimeField(label=_("end time"), widget=TIME)
    valid_from = forms.DateField(
        label=_("seasonal variant from"),
        widget=DATE,
        required=False,
        help_text=_(
            "Leave both dates empty for the regular timetable; set them for a "
            "seasonal variant (e.g. summer time) that replaces it on those dates."
        ),
    )
    valid_until = forms.DateField(label=_("seasonal variant until"), widget=DATE, required=False)

    def __init__(self, *args, school_grades, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"grades": grade_field(school_grades, _("grades")), **self.fields}


class CourseForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("course", "name"), max_length=60)
    category = forms.CharField(label=_("category"), max_length=30, required=False)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    teacher_name = forms.CharField(label=_("teacher"), max_length=60, required=False)
    room = forms.CharField(label=_("room"), max_length=40, required=False)
    weekdays = weekday_field(_("weekdays"))
    start_time = forms.TimeField(label=_("start time"), widget=TIME)
    end_time = forms.TimeField(label=_("end time"), widget=TIME)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=500)
    min_size = forms.IntegerField(label=_("minimum size to open"), min_value=1, max_value=500)
    fee_per_lesson = forms.DecimalField(
        label=_("fee per lesson (yuan)"), min_value=0, max_digits=8, decimal_places=2
    )
    materials = forms.CharField(label=_("materials to bring"), max_length=200, required=False)

    def __init__(self, *args, school_grades, **kwargs):
        super().__init__(*args, **kwargs)
        fields = dict(self.fields)
        grades = grade_field(school_grades, _("allowed grades"))
        self.fields = {}
        for key, value in fields.items():
            self.fields[key] = value
            if key == "room":
                self.fields["grades"] = grades


class WindowForm(forms.Form):
    kind = forms.ChoiceField(label=_("for"), choices=WindowKind.choices)
    round = forms.TypedChoiceField(
        label=_("round"), coerce=int, choices=[(1, _("First round")), (2, _("Second round"))]
    )
    mode = forms.ChoiceField(
        label=_("allocation"), choices=RegistrationMode.choices, initial=RegistrationMode.FCFS
    )
    opens_at = forms.DateTimeField(label=_("opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("closes"), widget=DATETIME)


PART_FORMS = {"period": PeriodForm, "course": CourseForm, "window": WindowForm}


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the school"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


# --------------------------------------------------------------------------- school categories


class CategoryForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("category", "name"),
        max_length=40,
        help_text=_(
            "In Chinese, e.g. 县城, 乡镇, 农村, 民办: the stage (小学/初中) is added by the rules."
        ),
    )
    description = forms.CharField(label=_("description"), max_length=200, required=False)


def rule_choices():
    return [("", "—")] + [
        (str(title), [(name, rule_label(name)) for name in names]) for title, names in RULE_GROUPS
    ]


class OverrideForm(forms.Form):
    """One rule's value for a category (or a district default) in a stage and class."""

    rule = forms.ChoiceField(label=_("rule"), choices=rule_choices, required=False)
    stage = forms.ChoiceField(label=_("stage"), choices=Stage.choices, initial=Stage.ALL)
    service_class = forms.ChoiceField(
        label=_("class of service"), choices=ServiceScope.choices, initial=ServiceScope.ALL
    )
    value = forms.CharField(
        label=_("value"),
        max_length=16,
        required=False,
        help_text=_("3.50 (yuan), 2, 17:30, true or false; empty: no cap."),
    )

    def __init__(self, *args, ceilings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ceilings = ceilings or {}

    def clean(self):
        data = super().clean()
        rule, text = data.get("rule"), (data.get("value") or "").strip()
        if not rule:
            return data
        try:
            value = parse_value(rule, text)
        except ValueError:
            self.add_error(
                "value",
                _("%(value)s is not a valid value for %(rule)s.")
                % {"value": text, "rule": rule_label(rule)},
            )
            return data
        limit = self.ceilings.get(rule)
        if value is not None and limit is not None and value > limit:
            self.add_error(
                "value",
                _("%(value)s is above the provincial ceiling of %(limit)s.")
                % {"value": text, "limit": format_value(rule, limit)},
            )
        data["value"] = format_value(rule, value)
        return data


OverrideFormSet = forms.formset_factory(OverrideForm, extra=2, can_delete=True)


class AssignmentForm(forms.Form):
    """The category of every school of the district (empty: the district default)."""

    def __init__(self, *args, schools, categories, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("District default (no category)"))] + [
            (c.code, c.name) for c in categories
        ]
        for school in schools:
            self.fields[f"school_{school.pk}"] = forms.ChoiceField(
                label=school.name, choices=choices, required=False
            )
        self.schools = list(schools)

    def assignments(self) -> dict[int, str | None]:
        return {
            school.pk: self.cleaned_data.get(f"school_{school.pk}") or None
            for school in self.schools
        }


class CeilingForm(forms.Form):
    """Provincial ceilings: no district default or category may exceed them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for rule in CEILING_RULES:
            self.fields[rule] = forms.CharField(
                label=rule_label(rule), max_length=16, required=False
            )

    def clean(self):
        data = super().clean()
        for rule in CEILING_RULES:
            text = (data.get(rule) or "").strip()
            try:
                data[rule] = format_value(rule, parse_value(rule, text))
            except ValueError:
                self.add_error(
                    rule,
                    _("%(value)s is not a valid value for %(rule)s.")
                    % {"value": text, "rule": rule_label(rule)},
                )
        return data

    def ceilings(self) -> dict[str, str]:
        return {rule: self.cleaned_data[rule] for rule in CEILING_RULES if self.cleaned_data[rule]}
