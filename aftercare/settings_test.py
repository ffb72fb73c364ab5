"""Test settings: the real PostgreSQL and Redis of the environment, fast password hashing."""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("DEMO_MODE", "0")

from .settings import *  # noqa: F403
from .settings import REDIS_URL as _DEV_REDIS_URL

# A Redis database of its own, so a developer's running worker never eats test tasks; under
# pytest-xdist one per test process (gw0: 15, gw1: 13, gw2: 12, …; 14 is the cache's), so the
# real workers, queues and results of two test processes never share a broker. A worker
# subprocess inherits PYTEST_XDIST_WORKER and lands on the same one.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
_broker_db = 15 if not _xdist.isdigit() or int(_xdist) == 0 else max(1, 14 - int(_xdist))
REDIS_URL = (
    _DEV_REDIS_URL.rsplit("/", 1)[0] + "/" + os.environ.get("TEST_REDIS_DB", str(_broker_db))
)
CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
# Tasks run in the test's process and connection, right when they are queued (after the
# commit: tests/conftest.py runs on_commit callbacks when a service's transaction ends, as
# in production). Tests marked celery_worker switch this off and use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# /health/ waits for its ping's result through the backend even here (send_task is never
# eager); without this Celery warns (RuntimeWarning, an error in the tests) on result.get().
CELERY_TASK_STORE_EAGER_RESULT = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Keep test keys apart from a developer's running app on the same Redis.
# The cache gets the database below the broker's: tests clear it, never the broker's queues.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.rsplit("/", 1)[0] + "/" + os.environ.get("TEST_CACHE_DB", "14"),
        # One prefix per pytest-xdist worker: tests clear only their own keys (conftest).
        "KEY_PREFIX": "aftercare-test-" + os.environ.get("PYTEST_XDIST_WORKER", "main"),
    }
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Parallel test runs on one server (several checkouts, helpers) need their own database.
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}  # noqa: F405
LANGUAGE_CODE = "zh-hans"
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic needed in tests
# Eager tasks would log every delivery at INFO; keep test output to what matters.
LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}  # noqa: F405
