#!/usr/bin/env python3
"""Fill zh_Hans msgstrs from a Python file defining T = {msgid or (context, msgid): msgstr}
(and PLURAL = {msgid: [forms]}).

    python scripts/apply_translations.py /path/to/translations.py

Only empty or fuzzy entries are filled; existing translations are kept. Then run
`make messages` (or compilemessages) to rebuild the .mo file.
"""

import runpy
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main(path: str) -> int:
    data = runpy.run_path(path)
    table, plural = data.get("T", {}), data.get("PLURAL", {})
    po = polib.pofile(str(PO))
    filled = 0
    for entry in po:
        empty = not entry.msgstr and not any(entry.msgstr_plural.values())
        if not (empty or entry.fuzzy):
            continue
        if entry.msgid_plural and entry.msgid in plural:
            entry.msgstr_plural = dict(enumerate(plural[entry.msgid]))
        elif (entry.msgctxt, entry.msgid) in table:
            entry.msgstr = table[(entry.msgctxt, entry.msgid)]
        elif entry.msgctxt is None and entry.msgid in table:
            entry.msgstr = table[entry.msgid]
        elif entry.msgctxt is None and ("", entry.msgid) in table:  # ("", msgid): no context
            entry.msgstr = table[("", entry.msgid)]
        else:
            continue
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
            entry.previous_msgid = None
            entry.previous_msgid_plural = None
            entry.previous_msgctxt = None
        filled += 1
    po.save()
    print(f"filled {filled} entries in {PO}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
