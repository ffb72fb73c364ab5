"""Payment gateways behind one interface (``base.PaymentGateway``). ``GATEWAYS`` maps a name
(stored on each order) to its implementation; ``get`` returns one, refusing the sandbox
where it is disabled. Alipay or a provincial 统一公共支付平台 is one more module and entry."""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from billing import conf
from billing.gateway.base import GatewayError, NotificationRejected, PaymentGateway

GATEWAYS = {
    "wechat": "billing.gateway.wechat.WeChatPayV3",
    "sandbox": "billing.gateway.sandbox.SandboxGateway",
}

__all__ = ["GATEWAYS", "GatewayError", "NotificationRejected", "PaymentGateway", "get"]


class GatewayDisabled(LookupError):
    pass


def get(name: str | None = None) -> PaymentGateway:
    name = name or conf.gateway_name()
    if name not in GATEWAYS:
        raise GatewayDisabled(name)
    if name == "sandbox" and not conf.sandbox_enabled():
        raise GatewayDisabled("the sandbox gateway is disabled here")
    return _instance(name, str(conf.sandbox_key_dir()))


@cache
def _instance(name: str, _key_dir: str) -> PaymentGateway:
    return import_string(GATEWAYS[name])()


def reset() -> None:
    """Forget the instances (tests that change the key directory or settings)."""
    _instance.cache_clear()
