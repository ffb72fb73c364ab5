"""Production settings serve a light site (issue 21): gunicorn on aftercare.settings_production.

collectstatic runs with the production storage into a temporary STATIC_ROOT (hashed names,
.gz and .br beside each text file); gunicorn serves the app from it on the test database.
Checked over real HTTP: hashed CSS and JS come brotli- or gzip-encoded as the client asks,
cached for ten years (immutable); pages come gzipped; /favicon.ico answers 200; htmx is not
shipped to a page that does not use it; the page has a meta description.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db(transaction=True)
THIRD_PARTY_STATIC = (
    "drf_spectacular_sidecar",
    "admin",
    "rest_framework",
    "django_htmx",
    "import_export",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _production_env(static_root: Path) -> dict[str, str]:
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="aftercare.settings_production",
        SECRET_KEY="test-only-production-settings-key-0123456789abcdefghijklmnopqrstuvwxyz",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        STATIC_ROOT=str(static_root),
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture
def production_app(tmp_path):
    env = _production_env(tmp_path / "static")
    subprocess.run(
        # The project's own files only: brotli over the API docs' and admin's 40 MB would take
        # minutes on a 2-core machine (the Dockerfile's collectstatic takes everything).
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        + [f"--ignore={app}" for app in THIRD_PARTY_STATIC],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    port = _free_port()
    gunicorn = ["gunicorn", "aftercare.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", *gunicorn, "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, "gunicorn exited at start-up"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not listen"
                time.sleep(0.2)
        yield port, tmp_path / "static"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def _get(port, path, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_production_serves_compressed_cached_static_and_pages(production_app):
    port, static_root = production_app
    page, html = _get(port, "/accounts/login/", **{"Accept-Encoding": "gzip, deflate, br"})
    assert page.status == 200
    assert page.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in page.getheader("Vary", "")
    html = gzip.decompress(html).decode()
    assert '<meta name="description" content="' in html
    assert "htmx" not in html  # the login page does not use it: not shipped
    css = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    js = re.search(r'src="(/static/js/app\.[0-9a-f]{12}\.js)"', html)
    assert css and js, "hashed static names in the page"

    for path in (css.group(1), js.group(1)):
        for encoding in ("br", "gzip"):
            response, body = _get(port, path, **{"Accept-Encoding": encoding})
            assert response.status == 200, path
            assert response.getheader("Content-Encoding") == encoding, (path, encoding)
            cache = response.getheader("Cache-Control")
            assert "immutable" in cache and "max-age=315360000" in cache, cache
            assert "Accept-Encoding" in response.getheader("Vary", "")
        plain, body = _get(port, path)
        assert plain.getheader("Content-Encoding") is None
        assert len(body) > len(_get(port, path, **{"Accept-Encoding": "br"})[1])

    assert (static_root / "css").glob("app.*.css.br")

    icon, body = _get(port, "/favicon.ico")
    assert icon.status == 200
    assert icon.getheader("Content-Type") == "image/x-icon"
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age" in icon.getheader("Cache-Control")
