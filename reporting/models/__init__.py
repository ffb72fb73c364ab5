"""Models of reporting: the daily rollups the dashboard reads (rollups.py) and the
compliance alerts with their history (alerts.py)."""

from .alerts import LIVE_STATES, Alert, AlertChange, AlertState
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
    "LIVE_STATES",
    "Alert",
    "AlertChange",
    "AlertState",
    "ClassDay",
    "GroupDay",
    "LedgerBalance",
    "MoneyDay",
    "ParticipationClass",
    "ParticipationDay",
    "RefreshStatus",
    "RollupRun",
    "SchoolDay",
    "StaffDay",
    "StudentMonth",
]
