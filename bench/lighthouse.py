"""Lighthouse (mobile) on the demo district served with production settings (issue 21).

    make lighthouse                      # or: python bench/lighthouse.py [--language en] ...

What it does, on this machine only (127.0.0.1):

1. installs the pinned Lighthouse (bench/lighthouse/package.json and its lock, ``npm ci``)
   into ``.data/lighthouse`` when missing or changed — the only step that needs the npm
   registry; Chromium is Debian's ``/usr/bin/chromium``;
2. builds the demo district (``seed_demo``) into a database of its own,
   ``<DATABASE_URL's db>_lighthouse`` (kept between runs; ``--fresh`` rebuilds it);
3. runs ``collectstatic`` with the production storage (hashed names, .gz and .br) into
   ``.data/lighthouse/static`` and starts gunicorn on ``aftercare.settings_production``
   (DEBUG off, DEMO_MODE off; SECURE_SSL_REDIRECT off since there is no TLS proxy here —
   Lighthouse treats 127.0.0.1 as a secure origin);
4. logs each role in over HTTP and runs Lighthouse's mobile audit (the default: Moto G
   Power emulation, throttled) on each listed page with the session cookie and the language
   cookie, categories accessibility, best practices and SEO;
5. prints a table (scores, failing audits), writes the reports' JSON summary to
   ``bench/results/lighthouse-<time>.json``, and exits 1 if a page scores below
   ``--min-accessibility`` (98) or ``--min-best-practices`` (96).

Not part of ``make test``: Lighthouse takes 15–40 s a page on a 2-core machine.
"""

from __future__ import annotations

import argparse
import hashlib
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
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LH_SRC = ROOT / "bench" / "lighthouse"
LH_DIR = ROOT / ".data" / "lighthouse"
RESULTS = ROOT / "bench" / "results"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SECRET = "lighthouse-run-only-production-settings-key-0123456789abcdefghijklmnop"

# (role, URL name of tests/browser/pages.py, query): the pages the audit covered, every
# role's home and the pages each role works on most.
PAGES = [
    ("public", "home", ""),
    ("public", "login", ""),
    ("public", "public_district", ""),
    ("public", "public_plan", ""),
    ("official", "district_home", ""),
    ("official", "district_plans", ""),
    ("official", "audit_log", ""),
    ("official", "policy_detail", ""),
    ("principal", "school_landing", ""),
    ("principal", "plan_detail", ""),
    ("principal", "school_applications", ""),
    ("principal_draft", "plan_detail", ""),
    ("teacher", "teacher_home", ""),
    ("teacher", "teacher_applications", ""),
    ("care", "attendance_roll", ""),
    ("parent", "family_home", ""),
    ("parent", "family_applications", ""),
    ("parent", "family_courses", ""),
]


def log(msg: str) -> None:
    print(f"[lighthouse] {msg}", file=sys.stderr, flush=True)


def install_lighthouse() -> Path:
    binary = LH_DIR / "node_modules" / ".bin" / "lighthouse"
    lock = (LH_SRC / "package-lock.json").read_bytes()
    stamp = LH_DIR / f".installed-{hashlib.sha256(lock).hexdigest()[:16]}"
    if binary.exists() and stamp.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed (Debian: apt-get install nodejs npm)")
    LH_DIR.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(LH_SRC / name, LH_DIR / name)
    log("installing the pinned Lighthouse (npm ci)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LH_DIR, check=True
    )
    for old in LH_DIR.glob(".installed-*"):
        old.unlink()
    stamp.touch()
    return binary


def database_url(base: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_lighthouse"))


def prepare_database(url: str, fresh: bool) -> None:
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and fresh:
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="aftercare.settings")
    env["DEBUG"] = "0"
    log(f"migrating and seeding the demo district into {name}")
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def production_env(url: str) -> dict[str, str]:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="aftercare.settings_production",
        DATABASE_URL=url,
        SECRET_KEY=SECRET,
        STATIC_ROOT=str(LH_DIR / "static"),
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1",
        DEMO_MODE="0",
    )
    env.pop("DEBUG", None)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int) -> subprocess.Popen:
    log("collectstatic with the production storage")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "aftercare.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        "2",
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited at start-up")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def _cookies(response) -> dict[str, str]:
    jar = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def log_in(port: int, login: str, password: str) -> dict[str, str]:
    """The session cookie of a login over HTTP (the Secure flag ignored: no TLS here)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/accounts/login/")
    page = conn.getresponse()
    html = page.read().decode()
    jar = _cookies(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urlencode({"username": login, "password": password, "csrfmiddlewaretoken": token})
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"http://127.0.0.1:{port}/accounts/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    jar.update(_cookies(answer))
    if answer.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"login as {login} failed: HTTP {answer.status}")
    return {"sessionid": jar["sessionid"]}


def resolve_paths(url: str) -> list[tuple[str, str, str]]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftercare.settings")
    import django

    django.setup()
    from tests.browser import pages

    world = pages.DemoWorld()
    known = {(p.role, p.name, p.query): p for p in pages.PAGES}
    out = []
    for role, name, query in PAGES:
        page = known.get((role, name, query))
        if page is None:
            raise SystemExit(f"{role}:{name} is not in tests/browser/pages.py")
        path = pages.resolve(page, world)
        if path:
            out.append((role, f"{role}:{name}{'?' + query if query else ''}", path))
    return out


def run_lighthouse(binary: Path, url: str, cookie: str, out: Path) -> dict:
    headers = out.with_suffix(".headers.json")
    headers.write_text(json.dumps({"Cookie": cookie}))
    cmd = [
        str(binary),
        url,
        "--only-categories=accessibility,best-practices,seo",
        "--form-factor=mobile",
        "--output=json",
        f"--output-path={out}",
        f"--extra-headers={headers}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        "--quiet",
    ]
    env = dict(os.environ, CHROME_PATH=CHROMIUM)
    subprocess.run(cmd, env=env, check=True, timeout=300)
    report = json.loads(out.read_text())
    cats = report["categories"]
    failing = []
    for cat in ("accessibility", "best-practices"):
        for ref in cats[cat]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                failing.append(f"{cat}:{ref['id']}")
    return {
        "accessibility": round(cats["accessibility"]["score"] * 100),
        "best-practices": round(cats["best-practices"]["score"] * 100),
        "seo": round(cats["seo"]["score"] * 100),
        "failing": failing,
        "lighthouse": report["lighthouseVersion"],
        "chrome": report["environment"]["hostUserAgent"],
    }


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])
    ap.add_argument("--fresh", action="store_true", help="rebuild the demo database")
    ap.add_argument("--only", help="comma-separated page ids (role:name) to run")
    ap.add_argument("--min-accessibility", type=int, default=98)
    ap.add_argument("--min-best-practices", type=int, default=96)
    args = ap.parse_args(argv)

    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set (make lighthouse provides one)")
    binary = install_lighthouse()
    url = database_url(base)
    prepare_database(url, args.fresh)
    targets = resolve_paths(url)
    if args.only:
        wanted = set(args.only.split(","))
        targets = [t for t in targets if t[1] in wanted]

    from aftercare.demo import DEMO_PASSWORD
    from tests.browser.pages import ROLES

    port = free_port()
    proc = start_gunicorn(production_env(url), port)
    reports = LH_DIR / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    rows, sessions = [], {}
    try:
        for role, page_id, path in targets:
            if role not in sessions:
                login = ROLES[role]
                sessions[role] = log_in(port, login, DEMO_PASSWORD) if login else {}
            jar = {**sessions[role], "django_language": args.language}
            cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
            out = reports / (re.sub(r"[^a-z0-9]+", "-", page_id.lower()) + ".json")
            started = time.monotonic()
            result = run_lighthouse(binary, f"http://127.0.0.1:{port}{path}", cookie, out)
            result.update(page=page_id, path=path, seconds=round(time.monotonic() - started, 1))
            rows.append(result)
            log(
                f"{page_id}: accessibility {result['accessibility']}, best practices "
                f"{result['best-practices']}, SEO {result['seo']} {result['failing'] or ''}"
            )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    summary = {"language": args.language, "pages": rows}
    (RESULTS / f"lighthouse-{stamp}.json").write_text(json.dumps(summary, indent=2))
    print(
        f"\nLighthouse {rows[0]['lighthouse'] if rows else '?'} mobile, {args.language}, "
        f"production settings (gunicorn, DEBUG off)"
    )
    print(f"{'page':40} {'a11y':>5} {'bp':>5} {'seo':>5}  failing audits")
    for r in rows:
        print(
            f"{r['page']:40} {r['accessibility']:>5} {r['best-practices']:>5} {r['seo']:>5}  "
            f"{' '.join(r['failing'])}"
        )
    low = [
        r
        for r in rows
        if r["accessibility"] < args.min_accessibility
        or r["best-practices"] < args.min_best_practices
    ]
    if rows:
        print(
            f"min accessibility {min(r['accessibility'] for r in rows)}, "
            f"min best practices {min(r['best-practices'] for r in rows)} "
            f"over {len(rows)} pages"
        )
    if low:
        print(
            f"below {args.min_accessibility}/{args.min_best_practices}: "
            + ", ".join(r["page"] for r in low)
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
