"""Models of district policy (policy.py) and school plans, 一校一案 (plans.py).

The tables keep the names they had when these models lived in ``aftercare`` (``db_table``):
moving an app's models changes their state, not their storage (migration 0001 of this app
and 0008 of ``aftercare`` hand them over without touching the database).
"""

from .plans import (
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
    grade_array,
    weekday_array,
)
from .policy import DistrictPolicy, ExtendedRefund, PolicySeason, RefundBasis, money

__all__ = [
    "EDITABLE_STATUSES",
    "FROZEN_STATUSES",
    "Course",
    "DistrictPolicy",
    "ExtendedRefund",
    "FeeUnit",
    "PlanStatus",
    "PlanVersion",
    "PolicySeason",
    "RefundBasis",
    "RegistrationMode",
    "RegistrationWindow",
    "SchoolPlan",
    "ServicePeriod",
    "WindowKind",
    "grade_array",
    "money",
    "weekday_array",
]
