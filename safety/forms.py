"""Forms of the safety pages (every field labelled; services validate again)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import TEXT_MAX, ConsentPurpose, IncidentKind, IncidentSeverity
from .services.profiles import MAX_CONTACTS

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ProfileForm(forms.Form):
    allergies = forms.CharField(
        label=_("Allergies"),
        required=False,
        max_length=TEXT_MAX,
        widget=TEXTAREA,
        help_text=_("Food, medicine, insects… Leave empty when there are none."),
    )
    conditions = forms.CharField(
        label=_("Medical conditions"),
        required=False,
        max_length=TEXT_MAX,
        widget=TEXTAREA,
        help_text=_("Asthma, epilepsy, heart conditions… what a teacher must know."),
    )
    what_to_do = forms.CharField(
        label=_("What the teacher should do"),
        required=False,
        max_length=TEXT_MAX,
        widget=TEXTAREA,
    )
    medication = forms.CharField(
        label=_("Medication notes"), required=False, max_length=TEXT_MAX, widget=TEXTAREA
    )
    confirm = forms.BooleanField(
        label=_("I have checked this information for this semester"), required=False
    )

    def __init__(self, *args, contacts=None, **kwargs):
        super().__init__(*args, **kwargs)
        contacts = list(contacts or [])
        for i in range(MAX_CONTACTS - 2):
            c = contacts[i] if i < len(contacts) else {}
            n = i + 1
            self.fields[f"c{i}_name"] = forms.CharField(
                label=_("Contact %(n)d: name") % {"n": n},
                required=False,
                max_length=40,
                initial=c.get("name", ""),
            )
            self.fields[f"c{i}_relation"] = forms.CharField(
                label=_("Contact %(n)d: relation to the child") % {"n": n},
                required=False,
                max_length=20,
                initial=c.get("relation", ""),
            )
            self.fields[f"c{i}_mobile"] = forms.CharField(
                label=_("Contact %(n)d: mobile") % {"n": n},
                required=False,
                max_length=11,
                initial=c.get("mobile", ""),
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            )
        # medical fields after the contacts
        self.order_fields(
            [f"c{i}_{p}" for i in range(MAX_CONTACTS - 2) for p in ("name", "relation", "mobile")]
            + ["allergies", "conditions", "what_to_do", "medication", "confirm"]
        )

    def contacts(self) -> list[dict]:
        d = self.cleaned_data
        return [
            {
                "name": d.get(f"c{i}_name", ""),
                "relation": d.get(f"c{i}_relation", ""),
                "mobile": d.get(f"c{i}_mobile", ""),
            }
            for i in range(MAX_CONTACTS - 2)
        ]


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("incident", "Kind"),
        choices=IncidentKind.choices,
        widget=forms.RadioSelect,
    )
    severity = forms.ChoiceField(
        label=_("How serious"),
        choices=IncidentSeverity.choices,
        initial=IncidentSeverity.MINOR,
        widget=forms.RadioSelect,
        help_text=_("A serious incident is sent to the principal and the district at once."),
    )
    occurred_at = forms.DateTimeField(
        label=_("When it happened"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Where"), max_length=100)
    description = forms.CharField(label=_("What happened"), max_length=TEXT_MAX, widget=TEXTAREA)
    action_taken = forms.CharField(label=_("What was done"), max_length=TEXT_MAX, widget=TEXTAREA)
    photos = MultipleFileField(
        label=_("Photos or PDF (optional)"),
        required=False,
        help_text=_("JPEG, PNG or PDF, at most 5 MB each, 4 in all; only with photo consent."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )


class AmendForm(forms.Form):
    text = forms.CharField(label=_("Add to the report"), max_length=TEXT_MAX, widget=TEXTAREA)


class ConsentForm(forms.Form):
    notice_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        for value, label in ConsentPurpose.choices:
            self.fields[value] = forms.BooleanField(
                label=label, required=False, initial=current.get(value, False)
            )


class NoticeForm(forms.Form):
    purposes = forms.CharField(label=_("Purposes"), max_length=2000, widget=TEXTAREA)
    data_kept = forms.CharField(label=_("Data kept"), max_length=2000, widget=TEXTAREA)
    storage_location = forms.CharField(label=_("Where it is stored"), max_length=200)
    retention = forms.CharField(label=_("How long it is kept"), max_length=200)
    responsible_contact = forms.CharField(label=_("Responsible person and contact"), max_length=200)


class DeletionForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"), required=False, max_length=300, widget=TEXTAREA
    )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Answer to the family"),
        required=False,
        max_length=300,
        help_text=_("Required when refusing: the duty that requires keeping the data."),
    )
