"""Spreadsheets of scheduling, with django-import-export: the staff list (import and export),
the groups with their members, and the timetable (export).

The staff file has fixed Chinese headings (they are the format, like the roster's):

    姓名  类别  手机  登录名  所属机构  科目特长  备注

类别 is one of 本校教师 / 退休教师 / 志愿者 / 外聘人员 / 机构教师. A teacher of the school is
found by 登录名 (user name or mobile of an account with a staff role at the school; an empty
姓名 takes the account's name); everyone else needs 姓名 and 手机. Rows match the roster by
account (teachers of the school) or mobile, so a re-import updates, never duplicates.
``StaffResource`` only *plans* (every cell checked, one Chinese message per bad cell);
``scheduling.services.staff_import.import_staff`` writes the plan in one transaction when no
row has an error. The export adds the vetting dates and whether the person may be scheduled
(read-only columns the import ignores).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from aftercare import exports
from aftercare.errors import InvalidInput
from aftercare.models import School, User
from enrollment.errors import RosterFileError
from enrollment.resources import FORMULA_START, cell_text, parse_mobile, stream_rows
from scheduling.models import (
    Institution,
    InstitutionStatus,
    StaffKind,
    StaffMember,
    VettingStep,
)
from scheduling.selectors import schedulable_problem, staff_users

COL_NAME, COL_KIND, COL_MOBILE, COL_LOGIN, COL_INSTITUTION, COL_SUBJECT, COL_NOTE = COLUMNS = (
    "姓名",
    "类别",
    "手机",
    "登录名",
    "所属机构",
    "科目特长",
    "备注",
)
REQUIRED_COLUMNS = (COL_NAME, COL_KIND)
VETTING_COLUMNS = {
    VettingStep.BACKGROUND_CHECK: "犯罪记录查询",
    VettingStep.PUBLIC_NOTICE: "聘任公示",
    VettingStep.FILING: "报备",
    VettingStep.AGREEMENT: "协议签订",
}
COL_SCHEDULABLE = "可排班"
KIND_IN = {
    "本校教师": StaffKind.SCHOOL_TEACHER,
    "退休教师": StaffKind.RETIRED_TEACHER,
    "志愿者": StaffKind.VOLUNTEER,
    "外聘人员": StaffKind.EXTERNAL,
    "外聘教师": StaffKind.EXTERNAL,
    "机构教师": StaffKind.INSTITUTION,
    "第三方机构": StaffKind.INSTITUTION,
}
KIND_OUT = {
    StaffKind.SCHOOL_TEACHER: "本校教师",
    StaffKind.RETIRED_TEACHER: "退休教师",
    StaffKind.VOLUNTEER: "志愿者",
    StaffKind.EXTERNAL: "外聘人员",
    StaffKind.INSTITUTION: "机构教师",
}
MAX_FILE_MB = 5
MAX_ROWS = 2000


class TextWidget(widgets.Widget):
    def __init__(self, *, required: bool, max_length: int, label: str):
        super().__init__()
        self.required, self.max_length, self.label = required, max_length, label

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        if not text:
            if self.required:
                raise ValueError(_("Fill in the %(column)s.") % {"column": self.label})
            return ""
        if text.startswith(FORMULA_START):
            raise ValueError(_("A cell may not begin with =, +, - or @."))
        if len(text) > self.max_length:
            raise ValueError(
                _("At most %(max)d characters, not %(n)d.")
                % {"max": self.max_length, "n": len(text)}
            )
        return text


class KindWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text not in KIND_IN:
            raise ValueError(
                _("The kind must be one of %(kinds)s, not “%(value)s”.")
                % {"kinds": "、".join(KIND_OUT.values()), "value": text[:20]}
            )
        return KIND_IN[text]

    def render(self, value, obj=None, **kwargs):
        return KIND_OUT.get(value, "")


class MobileWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        mobile = parse_mobile(text)
        if mobile is None:
            raise ValueError(
                _("“%(value)s” is not a valid 11-digit mobile number.") % {"value": text[:20]}
            )
        return mobile


# --------------------------------------------------------------------------- files


@dataclass
class Sheet:
    dataset: tablib.Dataset
    row_numbers: list[int]
    ignored_columns: list[str] = field(default_factory=list)


def _file_error(message) -> InvalidInput:
    return InvalidInput(fields={"file": [message]}, code="staff_file_invalid")


MAX_SCANNED_ROWS = 2 * MAX_ROWS  # rows read below the header, blank ones included
HEADER_SEARCH_ROWS = 10


def read_staff_file(content: bytes, filename: str) -> Sheet:
    """Parse an uploaded staff list. Errors: InvalidInput on ``file``.

    Rows are streamed (enrollment.resources.stream_rows, the roster's reader: an .xlsx in
    openpyxl's read-only mode) and counted as they are read: a file over the limit is refused
    at row MAX_ROWS + 1 (or after MAX_SCANNED_ROWS rows, blank ones included), never parsed
    to its end."""
    if len(content) > MAX_FILE_MB * 1024 * 1024:
        raise _file_error(_("The file is larger than %(max)d MB.") % {"max": MAX_FILE_MB})
    rows = stream_rows(content, filename)
    try:
        return _read_sheet(rows)
    except RosterFileError as error:  # the shared reader's file-level refusals
        messages = error.fields.get("file") or [str(error)]
        raise _file_error(messages[0]) from error
    finally:
        rows.close()


def _read_sheet(rows) -> Sheet:
    header_index, header = None, ()
    for i, r in enumerate(islice(rows, HEADER_SEARCH_ROWS)):
        if {COL_NAME, COL_KIND} <= {cell_text(c) for c in r}:
            header_index, header = i, r
            break
    if header_index is None:
        raise _file_error(
            _("No header row found. The first row must hold the column names %(columns)s.")
            % {"columns": "、".join(COLUMNS)}
        )
    headings = [cell_text(c) for c in header]
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, heading in enumerate(headings):
        if heading in COLUMNS and heading not in positions:
            positions[heading] = index
        elif heading:
            ignored.append(heading)
    present = [c for c in COLUMNS if c in positions]
    data, numbers = [], []
    over = False
    for offset, raw in enumerate(rows):
        if offset >= MAX_SCANNED_ROWS:
            over = True
            break
        values = tuple(raw[positions[c]] if positions[c] < len(raw) else None for c in present)
        if all(cell_text(v) == "" for v in values):
            continue
        data.append(values)
        numbers.append(header_index + 2 + offset)
        if len(data) > MAX_ROWS:
            over = True
            break
    if over:
        raise _file_error(
            _("At most %(max)d people can be imported at a time; split the file.")
            % {"max": MAX_ROWS}
        )
    if not data:
        raise _file_error(_("The file lists nobody."))
    return Sheet(tablib.Dataset(*data, headers=present), numbers, ignored)


# --------------------------------------------------------------------------- the resource


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class StaffPlan:
    create: list[StaffMember]
    update: list[StaffMember]
    unchanged: int


def _state(staff: StaffMember) -> tuple:
    return (
        staff.full_name,
        staff.kind,
        staff.mobile,
        staff.user_id,
        staff.institution_id,
        staff.subject,
        staff.note,
        staff.is_active,
    )


class StaffResource(resources.ModelResource):
    """Staff of one school ↔ rows. Import plans (module doc); export writes."""

    full_name = fields.Field(
        attribute="full_name",
        column_name=COL_NAME,
        widget=TextWidget(required=False, max_length=64, label=COL_NAME),
    )
    kind = fields.Field(attribute="kind", column_name=COL_KIND, widget=KindWidget())
    mobile = fields.Field(attribute="mobile", column_name=COL_MOBILE, widget=MobileWidget())
    login = fields.Field(column_name=COL_LOGIN)
    institution = fields.Field(column_name=COL_INSTITUTION)
    subject = fields.Field(
        attribute="subject",
        column_name=COL_SUBJECT,
        widget=TextWidget(required=False, max_length=60, label=COL_SUBJECT),
    )
    note = fields.Field(
        attribute="note",
        column_name=COL_NOTE,
        widget=TextWidget(required=False, max_length=200, label=COL_NOTE),
    )

    class Meta:
        model = StaffMember
        fields = import_order = export_order = (
            "full_name",
            "kind",
            "mobile",
            "login",
            "institution",
            "subject",
            "note",
        )
        import_id_fields = ()
        use_bulk = True
        skip_diff = True
        skip_html_diff = True
        clean_model_instances = False
        report_skipped = True

    def __init__(self, *, school: School, row_numbers: list[int] | None = None):
        super().__init__()
        self.school = school
        self.row_numbers = row_numbers or []
        self.by_user: dict[int, StaffMember] = {}
        self.by_mobile: dict[str, StaffMember] = {}
        self.accounts: dict[str, User] = {}
        self.institutions: dict[str, Institution] = {}
        self.seen: dict[object, int] = {}
        self.snapshots: dict[int, tuple] = {}
        self.to_create: list[StaffMember] = []
        self.to_update: list[StaffMember] = []
        self.vetting: dict[int, dict[str, str]] = {}
        self.problems: dict[int, str] = {}

    # ---------------------------------------------------------------- export

    def get_queryset(self):
        return (
            StaffMember.objects.filter(school=self.school)
            .select_related("user", "institution")
            .prefetch_related("vetting")
            .order_by("kind", "full_name", "id")
        )

    def dehydrate_login(self, staff):
        return (staff.user.username or staff.user.mobile or "") if staff.user else ""

    def dehydrate_institution(self, staff):
        return staff.institution.name if staff.institution else ""

    def export_dataset(self) -> tablib.Dataset:
        staff = list(self.get_queryset())
        dataset = self.export(queryset=staff)
        for step, heading in VETTING_COLUMNS.items():
            dataset.append_col(
                [
                    next((r.done_on.isoformat() for r in s.vetting.all() if r.step == step), "")
                    if s.needs_vetting
                    else ""
                    for s in staff
                ],
                header=heading,
            )
        dataset.append_col(
            [
                "是" if schedulable_problem(s, list(s.vetting.all())) is None else "否"
                for s in staff
            ],
            header=COL_SCHEDULABLE,
        )
        dataset.title = "课后服务人员"
        return dataset

    # ---------------------------------------------------------------- import

    def sheet_row(self, kwargs) -> int:
        index = kwargs.get("row_number", 0)
        return self.row_numbers[index - 1] if 0 < index <= len(self.row_numbers) else index + 1

    def before_import(self, dataset, **kwargs):
        for staff in StaffMember.objects.filter(school=self.school).select_related("institution"):
            if staff.user_id:
                self.by_user[staff.user_id] = staff
            if staff.mobile:
                self.by_mobile[staff.mobile] = staff
        users = list(staff_users(self.school))
        for user in users:
            if user.mobile:
                self.accounts.setdefault(user.mobile, user)
        for user in users:
            if user.username:
                self.accounts[user.username.lower()] = user
        for inst in Institution.objects.filter(district_id=self.school.district_id):
            self.institutions[inst.name] = inst

    def get_instance(self, instance_loader, row):
        return None  # matched in import_instance, once the cells are clean

    def init_instance(self, row=None):
        return StaffMember(district_id=self.school.district_id, school=self.school)

    def import_instance(self, instance, row, **kwargs):
        row_no = self.sheet_row(kwargs)
        errors: dict[str, list[str]] = {}
        values: dict[str, object] = {}
        for f in (self.fields[n] for n in ("full_name", "kind", "mobile", "subject", "note")):
            if f.column_name not in row:
                continue
            try:
                values[f.column_name] = f.clean(row)
            except ValueError as exc:
                errors[f.column_name] = [str(exc)]
        kind = values.get(COL_KIND)
        mobile = values.get(COL_MOBILE)
        login = cell_text(row.get(COL_LOGIN))
        user = None
        if login:
            user = self.accounts.get(login.lower()) or self.accounts.get(parse_mobile(login) or "")
            if user is None:
                errors[COL_LOGIN] = [
                    _("No staff member of this school has the user name or mobile “%(value)s”.")
                    % {"value": login[:20]}
                ]
        elif kind == StaffKind.SCHOOL_TEACHER and COL_LOGIN not in errors:
            user = self.accounts.get(mobile or "")
            if user is None:
                errors[COL_LOGIN] = [_("Fill in the user name of the teacher's account (登录名).")]
        if kind and kind != StaffKind.SCHOOL_TEACHER and not mobile and COL_MOBILE not in errors:
            errors[COL_MOBILE] = [_("Fill in the mobile number: it identifies the person.")]
        inst_name = cell_text(row.get(COL_INSTITUTION))
        institution = None
        if kind == StaffKind.INSTITUTION:
            institution = self.institutions.get(inst_name)
            if not inst_name:
                errors[COL_INSTITUTION] = [_("Fill in the institution of the instructor.")]
            elif institution is None:
                errors[COL_INSTITUTION] = [
                    _("“%(name)s” is not on the district's list of institutions.")
                    % {"name": inst_name[:30]}
                ]
        elif inst_name and kind:
            errors[COL_INSTITUTION] = [_("Only an institution's instructor has an institution.")]
        existing = None
        if user is not None:
            existing = self.by_user.get(user.pk)
        if existing is None and mobile:
            existing = self.by_mobile.get(mobile)
        key = ("user", user.pk) if user is not None else ("mobile", mobile)
        if key[1] is not None:
            if key in self.seen:
                errors.setdefault(COL_NAME, []).append(
                    _("The same person already appears in row %(row)d.") % {"row": self.seen[key]}
                )
            else:
                self.seen[key] = row_no
        if (
            institution is not None
            and institution.status != InstitutionStatus.APPROVED
            and (existing is None or existing.institution_id != institution.pk)
        ):
            errors[COL_INSTITUTION] = [
                _("%(name)s is not on the district's approved list (%(status)s).")
                % {"name": institution.name, "status": institution.get_status_display()}
            ]
        name = values.get(COL_NAME) or (str(user.full_name or user) if user is not None else "")
        if not name and COL_NAME not in errors:
            errors[COL_NAME] = [_("Fill in the name.")]
        if errors:
            raise ValidationError(errors)
        target = existing or instance
        if existing is not None:
            self.snapshots[existing.pk] = _state(existing)
        target.full_name = name
        target.kind = kind
        if mobile or user is None:
            target.mobile = mobile
        elif target.pk is None:
            target.mobile = user.mobile
        target.user = user if user is not None else target.user
        target.institution = institution
        if COL_SUBJECT in values:
            target.subject = values[COL_SUBJECT]
        if COL_NOTE in values:
            target.note = values[COL_NOTE]
        target.is_active = True
        (self.to_update if existing is not None else self.to_create).append(target)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        return False

    def save_instance(self, instance, is_create, row, **kwargs):
        """Nothing: ``import_instance`` planned the row already."""

    def after_import(self, dataset, result, **kwargs):
        """Nothing (the base class would reset the id sequence)."""

    # ---------------------------------------------------------------- results

    def problems_of(self, result) -> list[RowProblem]:
        order = {c: i for i, c in enumerate(COLUMNS)}
        out: list[RowProblem] = []
        for invalid in result.invalid_rows:
            row_no = self.sheet_row({"row_number": invalid.number})
            for column, messages in invalid.error_dict.items():
                col = column if column in order else ""
                out += [RowProblem(row_no, col, str(m)) for m in messages]
        return sorted(out, key=lambda e: (e.row, order.get(e.column, -1)))

    def plan(self) -> StaffPlan:
        update = [s for s in self.to_update if self.snapshots.get(s.pk) != _state(s)]
        return StaffPlan(
            create=self.to_create,
            update=update,
            unchanged=len(self.to_update) - len(update),
        )


# --------------------------------------------------------------------------- other exports


def xlsx_bytes(*datasets: tablib.Dataset) -> bytes:
    """An .xlsx workbook with one sheet per dataset; text that looks like a formula stays text
    (``aftercare.exports``, the one builder every export uses)."""
    return exports.xlsx_bytes(*datasets)
