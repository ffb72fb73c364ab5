"""REST API of scheduling, under /api/v1/ — everything the pages do.

institutions/ · {id}/ · {id}/status/          the district's whitelist (officials write)
staff/ · {id}/ · {id}/vetting/                 school staff; a vetting step with its document
vetting-records/{id}/document/                 the document (managers, officials, the person)
schools/{school_id}/staff/import/ · export/    the staff list as .xlsx (all or nothing)
rooms/ · {id}/
plans/{plan_id}/scheduling/                    the board: status, violations, staffing, groups
plans/{plan_id}/scheduling/propose/ · confirm/ · place/ · generate-sessions/ · cancel-day/
groups/ · {id}/ · {id}/move/ · merge/ · split/
assignments/ · {id}/                           teachers, managers, duty leaders per weekday
room-bookings/ · {id}/
sessions/ · {id}/                              scoped: teachers see the groups they teach
family/sessions/                               a parent's children's sessions
district-sessions/                             generate every school's sessions (Celery)

Objects are found through ``visible_to`` (another tenant's or school's: 404); services answer
403 for a wrong role, 409 for a wrong state and 400 (with the reasons) for the impossible.
"""

from .board import (
    BoardView,
    CancelDayView,
    ConfirmView,
    GenerateView,
    GroupViewSet,
    PlaceView,
    ProposeView,
)
from .sessions import (
    AssignmentViewSet,
    DistrictSessionsView,
    FamilySessionsView,
    RoomBookingViewSet,
    SessionViewSet,
)
from .staff import (
    InstitutionViewSet,
    RoomViewSet,
    StaffExportView,
    StaffImportView,
    StaffViewSet,
    VettingRecordViewSet,
)

__all__ = [
    "AssignmentViewSet",
    "BoardView",
    "CancelDayView",
    "ConfirmView",
    "DistrictSessionsView",
    "FamilySessionsView",
    "GenerateView",
    "GroupViewSet",
    "InstitutionViewSet",
    "PlaceView",
    "ProposeView",
    "RoomBookingViewSet",
    "RoomViewSet",
    "SessionViewSet",
    "StaffExportView",
    "StaffImportView",
    "StaffViewSet",
    "VettingRecordViewSet",
]
