"""Models of district policy (policy.py) and school plans, 一校一案 (plans.py).

The tables keep the names they had when these models lived in ``aftercare`` (``db_table``):
moving an app's models changes their state, not their storage (migration 0001 of this app
and 0008 of ``aftercare`` hand them over without touching the database).
"""

from .categories import (
    CEILING_RULES,
    RULE_GROUPS,
    RULE_KINDS,
    RuleOverride,
    SchoolCategory,
    SchoolCategoryAssignment,
    ServiceScope,
    Stage,
    rule_label,
    stage_of,
)
from .plans import (
    BASIC_SERVICE_CLASSES,
    EDITABLE_STATUSES,
    FROZEN_STATUSES,
    Course,
    FeeUnit,
    PlanStatus,
    PlanVersion,
    RegistrationMode,
    RegistrationWindow,
    SchoolPlan,
    ServiceClass,
    ServicePeriod,
    WindowKind,
    grade_array,
    weekday_array,
)
from .policy import DistrictPolicy, ExtendedRefund, PolicySeason, RefundBasis, money

__all__ = [
    "BASIC_SERVICE_CLASSES",
    "CEILING_RULES",
    "EDITABLE_STATUSES",
    "FROZEN_STATUSES",
    "RULE_GROUPS",
    "RULE_KINDS",
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
    "RuleOverride",
    "SchoolCategory",
    "SchoolCategoryAssignment",
    "SchoolPlan",
    "ServiceClass",
    "ServicePeriod",
    "ServiceScope",
    "Stage",
    "WindowKind",
    "grade_array",
    "money",
    "rule_label",
    "stage_of",
    "weekday_array",
]
