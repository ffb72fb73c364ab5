"""Models of reporting: the daily rollups the dashboard reads (rollups.py) and the
compliance alerts with their history (alerts.py), the annual assessment (assessment.py)."""

from .alerts import LIVE_STATES, Alert, AlertChange, AlertState
from .assessment import (
    DEFAULT_WEIGHTS,
    Criterion,
    CriterionScore,
    SchoolAssessment,
    ScoreSheet,
    SheetStatus,
)
from .rollups import (
    ClassDay,
    GroupDay,
    LedgerBalance,
    MoneyDay,
    ParticipationClass,
    ParticipationDay,
    RefreshStatus,
    RollupRun,
    SchoolDay,
    StaffDay,
    StudentMonth,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "LIVE_STATES",
    "Alert",
    "AlertChange",
    "AlertState",
    "ClassDay",
    "Criterion",
    "CriterionScore",
    "GroupDay",
    "LedgerBalance",
    "MoneyDay",
    "ParticipationClass",
    "ParticipationDay",
    "RefreshStatus",
    "RollupRun",
    "SchoolAssessment",
    "SchoolDay",
    "ScoreSheet",
    "SheetStatus",
    "StaffDay",
    "StudentMonth",
]
