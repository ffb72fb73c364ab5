"""Models of daily operation (考勤 · 交接 · 清校).

* roll.py      ``RollCall`` (a session's roll, once taken), ``AttendanceMark`` (one per session
               and child, upserted), ``RollSubmission`` (each submitted list, once: the
               client's submission id is unique per session).
* leave.py     ``LeaveRequest`` (请假): a guardian asks for one or more days, the homeroom
               teacher decides.
* pickup.py    ``PickupPerson`` (authorized by the guardians), ``Departure`` (who took the
               child and when; late pickups), ``Handover`` + ``HandoverChild`` (交接).
* duty.py      ``Clearing`` + ``ClearedGroup`` (清校), ``Patrol`` (巡查).
* staff.py     ``StaffAttendance``: append-only (a trigger refuses UPDATE and DELETE); every
               change is a new row superseding the previous one.
* followup.py  ``FollowUp`` (a flagged pattern), ``AttendanceWarning``, ``Dismissal`` (劝退).
* records.py   ``WeeklyRecord`` (每周活动记录), archived per term.
"""

from .duty import ClearedGroup, Clearing, Patrol
from .followup import AttendanceWarning, Dismissal, FollowUp, FollowUpKind, FollowUpStatus
from .leave import LeaveReason, LeaveRequest, LeaveStatus
from .pickup import (
    Departure,
    DepartureKind,
    Fault,
    Handover,
    HandoverChild,
    HandoverStatus,
    PickupPerson,
    PickupRelation,
)
from .records import WeeklyRecord
from .roll import AttendanceMark, MarkStatus, RollCall, RollSubmission
from .staff import StaffAttendance, StaffAttendanceSource, StaffStatus

__all__ = [
    "AttendanceMark",
    "AttendanceWarning",
    "ClearedGroup",
    "Clearing",
    "Departure",
    "DepartureKind",
    "Dismissal",
    "Fault",
    "FollowUp",
    "FollowUpKind",
    "FollowUpStatus",
    "Handover",
    "HandoverChild",
    "HandoverStatus",
    "LeaveReason",
    "LeaveRequest",
    "LeaveStatus",
    "MarkStatus",
    "Patrol",
    "PickupPerson",
    "PickupRelation",
    "RollCall",
    "RollSubmission",
    "StaffAttendance",
    "StaffAttendanceSource",
    "StaffStatus",
    "WeeklyRecord",
]
