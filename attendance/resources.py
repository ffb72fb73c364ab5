"""Attendance as a spreadsheet (django-import-export): one row per child and session, with
the mark, the leave that excused it and the pickup — per group, class or school."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from .models import AttendanceMark


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""


class AttendanceResource(resources.ModelResource):
    date = fields.Field(attribute="date", column_name=_("date"))
    group = fields.Field(attribute="session__group__name", column_name=_("group"))
    time = fields.Field(column_name=_("time"))
    student_number = fields.Field(
        attribute="student__student_number", column_name=_("student number")
    )
    name = fields.Field(attribute="student__name", column_name=_("name"))
    school_class = fields.Field(column_name=_("class"))
    status = fields.Field(column_name=_("status"))
    leave = fields.Field(column_name=_("leave"))
    note = fields.Field(attribute="note", column_name=_("note"))
    marked_by = fields.Field(column_name=_("marked by"))
    marked_at = fields.Field(column_name=_("marked at"))
    picked_up_by = fields.Field(column_name=_("picked up by"))
    picked_up_at = fields.Field(column_name=_("picked up at"))
    late_pickup = fields.Field(column_name=_("late pickup (minutes)"))

    class Meta:
        model = AttendanceMark
        fields = export_order = (
            "date",
            "group",
            "time",
            "student_number",
            "name",
            "school_class",
            "status",
            "leave",
            "note",
            "marked_by",
            "marked_at",
            "picked_up_by",
            "picked_up_at",
            "late_pickup",
        )

    def __init__(self, departures=None, **kwargs):
        super().__init__(**kwargs)
        self.departures = departures or {}

    def dehydrate_time(self, mark):
        s = mark.session
        return f"{s.start_time:%H:%M}–{s.end_time:%H:%M}"

    def dehydrate_school_class(self, mark):
        return mark.student.school_class.name

    def dehydrate_status(self, mark):
        return str(mark.get_status_display())

    def dehydrate_leave(self, mark):
        if mark.leave is None:
            return ""
        return f"{mark.leave.get_reason_display()} {mark.leave.start_date}–{mark.leave.end_date}"

    def dehydrate_marked_by(self, mark):
        return str(mark.marked_by)

    def dehydrate_marked_at(self, mark):
        return _local(mark.marked_at)

    def _departure(self, mark):
        return self.departures.get((mark.session_id, mark.student_id))

    def dehydrate_picked_up_by(self, mark):
        d = self._departure(mark)
        if d is None:
            return ""
        if d.kind == "moved":
            return str(_("handed over to another group"))
        return f"{d.relation} {d.picked_up_by}".strip()

    def dehydrate_picked_up_at(self, mark):
        d = self._departure(mark)
        return _local(d.at) if d else ""

    def dehydrate_late_pickup(self, mark):
        d = self._departure(mark)
        return d.minutes_late if d and d.is_late else ""
