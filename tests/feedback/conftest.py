import pytest
from django.utils import timezone

from tests.attendance.world import DAY, at, build_daily


class Clock:
    """``django.utils.timezone.now`` frozen at a moment the test moves."""

    def __init__(self):
        self.now = at(16, 0)

    def set(self, hour, minute=0, day=DAY):
        self.now = at(hour, minute, day)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(timezone, "now", lambda: c.now)
    return c


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads go to a directory of the test's own (checked for leftovers)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def daily(world, clock):
    return build_daily(world, "a1")
