from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from aftercare.models import WEEKDAYS, CalendarKind, School


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile number or user name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": _("The mobile number/user name or the password is wrong."),
        "inactive": _("This account is inactive."),
    }


class SemesterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    start_date = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))


class CalendarExceptionForm(forms.Form):
    date = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for a single day. 国庆: 1 to 7 October, one entry."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarKind.choices)
    school = forms.ModelChoiceField(
        label=_("School"),
        queryset=School.objects.none(),
        required=False,
        empty_label=_("Whole district"),
        to_field_name="public_id",
    )
    follows_weekday = forms.TypedChoiceField(
        label=_("Follows the timetable of"),
        choices=[("", "—"), *WEEKDAYS],
        required=False,
        coerce=int,
        empty_value=None,
    )
    note = forms.CharField(label=_("Note"), max_length=100, required=False)

    def __init__(self, *args, district, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school is not None:
            # A principal edits only their own school's days.
            del self.fields["school"]
            self.fields["kind"].choices = [(CalendarKind.EVENT, CalendarKind.EVENT.label)]
        else:
            self.fields["school"].queryset = School.objects.filter(district=district)
