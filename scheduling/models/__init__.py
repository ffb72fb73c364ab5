"""Models of scheduling: staff, vetting and institutions (staff.py); rooms, groupings,
groups, members and assignments (groups.py); sessions and cancelled days (sessions.py)."""

from .groups import (
    Assignment,
    CareGroup,
    DutyRole,
    Grouping,
    GroupingStatus,
    GroupKind,
    GroupMember,
    Placement,
    Room,
    RoomBooking,
)
from .sessions import DayCancellation, Session, SessionStatus
from .staff import (
    UNPAID_KINDS,
    VETTED_KINDS,
    Institution,
    InstitutionStatus,
    StaffKind,
    StaffMember,
    VettingRecord,
    VettingStep,
)

__all__ = [
    "UNPAID_KINDS",
    "VETTED_KINDS",
    "Assignment",
    "CareGroup",
    "DayCancellation",
    "DutyRole",
    "GroupKind",
    "GroupMember",
    "Grouping",
    "GroupingStatus",
    "Institution",
    "InstitutionStatus",
    "Placement",
    "Room",
    "RoomBooking",
    "Session",
    "SessionStatus",
    "StaffKind",
    "StaffMember",
    "VettingRecord",
    "VettingStep",
]
