"""Settings for the benchmarks: the app's settings plus the comparison variants' URLs, on a
database of the benchmark's own (BENCH_DATABASE_URL)."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("DEMO_MODE", "0")

import dj_database_url

from aftercare.settings import *  # noqa: F403
from aftercare.settings import DATABASES

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["*"]
DATABASES["default"] = dj_database_url.parse(
    os.environ["BENCH_DATABASE_URL"], conn_max_age=600, conn_health_checks=False
)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": True, "root": {"level": "ERROR"}}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "100000/min"}}  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
