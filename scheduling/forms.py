"""Forms of the scheduling pages. Every field has an explicit translated label; the services
do the real checking and their field errors are shown in place (``apply_domain_error``)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.models import WEEKDAYS
from institutions.models import Instructor
from scheduling.documents import MAX_DOCUMENT_MB
from scheduling.models import (
    DutyRole,
    Institution,
    InstitutionStatus,
    StaffKind,
    VettingStep,
)
from scheduling.selectors import staff_users

DATE = forms.DateInput(attrs={"type": "date"})
WEEKDAY_WIDGET = forms.CheckboxSelectMultiple


class InstitutionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    licence_number = forms.CharField(label=_("Licence number"), max_length=64)
    licence_valid_until = forms.DateField(
        label=_("Licence valid until"), required=False, widget=DATE
    )
    price_list = forms.CharField(
        label=_("Price list"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    evaluation_score = forms.DecimalField(
        label=_("Satisfaction in the last evaluation (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
    )
    evaluation_note = forms.CharField(label=_("Evaluation note"), max_length=200, required=False)


class InstitutionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=InstitutionStatus.choices)
    status_note = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Required to suspend or remove an institution."),
    )


class StaffForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StaffKind.choices)
    full_name = forms.CharField(
        label=_("Name"),
        max_length=64,
        required=False,
        help_text=_("A teacher of the school: empty takes the account's name."),
    )
    mobile = forms.CharField(label=_("Mobile"), max_length=11, required=False)
    user = forms.ModelChoiceField(
        label=_("User account"),
        queryset=None,
        required=False,
        help_text=_("Teachers of the school log in with their account and see their timetable."),
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False
    )
    instructor = forms.ModelChoiceField(
        label=_("Entry on the institution's staff list"),
        queryset=Instructor.objects.none(),
        required=False,
        help_text=_("Where the background check and health certificate are kept."),
    )
    subject = forms.CharField(label=_("Subject or speciality"), max_length=60, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, school, current_institution=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users(school).order_by("full_name", "username")
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.full_name or u} ({u.username or u.mobile})"
        )
        institutions = Institution.objects.filter(district_id=school.district_id)
        allowed = institutions.filter(status=InstitutionStatus.APPROVED)
        if current_institution is not None:
            allowed = institutions.filter(pk=current_institution.pk) | allowed
        self.fields["institution"].queryset = allowed.order_by("name")
        self.fields["instructor"].queryset = (
            Instructor.objects.filter(institution__in=allowed, is_active=True)
            .select_related("institution")
            .order_by("institution__name", "full_name")
        )
        self.fields["instructor"].label_from_instance = lambda i: (
            f"{i.institution.name} · {i.full_name} (…{i.id_card_last4})"
        )


class VettingForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=VettingStep.choices)
    done_on = forms.DateField(label=_("Date"), widget=DATE)
    document = forms.FileField(
        label=_("Document"),
        help_text=_("PDF, JPEG or PNG, at most %(max)d MB.") % {"max": MAX_DOCUMENT_MB},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"done_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("An .xlsx or .csv file with the columns below."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room"), max_length=40)
    capacity = forms.IntegerField(label=_("Seats"), required=False, min_value=1, max_value=500)
    note = forms.CharField(label=_("Note"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


def weekday_choices(weekdays) -> list[tuple[int, str]]:
    names = dict(WEEKDAYS)
    return [(w, names[w]) for w in sorted(weekdays)]


class AssignForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Staff member"), queryset=None)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), coerce=int, widget=WEEKDAY_WIDGET
    )

    def __init__(self, *args, staff, weekdays, **kwargs):
        kwargs.setdefault("initial", {"weekdays": list(weekdays)})
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff
        self.fields["staff"].label_from_instance = lambda s: (
            f"{s.full_name} · {s.get_kind_display()}" + (f" · {s.subject}" if s.subject else "")
        )
        self.fields["weekdays"].choices = weekday_choices(weekdays)


class DutyForm(AssignForm):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (DutyRole.DUTY_LEADER, DutyRole.DUTY_LEADER.label),
            (DutyRole.MANAGER, DutyRole.MANAGER.label),
        ],
    )

    field_order = ["role", "staff", "weekdays"]


class RoomBookingForm(forms.Form):
    room = forms.ModelChoiceField(label=_("Room"), queryset=None)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), coerce=int, widget=WEEKDAY_WIDGET
    )

    def __init__(self, *args, rooms, weekdays, **kwargs):
        kwargs.setdefault("initial", {"weekdays": list(weekdays)})
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = rooms
        self.fields["room"].label_from_instance = lambda r: (
            f"{r.name}" + (f"（{r.capacity}座）" if r.capacity else "")
        )
        self.fields["weekdays"].choices = weekday_choices(weekdays)


class MoveForm(forms.Form):
    students = forms.TypedMultipleChoiceField(
        label=_("Students"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    to_group = forms.ModelChoiceField(label=_("Move to"), queryset=None)

    def __init__(self, *args, members, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = [(m.student_id, m.student.name) for m in members]
        self.fields["to_group"].queryset = groups


class MergeForm(forms.Form):
    other = forms.ModelChoiceField(label=_("Merge with"), queryset=None)

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = groups


class CancelDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Families are told it, e.g. 暴雨预警 or 运动会."),
    )
