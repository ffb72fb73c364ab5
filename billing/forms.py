from django import forms
from django.utils.translation import gettext_lazy as _


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
