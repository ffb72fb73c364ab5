"""Forms of the application pages. They parse; ``enrollment.applications`` decides and reports
field errors, which the views put back on these forms in place."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.models import ApplicationStatus, PriorityGroup

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes(value) -> bool:
    return value == "yes"


class BasicCareField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            label=_("Basic care (homework, reading, supervised self-study)"),
            choices=YES_NO,
            coerce=_yes,
            empty_value=None,
            widget=forms.RadioSelect,
            **kwargs,
        )


class ApplyForm(forms.Form):
    """A parent applies for one child (the child's id travels in the form)."""

    student = forms.UUIDField(widget=forms.HiddenInput)
    basic_care = BasicCareField()
    priority_groups = forms.MultipleChoiceField(
        label=_("Priority groups that apply to your family (optional)"),
        choices=PriorityGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "The school approves these children first. Declare only what is true; the school "
            "may ask for proof. This is never shown publicly."
        ),
    )
    parent_note = forms.CharField(
        label=_("Note to the school (optional)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent = forms.BooleanField(
        label=_("I apply voluntarily for after-school service for my child."),
        required=True,
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs):
        if prefix_id:
            kwargs.setdefault("auto_id", f"id_{prefix_id}_%s")
        super().__init__(*args, **kwargs)
        self.initial.setdefault("basic_care", "yes")


class ChangeApplicationForm(forms.Form):
    basic_care = BasicCareField()
    priority_groups = forms.MultipleChoiceField(
        label=_("Priority groups"),
        choices=PriorityGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    parent_note = forms.CharField(
        label=_("Note to the school (optional)"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("flag", _("Flag")), ("reject", _("Reject"))],
        widget=forms.HiddenInput,
    )
    note = forms.CharField(
        label=_("Note / reason"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    needs_accompaniment = forms.BooleanField(
        label=_("Needs a parent's accompaniment"), required=False
    )


class BulkApproveForm(forms.Form):
    limit = forms.IntegerField(
        label=_("Approve only the first"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to approve every waiting application."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    selected = forms.CharField(required=False, widget=forms.MultipleHiddenInput)
    expected_last_rank = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text of the agreement"), widget=forms.Textarea(attrs={"rows": 16})
    )


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.BooleanField(
        label=_("I have read the service agreement and agree to it."), required=True
    )


class InsuranceForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("My child has student accident insurance (学平险) for this semester."),
        required=True,
    )
    policy_number = forms.CharField(
        label=_("Policy number (optional)"), max_length=100, required=False
    )


class WithdrawalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for leaving"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )
    last_day = forms.DateField(
        label=_("Last day of service"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class WithdrawalApproveForm(forms.Form):
    effective_date = forms.DateField(
        label=_("Last day of service"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Empty: the day the family asked for. Billing counts up to this day."),
    )


class WithdrawalDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


STATUS_FILTER = [("", _("All statuses")), *ApplicationStatus.choices]
PRIORITY_FILTER = [
    ("", _("Any")),
    ("any", _("Any priority group")),
    ("none", _("No priority group")),
    *PriorityGroup.choices,
]


class SchoolFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_FILTER, required=False)
    school_class = forms.ChoiceField(label=_("Class"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=PRIORITY_FILTER, required=False)
    basic_care = forms.ChoiceField(
        label=_("Basic care"), choices=[("", _("Any")), *YES_NO], required=False
    )
    q = forms.CharField(label=_("Name or student number"), max_length=64, required=False)

    def __init__(self, *args, classes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.classes = {str(c.public_id): c for c in classes}
        self.fields["school_class"].choices = [("", _("All classes"))] + [
            (str(c.public_id), c.name) for c in classes
        ]
