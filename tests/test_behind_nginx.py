"""The client address through a real reverse proxy: Debian's nginx in front of gunicorn.

nginx appends the address it saw to whatever ``X-Forwarded-For`` the client sent
(``$proxy_add_x_forwarded_for``, the stock configuration); gunicorn trusts nobody; the app
trusts nginx only (``TRUSTED_PROXIES=127.0.0.1``). Clients connect from 127.0.0.2 and
127.0.0.3 (loopback aliases: one machine, three addresses), each forging headers of its
choice. What must hold end to end: a forged header changes nothing (throttle, lockout, SMS
quota and the recorded address all follow the real client), and two families behind the one
proxy are told apart.

``scripts/bootstrap.sh`` installs nginx (package ``nginx-light``); the test is skipped with a
reason where it is missing.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(NGINX is None, reason="nginx not installed (scripts/bootstrap.sh does)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port: int, proc: subprocess.Popen, what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{what} exited at start-up"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{what} did not listen on {port} within {timeout:.0f} s")


NGINX_CONF = """
{user}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@contextmanager
def proxied_app(tmp_path):
    """gunicorn on the test database, nginx in front; yields nginx's port."""
    db = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="aftercare.settings_test",
        DATABASE_URL=(
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        TRUSTED_PROXIES="127.0.0.1",
    )
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    app_port, proxy_port = _free_port(), _free_port()
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "aftercare.wsgi",
            "-b",
            f"127.0.0.1:{app_port}",
            "-w",
            "1",
            "--forwarded-allow-ips",
            "",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp_path, port=proxy_port, upstream=app_port))
    nginx = None
    try:
        _wait_for(app_port, gunicorn, "gunicorn")
        nginx = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-c", str(conf)],
            start_new_session=True,
            stderr=subprocess.PIPE,
        )
        _wait_for(proxy_port, nginx, "nginx", timeout=20)
        yield proxy_port
    finally:
        for proc in (nginx, gunicorn):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)


class Client:
    """A browser of one family: its own source address, cookies, and forged headers."""

    def __init__(self, port: int, source: str):
        self.port, self.source, self.cookies = port, source, SimpleCookie()

    def request(self, method, path, *, body=None, headers=None, forwarded_for=None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.source, 0)
        )
        headers = dict(headers or {})
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        conn.close()
        return response.status, data

    def post_json(self, path, payload, **kw):
        return self.request(
            "POST",
            path,
            body=json.dumps(payload),
            headers={"Content-Type": "application/json"},
            **kw,
        )

    def login_page(self, username, password, **kw):
        status, page = self.request("GET", "/accounts/login/")
        assert status == 200
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            "POST",
            "/accounts/login/",
            body=urlencode(
                {
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": token.decode(),
                }
            ),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            **kw,
        )[0]


def test_forged_forwarded_for_through_nginx_changes_nothing(tmp_path, settings):
    from enrollment.models import SmsCode

    UserFactory(username="principal-proxy")
    with proxied_app(tmp_path) as port:
        guesser, family = Client(port, "127.0.0.2"), Client(port, "127.0.0.3")

        # API login throttle (10/min): a new forged address per try does not reset it.
        codes = [
            guesser.post_json(
                "/api/v1/auth/token/",
                {"username": f"nobody-{n}", "password": "x"},
                forwarded_for=f"198.51.100.{n}",
            )[0]
            for n in range(11)
        ]
        assert codes == [400] * 10 + [429]
        # Another family behind the same proxy is not throttled by the guesser; forging the
        # guesser's own address does not make it the guesser either.
        other = family.post_json(
            "/api/v1/auth/token/",
            {"username": "nobody", "password": "x"},
            forwarded_for="127.0.0.2",
        )
        assert other[0] == 400

        # django-axes: 5 wrong passwords, rotating forged addresses: the guesser is locked
        # out; the principal at another address logs in.
        for n in range(5):
            guesser.login_page("principal-proxy", "wrong", forwarded_for=f"203.0.113.{n}")
        assert guesser.login_page("principal-proxy", PASSWORD, forwarded_for="1.1.1.1") == 429
        assert family.login_page("principal-proxy", PASSWORD) == 302

        # SMS codes: the recorded address is the family's own, whatever it claims.
        status, _body = family.post_json(
            "/api/v1/auth/sms-code/", {"mobile": "13711112222"}, forwarded_for="6.6.6.6"
        )
        assert status == 200
    assert SmsCode.objects.get(mobile="13711112222").ip_address == "127.0.0.3"
