"""Forms of the institutions pages: labels explicit and translated; money entered in yuan and
handed to services in fen."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from institutions.models import Instructor, PaymentMode

DATE = forms.DateInput(attrs={"type": "date"})


def to_fen(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


class PolicyForm(forms.Form):
    price_ceiling = forms.DecimalField(
        label=_("Price ceiling per lesson (yuan)"), min_value=Decimal("0.01"), decimal_places=2
    )
    ceiling_basis = forms.CharField(
        label=_("Basis of the ceiling"),
        required=False,
        max_length=200,
        help_text=_("E.g. not above the local youth palace's average, and below market price."),
    )
    families_may_pay = forms.BooleanField(
        label=_("Courses may be charged to families separately"), required=False
    )
    satisfaction_threshold = forms.IntegerField(
        label=_("Minimum parents' satisfaction (%)"), min_value=0, max_value=100, initial=80
    )


class BatchForm(forms.Form):
    title = forms.CharField(label=pgettext_lazy("batch", "Title"), max_length=100)
    requirements = forms.CharField(
        label=_("Requirements"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    opens_on = forms.DateField(label=_("Applications from"), widget=DATE)
    closes_on = forms.DateField(label=_("Applications until"), widget=DATE)
    valid_until = forms.DateField(label=_("List valid until"), required=False, widget=DATE)


class AccountForm(forms.Form):
    name = forms.CharField(label=_("Institution name"), max_length=100)
    username = forms.CharField(label=_("Username"), max_length=64)
    password = forms.CharField(
        label=_("Initial password"), min_length=8, widget=forms.PasswordInput(render_value=False)
    )


class InstructorForm(forms.Form):
    full_name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=64)
    id_card = forms.CharField(label=_("ID card number"), max_length=18)
    mobile = forms.CharField(label=_("Mobile"), max_length=11, required=False)
    qualification = forms.CharField(label=_("Qualification"), max_length=120)
    qualification_valid_until = forms.DateField(
        label=_("Qualification valid until"), required=False, widget=DATE
    )
    consent_given_on = forms.DateField(
        label=_("Consent to the check given on"), required=False, widget=DATE
    )
    background_checked_on = forms.DateField(
        label=_("Background check done on"), required=False, widget=DATE
    )
    sexual_offence_checked = forms.BooleanField(
        label=_("Includes the sexual-offence record check"), required=False
    )
    background_check_valid_until = forms.DateField(
        label=_("Background check valid until"), required=False, widget=DATE
    )
    health_certificate_valid_until = forms.DateField(
        label=_("Health certificate valid until"), required=False, widget=DATE
    )


class ApplicationForm(forms.Form):
    licence_number = forms.CharField(label=_("Licence number"), max_length=64)
    licence_valid_until = forms.DateField(label=_("Licence valid until"), widget=DATE)
    supervision_platform_no = forms.CharField(
        label=_("Registration number on the national supervision platform"), max_length=64
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Instructors who will teach"),
        queryset=Instructor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = Instructor.objects.filter(
            institution=institution, is_active=True
        ).order_by("full_name", "id")


class CourseForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("course", "Course name"), max_length=60)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 2}))
    grades = forms.CharField(label=_("Grades"), max_length=40, required=False)
    price = forms.DecimalField(
        label=_("Price per lesson (yuan)"), min_value=Decimal("0.01"), decimal_places=2
    )
    payment = forms.ChoiceField(
        label=_("Paid by"), choices=PaymentMode.choices, initial=PaymentMode.SERVICE_FUND
    )


CourseFormSet = forms.formset_factory(CourseForm, extra=2, min_num=1, validate_min=True)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    score = forms.IntegerField(label=_("Score (0–100)"), min_value=0, max_value=100)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
