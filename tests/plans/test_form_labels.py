"""Every field of the plan and policy forms carries its own translated label (no field name
leaking as "Grades" or "Weekdays"), and words that mean different things keep apart."""

import pytest
from django.utils import translation

from aftercare.forms import SemesterForm
from plans import forms

FORMS = [
    (forms.PeriodForm, {"school_grades": [1, 2, 3]}),
    (forms.CourseForm, {"school_grades": [1, 2, 3]}),
    (forms.WindowForm, {}),
    (forms.ReviewForm, {}),
    (SemesterForm, {}),
]


@pytest.mark.parametrize(("form_class", "kwargs"), FORMS, ids=lambda v: getattr(v, "__name__", ""))
def test_every_field_has_an_explicit_chinese_label(form_class, kwargs):
    with translation.override("zh-hans"):
        form = form_class(**kwargs)
        for name, field in form.fields.items():
            assert field.label, f"{form_class.__name__}.{name} has no label"
            label = str(field.label)
            assert not label.isascii(), f"{form_class.__name__}.{name}: {label!r} untranslated"


def test_a_course_name_is_not_a_persons_name():
    with translation.override("zh-hans"):
        form = forms.CourseForm(school_grades=[3])
        assert str(form.fields["name"].label) == "课程名称"
        assert str(form.fields["grades"].label) == "面向年级"
        assert str(forms.PeriodForm(school_grades=[3]).fields["weekdays"].label) == "星期"
