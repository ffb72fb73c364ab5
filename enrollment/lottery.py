"""The lottery's draw order: deterministic from a published seed, re-runnable by anyone.

    order = draw_order(seed, entries)

``entries`` are ``(token, tier)`` pairs: ``token`` is the entry's public id (published with
the result), ``tier`` 0 for priority groups (DOMAIN.md §4) and 1 for everyone else. Entries
are sorted by tier, then by SHA-256 of ``"{seed}:{token}"`` (hex, ascending). Nothing else
goes in: the same seed and entries always give the same order, on any machine.

To re-run a published draw::

    import hashlib
    def key(seed, token, tier):
        return (tier, hashlib.sha256(f"{seed}:{token}".encode()).hexdigest())
    sorted(entries, key=lambda e: key(seed, e["token"], e["tier"]))
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable


def new_seed() -> str:
    return secrets.token_hex(16)


def draw_key(seed: str, token: str, tier: int) -> tuple[int, str]:
    return tier, hashlib.sha256(f"{seed}:{token}".encode()).hexdigest()


def draw_order(seed: str, entries: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The entries in draw order (first = first seat)."""
    return sorted(entries, key=lambda entry: draw_key(seed, entry[0], entry[1]))


def mask_name(name: str) -> str:
    """张小明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: enough for a parent to recognise their
    child on a public list, not enough to identify a stranger's."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
