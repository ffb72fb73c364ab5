import os

import pytest

from tests.billing.world import build_billing


@pytest.fixture(scope="session", autouse=True)
def _sandbox_keys(tmp_path_factory):
    """The sandbox gateway's key pair and APIv3 key, generated for this test session (never
    committed); private files (evidence, receipts) in a temporary directory too. Set in the
    environment so a live server thread and a worker subprocess see the same."""
    from billing import gateway

    saved = {
        k: os.environ.get(k)
        for k in (
            "BILLING_SANDBOX",
            "BILLING_GATEWAY",
            "BILLING_SANDBOX_KEY_DIR",
            "BILLING_PRIVATE_ROOT",
        )
    }
    os.environ.update(
        BILLING_SANDBOX="1",
        BILLING_GATEWAY="sandbox",
        BILLING_SANDBOX_KEY_DIR=str(tmp_path_factory.mktemp("sandbox-keys")),
        BILLING_PRIVATE_ROOT=str(tmp_path_factory.mktemp("private")),
    )
    gateway.reset()
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    gateway.reset()


@pytest.fixture
def bill(world):
    return build_billing(world)
