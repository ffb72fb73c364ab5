"""Forms of the attendance pages (every field with an explicit translated label)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Fault, LeaveReason, PickupRelation, StaffStatus
from .models.leave import NOTE_MAX


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format)


class TimeInput(forms.TimeInput):
    input_type = "time"


class LeaveForm(forms.Form):
    student = forms.ChoiceField(label=_("Child"))
    start_date = forms.DateField(label=_("First day"), widget=DateInput)
    end_date = forms.DateField(
        label=_("Last day"), widget=DateInput, required=False, help_text=_("Empty: one day.")
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=LeaveReason.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note to the teacher"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. a fever, back on Thursday")}),
    )

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(str(c.public_id), c.name) for c in children]
        if len(children) == 1:
            self.fields["student"].initial = str(children[0].public_id)
        self.fields["start_date"].initial = timezone.localdate()


class DecideLeaveForm(forms.Form):
    note = forms.CharField(label=_("Note to the family"), required=False, max_length=NOTE_MAX)


class PickupPersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=40)
    relation = forms.ChoiceField(label=_("Relation to the child"), choices=PickupRelation.choices)
    phone = forms.CharField(
        label=_("Mobile"), max_length=11, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )


class PatrolForm(forms.Form):
    session = forms.ChoiceField(label=_("Group visited"), required=False)
    place = forms.CharField(label=_("Place"), required=False, max_length=60)
    note = forms.CharField(label=_("What you saw"), widget=forms.Textarea(attrs={"rows": 3}))
    issue = forms.BooleanField(label=_("A problem needs follow-up"), required=False)

    def __init__(self, *args, sessions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [("", "—")] + [
            (str(s.public_id), s.group.name) for s in sessions
        ]


class ResolveHandoverForm(forms.Form):
    fault = forms.ChoiceField(
        label=_("Who was at fault"), choices=Fault.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("What you found"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class StaffRecordForm(forms.Form):
    staff = forms.ChoiceField(label=_("Teacher"))
    status = forms.ChoiceField(
        label=_("Attendance"), choices=StaffStatus.choices, widget=forms.RadioSelect
    )
    checked_in = forms.TimeField(label=_("Arrived at"), required=False, widget=TimeInput)
    checked_out = forms.TimeField(label=_("Left at"), required=False, widget=TimeInput)
    substitute = forms.ChoiceField(label=_("Substitute (替班)"), required=False)
    note = forms.CharField(
        label=_("Note (required for a correction)"), required=False, max_length=200
    )

    def __init__(self, *args, staff=(), substitutes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(str(s.public_id), s.full_name) for s in staff]
        self.fields["substitute"].choices = [("", "—")] + [
            (str(s.public_id), s.full_name) for s in substitutes
        ]


class WeeklyRecordForm(forms.Form):
    week_start = forms.DateField(label=_("Week of (Monday)"), widget=DateInput)
    activities = forms.CharField(
        label=_("Activities of the week"), widget=forms.Textarea(attrs={"rows": 5})
    )
    highlights = forms.CharField(
        label=_("Children's progress and notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    safety = forms.CharField(
        label=_("Safety and incidents"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WarningForm(forms.Form):
    text = forms.CharField(
        label=_("Warning to the family"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseFollowUpForm(forms.Form):
    note = forms.CharField(label=_("What was done"), max_length=300)


class DismissForm(forms.Form):
    last_day = forms.DateField(label=_("Last day of service"), widget=DateInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DateInput)
    end = forms.DateField(label=_("To"), widget=DateInput)
    what = forms.ChoiceField(label=_("Attendance of"))
