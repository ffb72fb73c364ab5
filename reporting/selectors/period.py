"""The district, semester and range of days a reporting page shows (``?district=``,
``?semester=``, ``?from=``, ``?to=``), resolved against what the reader oversees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.http import Http404
from django.utils import timezone

from aftercare.models import District, Semester
from reporting import rules


@dataclass
class Period:
    district: District
    semester: Semester | None
    semesters: list[Semester]
    start: date
    end: date
    today: date

    @property
    def months(self) -> tuple[date, date]:
        return self.start.replace(day=1), self.end.replace(day=1)

    def query(self, **extra) -> str:
        """The query string that keeps this period (for links between the pages)."""
        params = {
            "district": str(self.district.public_id),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
        }
        if self.semester is not None:
            params["semester"] = str(self.semester.public_id)
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


def oversight_district(request, district_id: int | None = None) -> District:
    """The district the reader works in: the object's own, the one picked with ?district=, or
    their first. (Readers were checked by the view: they oversee at least one district.)"""
    ids = rules.oversight_districts(request.scope)
    districts = list(District.objects.filter(pk__in=ids).order_by("pk"))
    if not districts:
        raise Http404
    if district_id is not None:
        return next(d for d in districts if d.pk == district_id)
    wanted = request.GET.get("district")
    return next((d for d in districts if str(d.public_id) == wanted), districts[0])


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def resolve_period(request, district: District, today: date | None = None) -> Period:
    today = today or timezone.localdate()
    semesters = list(Semester.objects.filter(district=district).order_by("-start_date"))
    wanted = request.GET.get("semester")
    semester = next((s for s in semesters if str(s.public_id) == wanted), None)
    if semester is None:
        started = [s for s in semesters if s.start_date <= today]
        semester = started[0] if started else (semesters[-1] if semesters else None)
    if semester is not None:
        start, end = semester.start_date, min(semester.end_date, max(today, semester.start_date))
    else:
        start, end = today.replace(day=1), today
    picked_start, picked_end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if picked_start and picked_end and 0 <= (picked_end - picked_start).days <= 400:
        start, end = picked_start, picked_end
    return Period(
        district=district,
        semester=semester,
        semesters=semesters,
        start=start,
        end=end,
        today=today,
    )
