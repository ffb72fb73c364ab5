"""The school roster (学籍) as a spreadsheet, with django-import-export.

The file format has fixed Chinese column headings (they are the format, like the columns of
the education bureau's own 学籍 exports, so they are not translated):

    学籍号  姓名  性别  年级  班级  班主任  监护人手机

``read_roster_file`` turns an uploaded .xlsx/.csv into a ``tablib.Dataset`` (finding the
header row, dropping blank rows, remembering each row's spreadsheet row number).
``RosterResource`` maps rows to students of one school. On import it only *plans*: it cleans
and checks every row (one error per cell, in Chinese), resolves classes and homeroom teachers
from data loaded once, and sorts students into new / updated / unchanged. It never writes;
``enrollment.services.import_roster`` writes the plan, in one transaction, when every row is
valid. The same resource exports the roster in the same columns.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from aftercare.models import MANAGER_ROLES, TEACHER_ROLES, Membership, School, SchoolClass
from enrollment.errors import RosterFileError, RowError
from enrollment.models import Gender, Student

COL_NUMBER, COL_NAME, COL_GENDER, COL_GRADE, COL_CLASS, COL_TEACHER, COL_MOBILE = COLUMNS = (
    "学籍号",
    "姓名",
    "性别",
    "年级",
    "班级",
    "班主任",
    "监护人手机",
)
REQUIRED_COLUMNS = (COL_NUMBER, COL_NAME, COL_GENDER, COL_GRADE, COL_CLASS)
# Headings other systems use for the same columns.
COLUMN_ALIASES = {
    "全国学籍号": COL_NUMBER,
    "学籍编号": COL_NUMBER,
    "学生姓名": COL_NAME,
    "班号": COL_CLASS,
    "班主任用户名": COL_TEACHER,
    "班主任手机": COL_TEACHER,
    "班主任手机号": COL_TEACHER,
    "监护人手机号": COL_MOBILE,
    "监护人电话": COL_MOBILE,
    "家长手机": COL_MOBILE,
    "家长手机号": COL_MOBILE,
}

MAX_FILE_MB = 10
MAX_ROWS = 10_000
MAX_SCANNED_ROWS = 2 * MAX_ROWS  # rows read below the header, blank ones included
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is common
NAME_MAX = Student._meta.get_field("name").max_length
CLASS_NUMBER_MAX = 32767  # SchoolClass.number is a PositiveSmallIntegerField
NUMBER_RE = re.compile(r"[A-Za-z0-9-]{1,32}")
MOBILE_RE = re.compile(r"1[3-9]\d{9}")
GENDER_IN = {"男": Gender.MALE, "女": Gender.FEMALE}
GENDER_OUT = {v: k for k, v in GENDER_IN.items()}
CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
JUNIOR_GRADES = {"初一": 7, "初二": 8, "初三": 9}


# --------------------------------------------------------------------------- cells


def cell_text(value) -> str:
    """A cell as text: numbers as Excel shows them (13800000000.0 → "13800000000"), full-width
    digits and letters folded (NFKC), surrounding blanks removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _shown(text: str) -> str:
    return text if len(text) <= 20 else text[:19] + "…"


def chinese_number(text: str) -> int | None:
    """A number in digits, or 1–99 in Chinese numerals (二, 十二, 二十, 二十三)."""
    if text.isdigit():
        return int(text)
    if len(text) == 1:
        return 10 if text == "十" else CN_DIGITS.get(text)
    tens, _sep, ones = text.partition("十")
    if _sep != "十" or len(tens) > 1 or len(ones) > 1:
        return None
    t = CN_DIGITS.get(tens) if tens else 1
    o = CN_DIGITS.get(ones) if ones else 0
    if t is None or o is None:
        return None
    return t * 10 + o


def parse_grade(text: str) -> int | None:
    t = re.sub(r"\s+", "", text)
    if t in JUNIOR_GRADES:
        return JUNIOR_GRADES[t]
    t = t.removesuffix("年级")
    n = chinese_number(t) if t else None
    return n if n is not None and 1 <= n <= 9 else None


def parse_class_number(text: str) -> int | None:
    t = re.sub(r"[\s()]", "", text)
    t = t.removeprefix("第").removesuffix("班")
    n = chinese_number(t) if t else None
    return n if n is not None and 1 <= n <= CLASS_NUMBER_MAX else None


def parse_mobile(text: str) -> str | None:
    t = re.sub(r"[\s-]", "", text)
    t = t.removeprefix("+86") if t.startswith("+86") else t
    if len(t) == 13 and t.startswith("86"):
        t = t[2:]
    return t if MOBILE_RE.fullmatch(t) else None


def normal_student_number(value) -> str:
    """学籍号 as stored: full-width folded, trimmed, letters in capitals (G/L prefixes)."""
    return cell_text(value).upper()


class StudentNumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = normal_student_number(value)
        if not text:
            raise ValueError(_("Fill in the student number."))
        if not NUMBER_RE.fullmatch(text):
            raise ValueError(
                _(
                    "A student number may contain only letters, digits and hyphens, "
                    "at most 32 characters."
                )
            )
        return text


FORMULA_START = ("=", "+", "-", "@")  # a spreadsheet would run such a cell as a formula


class NameWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            raise ValueError(_("Fill in the name."))
        if text.startswith(FORMULA_START):
            raise ValueError(_("A name may not begin with =, +, - or @."))
        if len(text) > NAME_MAX:
            raise ValueError(_("A name may have at most %(max)d characters.") % {"max": NAME_MAX})
        return text


class GenderWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Fill in the gender: 男 or 女."))
        if text not in GENDER_IN:
            raise ValueError(
                _("The gender must be 男 or 女, not “%(value)s”.") % {"value": _shown(text)}
            )
        return GENDER_IN[text]

    def render(self, value, obj=None, **kwargs):
        return GENDER_OUT.get(value, "")


class GradeWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Fill in the grade."))
        grade = parse_grade(text)
        if grade is None:
            raise ValueError(
                _("“%(value)s” is not a grade: enter 1 to 9 or a name such as 三年级.")
                % {"value": _shown(text)}
            )
        return grade


class ClassNumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Fill in the class number."))
        number = parse_class_number(text)
        if number is None:
            raise ValueError(
                _("“%(value)s” is not a class number: enter a number such as 2 or 2班.")
                % {"value": _shown(text)}
            )
        return number


class LoginWidget(widgets.Widget):
    """The homeroom teacher's user name or mobile number; the resource looks the person up."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        return (parse_mobile(text) or text) if text else None


class MobileWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        mobile = parse_mobile(text)
        if mobile is None:
            raise ValueError(
                _("“%(value)s” is not a valid 11-digit mobile number.") % {"value": _shown(text)}
            )
        return mobile


# --------------------------------------------------------------------------- files


@dataclass
class RosterSheet:
    """An uploaded roster, ready for ``RosterResource.import_data``."""

    dataset: tablib.Dataset
    row_numbers: list[int]  # the spreadsheet row number of each dataset row
    ignored_columns: list[str] = field(default_factory=list)


def _normal_heading(value) -> str:
    text = re.sub(r"\s+", "", cell_text(value))
    text = re.sub(r"\((必填|选填|可选|选填项|必填项)\)$", "", text).strip("*")
    return COLUMN_ALIASES.get(text, text)


def _raw_rows(content: bytes, filename: str) -> Iterator[tuple]:
    """The file's rows, one at a time as they are read (an .xlsx in openpyxl's streaming
    read-only mode): the caller stops reading as soon as it has seen enough."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if ext == "xls":
        raise RosterFileError(
            fields={
                "file": [
                    _(
                        "The old .xls format is not supported. Open the file in Excel, "
                        "save it as .xlsx and upload it again."
                    )
                ]
            }
        )
    if ext not in ("xlsx", "csv"):
        raise RosterFileError(fields={"file": [_("Upload an .xlsx or .csv file.")]})
    unreadable = RosterFileError(
        fields={
            "file": [
                _(
                    "The file could not be read. Save it from Excel as .xlsx (or as CSV) "
                    "and try again."
                )
            ]
        }
    )
    if ext == "xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise unreadable from exc
        try:
            rows = book.active.iter_rows(values_only=True)
            while True:
                try:
                    row = next(rows)
                except StopIteration:
                    return
                except Exception as exc:  # a damaged sheet, found while reading it
                    raise unreadable from exc
                yield tuple(row)
        finally:
            book.close()
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise unreadable
    if "\x00" in text:
        raise unreadable
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            yield tuple(row)
    except csv.Error as exc:
        raise unreadable from exc


# The streaming reader, for every spreadsheet import (the staff list reuses it).
stream_rows = _raw_rows


def too_large(size: int) -> RosterFileError | None:
    """The refusal of a file of ``size`` bytes, if it is over the limit."""
    if size <= MAX_FILE_MB * 1024 * 1024:
        return None
    return RosterFileError(
        fields={"file": [_("The file is larger than %(max)d MB.") % {"max": MAX_FILE_MB}]}
    )


def read_roster_file(content: bytes, filename: str) -> RosterSheet:
    """Parse an uploaded roster. Errors: RosterFileError (type, encoding, header, size)."""
    error = too_large(len(content))
    if error is not None:
        raise error
    rows = _raw_rows(content, filename)
    header_index, header = None, ()
    for i, r in enumerate(islice(rows, HEADER_SEARCH_ROWS)):
        if COL_NUMBER in {_normal_heading(c) for c in r}:
            header_index, header = i, r
            break
    if header_index is None:
        raise RosterFileError(
            fields={
                "file": [
                    _("No header row found. The first row must hold the column names %(columns)s.")
                    % {"columns": "、".join(COLUMNS)}
                ]
            }
        )
    headings = [_normal_heading(c) for c in header]
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, heading in enumerate(headings):
        if heading in COLUMNS:
            if heading in positions:
                raise RosterFileError(
                    fields={
                        "file": [
                            _("The column “%(column)s” appears more than once.")
                            % {"column": heading}
                        ]
                    }
                )
            positions[heading] = index
        elif heading:
            ignored.append(heading)
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise RosterFileError(
            fields={
                "file": [
                    _("The header row lacks these columns: %(columns)s.")
                    % {"columns": "、".join(missing)}
                ]
            }
        )
    present = [c for c in COLUMNS if c in positions]
    data: list[tuple] = []
    numbers: list[int] = []
    # Rows are counted as they are read: a file over the limit is refused at row MAX_ROWS + 1
    # (or after MAX_SCANNED_ROWS rows, blank ones included), never read to its end.
    over = False
    for offset, raw in enumerate(rows):
        if offset >= MAX_SCANNED_ROWS:
            over = True  # too long, however many of its rows were blank
            break
        values = tuple(raw[positions[c]] if positions[c] < len(raw) else None for c in present)
        if all(cell_text(v) == "" for v in values):
            continue
        data.append(values)
        numbers.append(header_index + 2 + offset)
        if len(data) > MAX_ROWS:
            over = True
            break
    rows.close()
    if not data and not over:
        raise RosterFileError(fields={"file": [_("The file contains no students.")]})
    if over:
        raise RosterFileError(
            fields={
                "file": [
                    _("At most %(max)d students can be imported at a time; split the file.")
                    % {"max": MAX_ROWS}
                ]
            }
        )
    return RosterSheet(tablib.Dataset(*data, headers=present), numbers, ignored)


# --------------------------------------------------------------------------- the resource


@dataclass
class RosterPlan:
    """What an import would do; ``enrollment.services.import_roster`` carries it out."""

    create: list[Student]
    update: list[Student]
    unchanged: int
    new_classes: list[SchoolClass]
    homeroom_changes: list[tuple[SchoolClass, object]]  # (class, new homeroom teacher)
    not_in_file: int


def _state(student: Student) -> tuple:
    c = student.school_class
    return (
        student.name,
        student.gender,
        (c.grade, c.number),
        student.guardian_mobile,
        student.is_active,
    )


class RosterResource(resources.ModelResource):
    """Students of one school ↔ roster rows. Import plans (see module doc); export writes."""

    student_number = fields.Field(
        attribute="student_number", column_name=COL_NUMBER, widget=StudentNumberWidget()
    )
    name = fields.Field(attribute="name", column_name=COL_NAME, widget=NameWidget())
    gender = fields.Field(attribute="gender", column_name=COL_GENDER, widget=GenderWidget())
    grade = fields.Field(column_name=COL_GRADE, widget=GradeWidget())
    class_number = fields.Field(column_name=COL_CLASS, widget=ClassNumberWidget())
    homeroom_teacher = fields.Field(column_name=COL_TEACHER, widget=LoginWidget())
    guardian_mobile = fields.Field(
        attribute="guardian_mobile", column_name=COL_MOBILE, widget=MobileWidget()
    )

    class Meta:
        model = Student
        fields = import_order = export_order = (
            "student_number",
            "name",
            "gender",
            "grade",
            "class_number",
            "homeroom_teacher",
            "guardian_mobile",
        )
        import_id_fields = ("student_number",)
        # Rows are only planned here; ``use_bulk`` keeps import-export from opening a
        # savepoint per row, ``skip_diff`` from deep-copying every student.
        use_bulk = True
        skip_diff = True
        skip_html_diff = True
        clean_model_instances = False
        report_skipped = True

    def __init__(self, *, school: School, row_numbers: list[int] | None = None):
        super().__init__()
        self.school = school
        self.row_numbers = row_numbers or []
        self.students: dict[str, Student] = {}
        self.classes: dict[tuple[int, int], SchoolClass] = {}
        self.staff: dict[str, object] = {}
        self.new_classes: list[SchoolClass] = []
        self.homeroom: dict[tuple[int, int], tuple[object, int]] = {}
        self.seen: dict[str, int] = {}
        self.snapshots: dict[int, tuple] = {}
        self.to_create: list[Student] = []
        self.to_update: list[Student] = []

    # ---------------------------------------------------------------- export

    def get_queryset(self):
        return (
            Student.objects.filter(school=self.school, is_active=True)
            .select_related("school_class", "school_class__homeroom_teacher")
            .order_by("school_class__grade", "school_class__number", "pk")
        )

    def dehydrate_grade(self, student):
        return student.school_class.grade

    def dehydrate_class_number(self, student):
        return student.school_class.number

    def dehydrate_homeroom_teacher(self, student):
        teacher = student.school_class.homeroom_teacher
        return (teacher.username or teacher.mobile or "") if teacher else ""

    def export_dataset(self) -> tablib.Dataset:
        dataset = self.export()
        dataset.title = "学生名册"
        return dataset

    # ---------------------------------------------------------------- import

    def sheet_row(self, kwargs) -> int:
        index = kwargs.get("row_number", 0)
        return self.row_numbers[index - 1] if 0 < index <= len(self.row_numbers) else index + 1

    def before_import(self, dataset, **kwargs):
        """Load what the rows are checked against, once: classes, students, staff."""
        school = self.school
        classes = list(SchoolClass.objects.filter(school=school))
        by_id = {c.pk: c for c in classes}
        self.classes = {(c.grade, c.number): c for c in classes}
        for student in Student.objects.filter(school=school):
            student.school_class = by_id[student.school_class_id]
            self.students[student.student_number] = student
        staff = Membership.objects.filter(
            school=school, role__in=sorted(MANAGER_ROLES | TEACHER_ROLES)
        ).select_related("user")
        for m in staff:
            if m.user.mobile:
                self.staff.setdefault(m.user.mobile, m.user)
        for m in staff:
            if m.user.username:  # a user name wins over someone else's identical mobile
                self.staff[m.user.username.lower()] = m.user

    def get_instance(self, instance_loader, row):
        try:
            number = StudentNumberWidget().clean(row.get(COL_NUMBER))
        except ValueError:
            return None
        if number in self.seen:  # a repeated row gets a throw-away instance (it is invalid)
            return None
        return self.students.get(number)

    def init_instance(self, row=None):
        return Student(district_id=self.school.district_id, school=self.school)

    def after_init_instance(self, instance, new, row, **kwargs):
        if not new:
            self.snapshots[instance.pk] = _state(instance)

    def _class_for(self, grade: int, number: int) -> SchoolClass:
        key = (grade, number)
        if key not in self.classes:
            school_class = SchoolClass(
                district_id=self.school.district_id, school=self.school, grade=grade, number=number
            )
            self.classes[key] = school_class
            self.new_classes.append(school_class)
        return self.classes[key]

    def _staff_member(self, login: str):
        return self.staff.get(login.lower()) or self.staff.get(login)

    def import_instance(self, instance, row, **kwargs):
        """Clean every cell of the row, then the checks across rows; one message per cell."""
        row_no = self.sheet_row(kwargs)
        errors: dict[str, list[str]] = {}
        values: dict[str, object] = {}
        for f in self.get_import_fields():
            if f.column_name not in row:
                continue
            try:
                values[f.column_name] = f.clean(row)
            except ValueError as exc:
                errors[f.column_name] = [str(exc)]
        number = values.get(COL_NUMBER)
        if number:
            if number in self.seen:
                errors[COL_NUMBER] = [
                    _("Student number %(number)s already appears in row %(row)d.")
                    % {"number": number, "row": self.seen[number]}
                ]
            else:
                self.seen[number] = row_no
        grade, class_no = values.get(COL_GRADE), values.get(COL_CLASS)
        school_class = self._class_for(grade, class_no) if grade and class_no else None
        login = values.get(COL_TEACHER)
        if login:
            teacher = self._staff_member(login)
            if teacher is None:
                errors[COL_TEACHER] = [
                    _(
                        "No staff member of this school has the user name or mobile number "
                        "“%(value)s”."
                    )
                    % {"value": _shown(login)}
                ]
            elif school_class is not None:
                first = self.homeroom.setdefault((grade, class_no), (teacher, row_no))
                if first[0].pk != teacher.pk:
                    errors[COL_TEACHER] = [
                        _("Row %(row)d names a different homeroom teacher for %(class)s.")
                        % {"row": first[1], "class": school_class.name}
                    ]
        if errors:
            raise ValidationError(errors)
        instance.student_number = number
        instance.name = values[COL_NAME]
        instance.gender = values[COL_GENDER]
        instance.school_class = school_class
        if values.get(COL_MOBILE):  # a blank cell keeps the number on file
            instance.guardian_mobile = values[COL_MOBILE]
        instance.is_active = True

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or instance.pk is None:
            return False
        return self.snapshots.get(instance.pk) == _state(instance)

    def save_instance(self, instance, is_create, row, **kwargs):
        (self.to_create if is_create else self.to_update).append(instance)

    def after_import(self, dataset, result, **kwargs):
        """Nothing: the base class would reset the id sequence, which is unsafe while other
        transactions insert students."""

    # ---------------------------------------------------------------- results

    def error_report(self, result) -> list[RowError]:
        """Every problem of the rows, in row then column order."""
        order = {c: i for i, c in enumerate(COLUMNS)}
        out: list[RowError] = []
        for invalid in result.invalid_rows:
            row_no = self.sheet_row({"row_number": invalid.number})
            for column, messages in invalid.error_dict.items():
                col = column if column in order else ""
                out += [RowError(row_no, col, str(m)) for m in messages]
        return sorted(out, key=lambda e: (e.row, order.get(e.column, -1)))

    def plan(self, result) -> RosterPlan:
        changes = [
            (self.classes[key], teacher)
            for key, (teacher, _row) in self.homeroom.items()
            if self.classes[key].homeroom_teacher_id != teacher.pk
        ]
        in_file = set(self.seen)
        return RosterPlan(
            create=self.to_create,
            update=self.to_update,
            unchanged=result.totals["skip"],
            new_classes=self.new_classes,
            homeroom_changes=changes,
            not_in_file=sum(
                1 for n, s in self.students.items() if s.is_active and n not in in_file
            ),
        )
