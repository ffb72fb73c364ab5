"""SMS (issue 14): no backend logs a text (they carry sign-in codes), production refuses the
development backend (``check --deploy`` error, and web runs that check before it starts),
docker-compose has no default backend."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.checks import run_checks

from aftercare import sms
from aftercare.sms import LoggingBackend
from tests.sms_gateway import RecordingGateway

ROOT = Path(__file__).resolve().parent.parent
MOBILE = "13912340002"


@pytest.fixture(autouse=True)
def _empty_outboxes():
    LoggingBackend.outbox.clear()
    RecordingGateway.sent.clear()
    yield
    LoggingBackend.outbox.clear()
    RecordingGateway.sent.clear()


def _codes_of(outbox) -> list[str]:
    return [re.search(r"\b(\d{6})\b", text).group(1) for _mobile, text in outbox]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "backend", ["aftercare.sms.LoggingBackend", "tests.sms_gateway.RecordingGateway"]
)
def test_no_backend_logs_the_code_or_the_full_number(api, caplog, settings, backend):
    settings.SMS_BACKEND = backend
    settings.DEBUG = True  # the development backend's most talkative setting
    caplog.set_level(logging.DEBUG)  # every logger, every level
    response = api().post("/api/v1/auth/sms-code/", {"mobile": MOBILE}, format="json")
    assert response.status_code == 200, response.content
    outbox = LoggingBackend.outbox if "Logging" in backend else RecordingGateway.sent
    (code,) = _codes_of(outbox)
    logged = "\n".join(
        [
            caplog.text,
            *(str(r.args) for r in caplog.records),
            *(r.getMessage() for r in caplog.records),
        ]
    )
    assert code not in logged
    assert MOBILE not in logged
    if "Logging" in backend:
        assert "139****0002" in logged  # the development backend says a text was held


def test_mask_mobile():
    assert sms.mask_mobile("13800000002") == "138****0002"
    assert sms.mask_mobile("") == ""
    assert sms.mask_mobile("12345") == "*****"


@pytest.mark.parametrize(
    ("backend", "refused"),
    [
        ("aftercare.sms.LoggingBackend", True),
        ("aftercare.sms.NoSuchBackend", True),
        ("nowhere.at.All", True),
        ("aftercare.sms.mask_mobile", True),  # loads, but has no send()
        ("tests.sms_gateway.RecordingGateway", False),
    ],
)
def test_deploy_check_refuses_a_backend_that_delivers_nothing(settings, backend, refused):
    settings.SMS_BACKEND = backend
    errors = [e for e in run_checks(include_deployment_checks=True) if e.id == "aftercare.E002"]
    assert bool(errors) == refused, errors
    # Not a problem on a developer's machine: only `check --deploy` asks.
    assert not [e for e in run_checks() if e.id == "aftercare.E002"]


def test_production_without_a_real_sms_backend_fails_check_deploy():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="aftercare.settings_production",
        SECRET_KEY="x" * 20 + "k3J9s0dP2mQ8zL5vB7nC1xR4tY6uI0oP",
        ALLOWED_HOSTS="kehou.example.cn",
    )
    env.pop("SMS_BACKEND", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "aftercare.E002" in result.stderr + result.stdout


def test_compose_requires_an_sms_backend_and_web_checks_before_it_starts():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        value = compose["services"][name]["environment"]["SMS_BACKEND"]
        assert value.startswith("${SMS_BACKEND:?"), value  # no default: compose refuses
        assert "LoggingBackend" not in value
    command = " ".join(compose["services"]["web"]["command"])
    assert command.index("check --deploy --fail-level ERROR") < command.index("gunicorn")


@pytest.mark.django_db
def test_development_page_shows_held_texts_in_debug_only(client, settings):
    settings.SMS_BACKEND = "aftercare.sms.LoggingBackend"
    settings.DEBUG = False
    LoggingBackend().send(MOBILE, "验证码 123456")
    assert client.get("/dev/sms/").status_code == 404
    settings.DEBUG = True
    LoggingBackend().send(MOBILE, "验证码 654321")
    page = client.get("/dev/sms/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "654321" in html and "123456" not in html  # held only while DEBUG
    settings.SMS_BACKEND = "tests.sms_gateway.RecordingGateway"
    assert client.get("/dev/sms/").status_code == 404
