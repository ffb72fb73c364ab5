"""Writes of the core domain (see each module): core, policy, plans.

Core functions are re-exported here; policy and plan services are used as
``from aftercare.services import plans`` / ``policy``.
"""

from aftercare.notifications import notify  # inbox messages go through the outbox
from aftercare.services.core import (
    add_calendar_exception,
    add_calendar_range,
    create_semester,
    grant_role,
    mark_notifications_read,
    remove_calendar_exception,
    remove_calendar_range,
)

__all__ = [
    "add_calendar_exception",
    "add_calendar_range",
    "create_semester",
    "grant_role",
    "mark_notifications_read",
    "notify",
    "remove_calendar_exception",
    "remove_calendar_range",
]
