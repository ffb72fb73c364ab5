import pytest
from django.utils import timezone

from safety.services.consent import publish_notice
from tests.attendance.world import at, build_daily


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = at(16, 0)

    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    return Clock


@pytest.fixture
def sw(world, clock):
    """School a1's day (tests/attendance/world.py): ``care_a1`` teaches the group of the
    world's student a1 and two more children; the district's privacy notice, version 1."""
    daily = build_daily(world, "a1", children=2)
    daily.notice = publish_notice(
        actor=world.users["official_a"],
        district=world.a,
        purposes="课后服务",
        data_kept="姓名",
        storage_location="境内",
        retention="三年",
        responsible_contact="王老师 123",
    )
    daily.child = world.students["a1"]
    daily.parent = world.users["parent_a1"]
    return daily
