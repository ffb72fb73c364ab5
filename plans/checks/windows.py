"""Registration windows and the plan's general part (mixed into the checker)."""

from __future__ import annotations

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _

from plans.models import (
    FeeUnit,
    WindowKind,
)


class WindowChecks:
    def check_windows(self) -> None:
        by_key = {(w.kind, w.round): w for w in self.windows}
        semester_end = timezone.make_aware(datetime.combine(self.semester.end_date, time(23, 59)))
        needed = []
        if self.courses:
            needed.append((WindowKind.EXTENDED, _("extended courses")))
        if not self.policy.basic_join_mid_semester:
            needed.append((WindowKind.BASIC, _("basic care")))
        for kind, label in needed:
            if (kind, 1) not in by_key:
                self.add(
                    "window_missing",
                    "windows",
                    _("Set the registration window for %(what)s.") % {"what": label},
                    kind="incomplete",
                    field="opens_at",
                )
        for (kind, rnd), w in by_key.items():
            if rnd == 2:
                first = by_key.get((kind, 1))
                if first is None:
                    self.add(
                        "window_round2_without_round1",
                        "windows",
                        _("A second round needs a first round."),
                        kind="incomplete",
                        item_id=w.pk,
                        field="round",
                    )
                elif w.opens_at < first.closes_at:
                    self.add(
                        "window_round2_overlaps",
                        "windows",
                        _("The second round must open after the first round closes."),
                        kind="incomplete",
                        item_id=w.pk,
                        field="opens_at",
                    )
            if w.closes_at > semester_end:
                self.add(
                    "window_after_semester",
                    "windows",
                    _("Registration must close before the semester ends (%(end)s).")
                    % {"end": self.semester.end_date},
                    kind="incomplete",
                    item_id=w.pk,
                    field="closes_at",
                )

    def check_general(self) -> None:
        v, p = self.version, self.policy
        charges = (v.basic_fee_unit != FeeUnit.FREE and v.basic_fee_amount) or any(
            c.fee_per_lesson for c in self.courses
        )
        if charges and not v.fee_notice.strip():
            self.add(
                "fee_notice_missing",
                "general",
                _(
                    "Fees may only be charged under a published fee standard: write the fee "
                    "standard notice."
                ),
                field="fee_notice",
            )
        if not v.hotline.strip() and not (p and p.complaint_hotline):
            self.add(
                "hotline_missing",
                "general",
                _("Enter the complaint hotline."),
                kind="incomplete",
                field="hotline",
            )
        if not v.safety_plan.strip():
            self.add(
                "safety_plan_missing",
                "general",
                _("Describe the safety rules and the emergency plan."),
                kind="incomplete",
                field="safety_plan",
            )
        if not v.leadership_group.strip():
            self.add(
                "leadership_missing",
                "general",
                _("Name the leadership group."),
                kind="incomplete",
                field="leadership_group",
            )
        if p and p.prohibitions and not v.prohibitions_confirmed:
            self.add(
                "prohibitions_not_confirmed",
                "general",
                _("Confirm the district's prohibitions."),
                kind="incomplete",
                field="prohibitions_confirmed",
            )
