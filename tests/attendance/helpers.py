"""Small helpers of the attendance tests."""

import uuid

from django.urls import reverse

from attendance.services import roll as roll_services


def take_roll(daily, session=None, *, absent=(), late=(), actor=None, now=None, children=None):
    """Submit a full roll through the service: everyone present except ``absent``/``late``."""
    session = session or daily.today
    marks = [
        roll_services.MarkInput(
            c.public_id, "absent" if c in absent else "late" if c in late else "present"
        )
        for c in (daily.children if children is None else children)
    ]
    return roll_services.submit_roll(
        actor=actor or daily.user("care"),
        session=session,
        marks=marks,
        submission_id=uuid.uuid4(),
        now=now,
    )


def url(name, *args):
    return reverse(name, args=args)
