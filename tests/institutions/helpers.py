"""Data shared by the institutions tests and the cross-tenant matrix."""

from datetime import timedelta

from django.utils import timezone

VALID_ID = "11010519491231002X"
OTHER_ID = "110105194912310038"


def instructor_data(**over):
    today = timezone.localdate()
    data = {
        "full_name": "张老师",
        "id_card": VALID_ID,
        "qualification": "教师资格证 2019-001",
        "consent_given_on": today - timedelta(days=30),
        "background_checked_on": today - timedelta(days=20),
        "sexual_offence_checked": True,
        "background_check_valid_until": today + timedelta(days=300),
        "health_certificate_valid_until": today + timedelta(days=200),
    }
    data.update(over)
    return data
