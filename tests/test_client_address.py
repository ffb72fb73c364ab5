"""The client address: one helper (aftercare.net), trusted proxies only, used by every check.

A client that sends its own ``X-Forwarded-For`` must gain nothing by it (a new header per try
used to escape the API login throttle); behind a proxy we trust, each client is told apart
(otherwise every parent shares the proxy's address: one SMS quota, one lockout for all).
"""

import pytest
from django.core.checks import run_checks
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from aftercare.net import client_address, client_ip
from aftercare.throttling import ClientAddressMixin
from tests.factories import PASSWORD

PROXY = "172.30.57.1"
PROXIES = ["172.30.57.0/24", "10.9.0.0/16"]


# --------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("trusted", "remote", "xff", "expected"),
    [
        # No trusted proxy configured: the header is never read.
        ([], "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ([], "203.0.113.9", "", "203.0.113.9"),
        # An untrusted peer: whatever it claims, it is the client.
        (PROXIES, "203.0.113.9", "198.51.100.1", "203.0.113.9"),
        (PROXIES, "203.0.113.9", "172.30.57.1", "203.0.113.9"),
        # A trusted proxy: the right-most untrusted entry, never what the client prepended.
        (PROXIES, PROXY, "198.51.100.7", "198.51.100.7"),
        (PROXIES, PROXY, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (PROXIES, PROXY, "6.6.6.6, 198.51.100.7, 10.9.3.4", "198.51.100.7"),
        (PROXIES, PROXY, " 198.51.100.7 ,10.9.3.4 ", "198.51.100.7"),
        # Proxies that write ports, IPv6, IPv4-mapped IPv6.
        (PROXIES, PROXY, "198.51.100.7:50412", "198.51.100.7"),
        (PROXIES, PROXY, "[2001:db8::5]:443", "2001:db8::5"),
        (PROXIES, PROXY, "2001:db8::5", "2001:db8::5"),
        (PROXIES, "::ffff:172.30.57.1", "::ffff:198.51.100.7", "198.51.100.7"),
        # Garbage stops the walk at the last address a proxy of ours wrote.
        (PROXIES, PROXY, "198.51.100.7, unknown", PROXY),
        (PROXIES, PROXY, "nonsense, 198.51.100.7", "198.51.100.7"),
        # Only proxies in the chain (a client inside the trusted network): the left-most.
        (PROXIES, PROXY, "10.9.0.8, 10.9.3.4", "10.9.0.8"),
        # A trusted peer that forwards nothing is itself the client.
        (PROXIES, PROXY, "", PROXY),
    ],
)
def test_client_address_rule(settings, trusted, remote, xff, expected):
    settings.TRUSTED_PROXIES = trusted
    meta = {"REMOTE_ADDR": remote}
    if xff:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    assert client_address(meta) == expected


def test_client_ip_reads_django_and_drf_requests(settings):
    from rest_framework.request import Request

    settings.TRUSTED_PROXIES = PROXIES
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert client_ip(request) == "198.51.100.7"
    assert client_ip(Request(request)) == "198.51.100.7"
    assert client_ip(None) is None


def test_a_bad_trusted_proxies_entry_is_a_system_check_error(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "proxy.example.cn"]
    errors = [e for e in run_checks() if e.id == "aftercare.E001"]
    assert len(errors) == 1 and "proxy.example.cn" in errors[0].msg
    settings.TRUSTED_PROXIES = PROXIES
    assert not [e for e in run_checks() if e.id == "aftercare.E001"]


def test_no_module_reads_remote_addr_but_the_helper():
    """REMOTE_ADDR is read in one place; everything else asks aftercare.net."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    reads = re.compile(
        r"""META(\.get\(|\[)\s*["'](REMOTE_ADDR|HTTP_X_FORWARDED_FOR)"""
        r"""|headers(\.get\(|\[)\s*["']x-forwarded-for""",
        re.I,
    )
    offenders = []
    for app in ("aftercare", "plans", "enrollment", "scheduling", "attendance", "billing"):
        for path in (root / app).rglob("*.py"):
            if path.name != "net.py" and reads.search(path.read_text()):
                offenders.append(str(path.relative_to(root)))
    assert not offenders, offenders


# --------------------------------------------------------------------------- API throttles


def _api_views():
    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                if cls is not None and hasattr(cls, "throttle_classes"):
                    yield p.name, cls

    return list(walk(get_resolver().url_patterns))


def test_every_api_throttle_keys_on_the_client_address_helper():
    views = _api_views()
    assert any(name == "api-token" for name, _cls in views)
    for name, cls in views:
        for throttle in cls.throttle_classes:
            assert issubclass(throttle, ClientAddressMixin), (name, throttle)


def _token_login(client, n, **headers):
    return client.post(
        "/api/v1/auth/token/", {"username": f"nobody-{n}", "password": "x"}, **headers
    )


@pytest.mark.django_db
def test_login_throttle_holds_against_a_new_forwarded_for_per_try(client, settings):
    settings.TRUSTED_PROXIES = []
    codes = [
        _token_login(
            client, n, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        ).status_code
        for n in range(11)
    ]
    assert codes == [400] * 10 + [429]


@pytest.mark.django_db
def test_login_throttle_tells_clients_apart_behind_a_trusted_proxy(client, settings):
    settings.TRUSTED_PROXIES = PROXIES
    behind = {"REMOTE_ADDR": PROXY}
    for n in range(10):
        _token_login(client, n, HTTP_X_FORWARDED_FOR="198.51.100.1", **behind)
    assert _token_login(client, 10, HTTP_X_FORWARDED_FOR="198.51.100.1", **behind).status_code == (
        429
    )
    # Another family behind the same proxy is not throttled by the first one's tries, nor can
    # the first one escape by prepending an address of its choice.
    assert _token_login(client, 11, HTTP_X_FORWARDED_FOR="198.51.100.2", **behind).status_code == (
        400
    )
    spoofed = _token_login(client, 12, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.1", **behind)
    assert spoofed.status_code == 429


# --------------------------------------------------------------------------- django-axes


@pytest.mark.django_db
def test_lockout_ignores_a_spoofed_header_and_locks_only_the_guesser_behind_the_proxy(
    world, client, settings
):
    def login(password, **meta):
        return client.post(
            reverse("login"), {"username": "principal-a1", "password": password}, **meta
        )

    # Untrusted peer: rotating X-Forwarded-For does not reset the failure count.
    settings.TRUSTED_PROXIES = []
    for n in range(5):
        login("wrong", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert login(PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429

    # Behind the trusted proxy: the guesser is locked, the principal at school is not.
    settings.TRUSTED_PROXIES = PROXIES
    for _ in range(5):
        login("wrong", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert login(PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.66").status_code == (
        429
    )
    ok = login(PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert ok.status_code == 302


# --------------------------------------------------------------------------- SMS limit


def _ask_code(client, mobile, **meta):
    return client.post("/api/v1/auth/sms-code/", {"mobile": mobile}, **meta)


@pytest.mark.django_db
def test_sms_limit_per_address_holds_against_rotating_headers(client, settings):
    from enrollment.models import SmsCode

    settings.SMS_IP_LIMIT_PER_HOUR = 2
    settings.TRUSTED_PROXIES = []
    codes = [
        _ask_code(
            client,
            f"1371111000{n}",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert set(SmsCode.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
def test_sms_limit_is_per_family_behind_the_trusted_proxy(client, settings):
    from enrollment.models import SmsCode

    settings.SMS_IP_LIMIT_PER_HOUR = 2
    settings.TRUSTED_PROXIES = PROXIES
    first = [
        _ask_code(
            client, f"1371111000{n}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1"
        ).status_code
        for n in range(3)
    ]
    assert first == [200, 200, 429]
    other = _ask_code(client, "13711110009", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 200
    assert SmsCode.objects.get(mobile="13711110009").ip_address == "198.51.100.2"


def test_sms_code_route_is_where_the_tests_post():
    assert reverse("api-sms-code") == "/api/v1/auth/sms-code/"


# --------------------------------------------------------------------------- compose


def test_compose_trusts_its_own_network_and_publishes_web_on_loopback_only():
    import ipaddress
    from pathlib import Path

    import yaml

    compose = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
    )
    subnet = ipaddress.ip_network(compose["networks"]["default"]["ipam"]["config"][0]["subnet"])
    for name in ("web", "worker", "beat"):
        trusted = compose["services"][name]["environment"]["TRUSTED_PROXIES"]
        default = trusted.split(":-", 1)[1].rstrip("}")
        assert ipaddress.ip_network(default) == subnet
    (port,) = compose["services"]["web"]["ports"]
    assert port.startswith("127.0.0.1:")


def test_compose_and_dev_workers_consume_every_queue(settings):
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parent.parent
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert command[command.index("-Q") + 1].split(",") == settings.WORKER_QUEUES
    queues = ",".join(settings.WORKER_QUEUES)
    assert f'"-Q", "{queues}"' in (root / "scripts" / "dev.py").read_text()
