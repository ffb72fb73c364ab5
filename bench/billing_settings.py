"""The benchmark settings, with server errors printed (the billing storm must show none)."""

from bench.settings import *  # noqa: F403

LOGGING = {
    "version": 1,
    "disable_existing_loggers": True,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"level": "ERROR"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
