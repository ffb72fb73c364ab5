#!/usr/bin/env bash
# Install everything the project needs, idempotently and only when missing:
#   1. Debian packages (browser for the end-to-end tests, CJK fonts for WeasyPrint PDFs,
#      Pango for WeasyPrint, gettext for the translation catalogs, nginx for the test that
#      runs the app behind a real reverse proxy: tests/test_behind_nginx.py);
#   2. a Python 3.11 virtualenv in .venv with the pinned dependencies of pyproject.toml.
# A second run with nothing changed does nothing and takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(chromium fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 gettext nginx-light)

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  echo "bootstrap: no dpkg here; install ${DEB_PACKAGES[*]} (or equivalents) yourself" >&2
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "bootstrap: Python 3.11 is required (Django 5.2 LTS; see ARCHITECTURE)" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python dependencies"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
