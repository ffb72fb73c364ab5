import pytest

from tests.billing.world import build_billing


@pytest.fixture
def bill(world):
    return build_billing(world)
