"""Forms of the complaint and evaluation pages (phone-first widgets, explicit labels)."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .attachments import MAX_FILES, MAX_MB
from .models import (
    DEDUCTION_MAX,
    DEDUCTION_MIN,
    DESCRIPTION_MAX,
    NOTE_MAX,
    QUESTION_MAX,
    SCALE,
    SCALE_LABELS,
    TEXT_ANSWER_MAX,
    TITLE_MAX,
    ComplaintCategory,
    ComplaintOutcome,
    QuestionAbout,
    QuestionKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or PDFs at once (checked by ``feedback.attachments``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
        )
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("Photos (JPEG, PNG) or PDF, at most %(n)d files of %(mb)d MB each.")
            % {"n": MAX_FILES, "mb": MAX_MB},
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _text_field(label, limit, *, required=True, rows=4, help_text=""):
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
    )


class ComplaintForm(forms.Form):
    """A family's complaint, about one of their children."""

    student = forms.ChoiceField(label=_("Which child"))
    category = forms.ChoiceField(
        label=_("What is it about?"),
        choices=ComplaintCategory.choices,
        widget=forms.RadioSelect,
    )
    incident_date = forms.DateField(label=_("When did it happen?"), widget=DATE)
    session = forms.ChoiceField(label=_("Which session (optional)"), required=False)
    staff = forms.ChoiceField(label=_("Which teacher (optional)"), required=False)
    description = _text_field(
        _("What happened"),
        DESCRIPTION_MAX,
        rows=6,
        help_text=_("What, where, who was involved, and what you would like the school to do."),
    )
    anonymous = forms.BooleanField(
        label=_("Do not tell the school who I am (the district still knows)"), required=False
    )
    files = MultipleFileField(label=_("Photos or documents"))

    def __init__(self, *args, children=(), sessions=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.children = {str(c.public_id): c for c in children}
        self.fields["student"].choices = [
            (str(c.public_id), f"{c.name}（{c.school_class.name}）") for c in children
        ]
        if len(children) == 1:
            self.fields["student"].initial = str(children[0].public_id)
        self.sessions = {str(s.public_id): s for s in sessions}
        self.fields["session"].choices = [("", "—")] + [
            (str(s.public_id), f"{s.date:%m-%d} {s.group.name}") for s in sessions
        ]
        self.staff = {str(s.public_id): s for s in staff}
        self.fields["staff"].choices = [("", "—")] + [
            (str(s.public_id), s.full_name) for s in staff
        ]
        self.fields["incident_date"].initial = timezone.localdate()

    def cleaned_objects(self) -> dict:
        data = self.cleaned_data
        return {
            "student": self.children[data["student"]],
            "session": self.sessions.get(data.get("session") or ""),
            "staff": self.staff.get(data.get("staff") or ""),
        }


class HotlineForm(forms.Form):
    """A hotline call recorded by a district official on the caller's behalf."""

    school = forms.ChoiceField(label=_("School"))
    caller_name = forms.CharField(label=_("Caller's name"), max_length=40)
    caller_mobile = forms.CharField(label=_("Caller's number"), max_length=20, required=False)
    student_number = forms.CharField(
        label=_("Child's student number (学籍号, if given)"), max_length=32, required=False
    )
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=ComplaintCategory.choices, widget=forms.RadioSelect
    )
    incident_date = forms.DateField(label=_("When did it happen?"), widget=DATE)
    description = _text_field(_("What the caller said"), DESCRIPTION_MAX, rows=6)
    anonymous = forms.BooleanField(
        label=_("The caller asks not to be named to the school"), required=False
    )
    files = MultipleFileField(label=_("Photos or documents"))

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.schools = {str(s.public_id): s for s in schools}
        self.fields["school"].choices = [(str(s.public_id), s.name) for s in schools]
        self.fields["incident_date"].initial = timezone.localdate()


class NoteForm(forms.Form):
    note = _text_field(_("Message"), NOTE_MAX, required=False, rows=3)
    files = MultipleFileField(label=_("Photos or documents"))


class AcknowledgeForm(forms.Form):
    note = _text_field(
        _("Message to the family (optional)"),
        NOTE_MAX,
        required=False,
        rows=2,
        help_text=_("e.g. who is looking into it and when they will call."),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=ComplaintOutcome.choices, widget=forms.RadioSelect
    )
    findings = _text_field(
        _("Findings (the family reads them)"),
        NOTE_MAX,
        rows=5,
        help_text=_("What you found and what the school has done about it."),
    )
    staff = forms.ChoiceField(label=_("Teacher concerned"), required=False)
    deduction_percent = forms.IntegerField(
        label=_("Deduction from the teacher's subsidy for the month (%)"),
        required=False,
        min_value=DEDUCTION_MIN,
        max_value=DEDUCTION_MAX,
        help_text=_(
            "Only for a verified complaint about a teacher: %(min)d–%(max)d %% depending on "
            "how serious it was; empty: no deduction."
        )
        % {"min": DEDUCTION_MIN, "max": DEDUCTION_MAX},
    )
    deduction_month = forms.DateField(
        label=_("Month of the subsidy"),
        required=False,
        widget=MONTH,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text=_("Empty: the month it happened."),
    )

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.staff_members = {str(s.public_id): s for s in staff}
        self.fields["staff"].choices = [("", "—")] + [
            (str(s.public_id), s.full_name) for s in staff
        ]


class ReasonForm(forms.Form):
    reason = _text_field(
        _("Why you disagree with the school"),
        NOTE_MAX,
        rows=3,
    )


class DecisionForm(forms.Form):
    note = _text_field(
        _("The district's decision (the school and the family read it)"), NOTE_MAX, rows=3
    )


class ComplaintFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", pgettext_lazy("complaint status", "Open")),
            ("overdue", _("Overdue")),
            ("escalated", pgettext_lazy("complaint status", "With the district")),
            ("closed", pgettext_lazy("complaint status", "Closed")),
        ],
    )
    category = forms.ChoiceField(
        label=_("About"), required=False, choices=[("", _("All")), *ComplaintCategory.choices]
    )


# --------------------------------------------------------------------------- evaluations


class EvaluationForm(forms.Form):
    semester = forms.ChoiceField(label=_("Semester"))
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    closes_on = forms.DateField(label=_("Last day to answer"), widget=DATE)
    intro = _text_field(_("Note to the families"), 500, required=False, rows=3)
    min_answers = forms.IntegerField(
        label=_("Fewest answer sheets before a result is shown"),
        min_value=3,
        max_value=100,
        initial=5,
        help_text=_("Keeps answers anonymous: a smaller group shows no result."),
    )

    def __init__(self, *args, semesters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.semesters = {str(s.public_id): s for s in semesters}
        self.fields["semester"].choices = [(str(s.public_id), s.name) for s in semesters]


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=pgettext_lazy("evaluation", "Question"),
        max_length=QUESTION_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": QUESTION_MAX}),
    )
    kind = forms.ChoiceField(label=_("Answer"), choices=QuestionKind.choices)
    about = forms.ChoiceField(label=_("Asked about"), choices=QuestionAbout.choices)
    required = forms.BooleanField(label=_("Required"), required=False)


QuestionFormSet = forms.formset_factory(QuestionForm, extra=1, can_delete=True, max_num=30)


class AnswerForm(forms.Form):
    """The questionnaire for one child: a 1–5 choice per scale question (and per course
    section for course questions), a text box per text question."""

    def __init__(self, *args, questions=(), sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(s, SCALE_LABELS[s]) for s in SCALE]
        self.rows = []
        for question in questions:
            targets = sections if question.about == QuestionAbout.COURSE else [None]
            for section in targets:
                name = f"q{question.pk}" if section is None else f"q{question.pk}-{section.pk}"
                label = question.text if section is None else f"{section.name}：{question.text}"
                if question.kind == QuestionKind.SCALE:
                    field = forms.TypedChoiceField(
                        label=label,
                        choices=choices,
                        coerce=int,
                        required=question.required,
                        widget=forms.RadioSelect(attrs={"class": "scale"}),
                    )
                else:
                    field = forms.CharField(
                        label=label,
                        required=question.required,
                        max_length=TEXT_ANSWER_MAX,
                        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_ANSWER_MAX}),
                    )
                self.fields[name] = field
                self.rows.append((name, question, section))

    def answers(self) -> tuple[dict, dict]:
        service, course = {}, {}
        for name, question, section in self.rows:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if section is None:
                service[question.pk] = value
            else:
                course[(question.pk, section.pk)] = value
        return service, course


__all__ = [
    "AcknowledgeForm",
    "AnswerForm",
    "CloseForm",
    "ComplaintFilterForm",
    "ComplaintForm",
    "DecisionForm",
    "EvaluationForm",
    "HotlineForm",
    "NoteForm",
    "QuestionFormSet",
    "ReasonForm",
]
