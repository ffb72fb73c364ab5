"""Fixtures of the scheduling tests (the builders are in ``tests/scheduling/world.py``)."""

import pytest

from tests.scheduling.world import Sched, Staffed, build_sched, staffed_world


@pytest.fixture
def sched(world) -> Sched:
    return build_sched(world, "a1")


@pytest.fixture
def sched_b(world, sched) -> Sched:
    return build_sched(world, "b1")


@pytest.fixture
def staffed(sched) -> Staffed:
    """A confirmed, fully staffed grouping of a1: grade 3 class of 31 (the world's class),
    grade 3 class 2 with 12 and grade 4 with 14 (merged), and the 围棋 section (empty)."""
    return staffed_world(sched, first_teacher=sched.teacher("care_a1"))
