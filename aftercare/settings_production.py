"""Production settings: everything from the environment, hardened for `check --deploy`."""

import os

from ._env import env, env_bool, env_list

os.environ.setdefault("DEBUG", "0")

from .settings import *  # noqa: F403

DEBUG = False
DEMO_MODE = env_bool("DEMO_MODE", False)
# The sandbox payment gateway and its cashier page are for development and tests only.
BILLING_SANDBOX = False
BILLING_GATEWAY = env("BILLING_GATEWAY", "wechat")
SECRET_KEY = env("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("SECRET_KEY must be a random string of at least 50 characters")
# No development default: `check --deploy` refuses a missing or development key (E010).
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", "")
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", "")
# localhost for the container health check, which calls /health/ from inside.
ALLOWED_HOSTS = [*env_list("ALLOWED_HOSTS", ""), "localhost", "127.0.0.1"]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names, and a .gz and a .br (the brotli package) of every text file written by
    # collectstatic: whitenoise answers with them (Content-Encoding) and caches hashed files
    # for ten years (Cache-Control: max-age=315360000, public, immutable).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Pages, JSON and CSV gzipped (aftercare/compression.py: text types only, and why BREACH is
# not a concern). Below whitenoise, which answers static files itself, already compressed.
MIDDLEWARE = list(MIDDLEWARE)  # noqa: F405
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "aftercare.compression.TextGZipMiddleware",
)
