"""Models of the kernel: tenancy, users and roles, calendar, audit, inbox (core.py); the
outbox of side effects delivered after commit (outbox.py)."""

from .core import *  # noqa: F403
from .core import (  # noqa: F401 - explicit names for tools
    DISTRICT_ROLES,
    GRADE_NAMES,
    MANAGER_ROLES,
    SCHOOL_ROLES,
    TEACHER_ROLES,
    WEEKDAYS,
    AuditEvent,
    CalendarException,
    CalendarKind,
    District,
    Membership,
    Notification,
    Role,
    School,
    SchoolClass,
    Semester,
    User,
    UserManager,
    grades_label,
    mobile_validator,
)
from .outbox import OutboxChannel, OutboxMessage  # noqa: F401
from .tokens import ApiToken  # noqa: F401
