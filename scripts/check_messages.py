#!/usr/bin/env python3
"""Fail when the zh_Hans catalog misses a translation or its .mo file is stale.

Chinese is the default language: an untranslated string would show English to a parent.
Refreshes the catalog from the sources first (makemessages, needs gettext), so a new
string without a translation is caught.
"""

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _without_date(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "POT-Creation-Date" not in line)


def main() -> int:
    before = PO.read_text(encoding="utf-8") if PO.exists() else ""
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--no-location",
            "-i",
            ".venv/*",
            "-i",
            ".data/*",
            "-i",
            "tests/*",
            "-i",
            "bench/*",
            "-i",
            "scripts/*",
            "-i",
            "staticfiles/*",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = PO.read_text(encoding="utf-8")
    if _without_date(after) == _without_date(before):
        PO.write_text(before, encoding="utf-8")  # nothing new: keep the tree clean
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
    if missing:
        print(f"{len(missing)} untranslated zh_Hans messages in {PO.relative_to(ROOT)}:")
        for msgid in missing:
            print(f"  {msgid!r}")
        return 1
    checked = subprocess.run(
        ["msgfmt", "--check-format", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
    )
    if checked.returncode:
        print(f"msgfmt refuses {PO.relative_to(ROOT)} (what `make messages` would hit):")
        print(checked.stderr.strip())
        return 1
    compiled = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in polib.mofile(str(MO))}
    stale = [e.msgid for e in po if e.translated() and (e.msgctxt, e.msgid) not in compiled]
    if stale:
        print(f"{MO.relative_to(ROOT)} is stale ({len(stale)} entries); run `make messages`.")
        return 1
    print(f"zh_Hans catalog complete: {len(po)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
