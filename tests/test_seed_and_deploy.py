"""Demo data, production settings and the compose file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from aftercare.demo import DEMO_PASSWORD, demo_logins
from aftercare.models import Membership, Role, School, SchoolClass, User
from enrollment.models import Guardianship, Student

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_seed_demo_builds_a_realistic_district_and_is_idempotent(client):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    counts = (
        School.objects.count(),
        SchoolClass.objects.count(),
        Student.objects.count(),
        Guardianship.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
    )
    assert counts[0] == 3
    assert 36 <= counts[1] <= 54
    assert 550 <= counts[2] <= 650
    assert set(SchoolClass.objects.values_list("grade", flat=True)) == {1, 2, 3, 4, 5, 6}
    assert all("\u4e00" <= s.name[0] <= "\u9fff" for s in Student.objects.all()[:50])
    assert not Student.objects.filter(guardianships__isnull=True).exists()

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert counts == (
        School.objects.count(),
        SchoolClass.objects.count(),
        Student.objects.count(),
        Guardianship.objects.count(),
        Membership.objects.count(),
        User.objects.count(),
    )

    # Every printed demo login works with the demo password and has a role.
    for row in demo_logins():
        response = client.post(
            "/accounts/login/", {"username": row["login"], "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, row
        assert client.get(response.url, follow=True).status_code == 200, row
        client.post("/accounts/logout/")
    two_children = User.objects.get(mobile="13900000001")
    assert two_children.guardianships.count() == 2
    teacher_parent = User.objects.get(username="sy-t21")
    assert {m.role for m in teacher_parent.memberships.all()} == {
        Role.HOMEROOM_TEACHER,
        Role.PARENT,
    }


def test_production_settings_pass_check_deploy():
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="aftercare.settings_production",
        SECRET_KEY="x" * 20 + "k3J9s0dP2mQ8zL5vB7nC1xR4tY6uI0oP",
        ALLOWED_HOSTS="kehou.example.cn",
        SMS_BACKEND="tests.sms_gateway.RecordingGateway",  # a provider's backend
        # the keys of the minors' data at rest (aftercare.crypto; missing ones: E010)
        FIELD_ENCRYPTION_KEYS="k1:QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
        BLIND_INDEX_KEY="a-real-random-blind-index-key-0123456789",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_the_dev_secret():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="aftercare.settings_production")
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_file_declares_the_production_shape():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "postgres-replica"}
    assert services["postgres-replica"]["profiles"] == ["replica"]  # optional: not started by up
    assert "gunicorn" in " ".join(services["web"]["command"])
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "aftercare.settings_production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")
    assert (ROOT / services["web"]["build"]["dockerfile"]).exists()
