"""Models of the core domain, split by topic: core (tenancy, users, calendar, audit),
policy (district policy), plans (school plans, 一校一案)."""

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
    mobile_validator,
)
from .plans import *  # noqa: F403
from .plans import (  # noqa: F401
    EDITABLE_STATUSES,
    FROZEN_STATUSES,
    Course,
    FeeUnit,
    PlanStatus,
    PlanVersion,
    RegistrationMode,
    RegistrationWindow,
    SchoolPlan,
    ServicePeriod,
    WindowKind,
)
from .policy import *  # noqa: F403
from .policy import DistrictPolicy, ExtendedRefund, PolicySeason, RefundBasis  # noqa: F401
