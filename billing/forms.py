from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.models import SubsidyRules


class ExemptionForm(forms.Form):
    student = forms.ChoiceField(label=_("Child"))
    category = forms.ChoiceField(label=_("Category"))
    evidence = forms.FileField(
        label=_("Evidence (PDF, JPG or PNG)"),
        help_text=_("E.g. the 建档立卡 card or the certificate of hardship; at most 5 MB."),
    )
    note = forms.CharField(label=_("Note to the school"), max_length=200, required=False)

    def __init__(self, *args, children=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(str(c.public_id), c.name) for c in children]
        self.fields["category"].choices = [
            (c["code"], f"{c['name']}（{c['reduction_percent']}%）") for c in categories
        ]
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png"


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


# --------------------------------------------------------------------------- payouts


def yuan_field(label, *, required=True, allow_negative=False, help_text=""):
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=12,
        decimal_places=2,
        min_value=None if allow_negative else 0,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class PayoutStartForm(forms.Form):
    month = forms.ChoiceField(label=_("Month"))

    def __init__(self, *args, months=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(m.strftime("%Y-%m"), m.strftime("%Y-%m")) for m in months]


class AdjustForm(forms.Form):
    amount = yuan_field(
        _("Amount (yuan; − to take off)"),
        required=False,
        allow_negative=True,
        help_text=_("E.g. a quality award, or materials not returned."),
    )
    units = forms.IntegerField(
        label=_("Sessions (or 课时) to add or take off"),
        required=False,
        help_text=_("Paid at the line's rate; never more than staff attendance shows."),
    )
    reason = forms.CharField(label=_("Reason (the teacher reads it)"), max_length=200)


class IncidentForm(forms.Form):
    staff = forms.ChoiceField(label=pgettext_lazy("person", "Staff member"))
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    # xgettext:no-python-format
    percent = forms.IntegerField(label=_("Deduction (% of the semester's subsidy)"))
    description = forms.CharField(
        label=_("What happened and how it was handled"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=200,
        help_text=_("The incident report's number, the recording, witnesses."),
    )

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [(str(s.public_id), s.full_name) for s in staff]


class IncidentDecisionForm(forms.Form):
    """Confirm a serious safety incident for the subsidy (who, how much) or decline it."""

    staff = forms.ChoiceField(label=_("Staff member responsible"), required=False)
    # xgettext:no-python-format
    percent = forms.IntegerField(label=_("Deduction (% of the semester's subsidy)"), required=False)
    reason = forms.CharField(label=_("Reason (when declining)"), max_length=300, required=False)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", "—")] + [
            (str(s.public_id), s.full_name) for s in staff
        ]


class AgreementForm(forms.Form):
    staff = forms.ChoiceField(label=pgettext_lazy("person", "Staff member"))
    rate_unit = forms.ChoiceField(label=_("Paid"))
    rate = yuan_field(_("Rate (yuan)"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, staff=(), units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [
            (str(s.public_id), f"{s.full_name}（{s.get_kind_display()}）") for s in staff
        ]
        self.fields["rate_unit"].choices = units


class ExpenseForm(forms.Form):
    semester = forms.ChoiceField(label=_("Semester"))
    category = forms.ChoiceField(label=_("Category"))
    amount = yuan_field(_("Amount (yuan)"))
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    payee = forms.CharField(label=_("Paid to"), max_length=100)
    description = forms.CharField(label=_("What for"), max_length=200)
    evidence = forms.CharField(
        label=_("Evidence"),
        max_length=200,
        help_text=_("The invoice (发票) or receipt number the finance office files it under."),
    )

    def __init__(self, *args, semesters=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].choices = [(str(s.public_id), s.name) for s in semesters]
        self.fields["category"].choices = categories


class SchoolRulesForm(forms.Form):
    rate = yuan_field(_("Rate (yuan)"), required=False)
    safety_duty = yuan_field(_("Break-time safety duty (yuan per day)"), required=False)
    duty_leader = yuan_field(_("Duty leader (yuan per day led)"), required=False)
    admin_share_percent = forms.IntegerField(
        label=_("Admin duty share (%)"), required=False, min_value=0, max_value=100
    )
    monthly_cap = yuan_field(_("Cap per person per month (yuan)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


def rules_form_class(names):
    """The district's rule-set form for the fields ``names`` of ``SubsidyRules``, built from
    the model: money in yuan (the cap may stay empty), the rest as is."""
    fields = {}
    for name in names:
        model_field = SubsidyRules._meta.get_field(name)
        label = model_field.verbose_name
        if name.endswith("_fen"):
            fields[name] = yuan_field(label, required=name != "monthly_cap_fen")
        elif model_field.choices:
            fields[name] = forms.ChoiceField(label=label, choices=model_field.choices)
        else:
            fields[name] = forms.IntegerField(label=label, min_value=0)
    fields["change_note"] = forms.CharField(label=_("What changed"), max_length=200, required=False)
    return type("SubsidyRulesForm", (forms.Form,), fields)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)


class CommitteeForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number of the parents' committee member"),
        max_length=11,
        help_text=_("They need an account (parents sign up with their mobile number)."),
    )
