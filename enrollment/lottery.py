"""The lottery's draw order: deterministic from a committed seed, re-runnable by anyone.

    commitment = commit(seed)          # published when the plan is published
    order = draw_order(seed, entries)  # the seed is revealed with the result

The server draws ``seed`` at random when the plan is published, before anyone can enter, and
publishes only ``commit(seed)`` (SHA-256, hex). At the draw the seed is revealed: anyone
checks ``commit(seed) == commitment`` — so nobody, staff included, chose the seed after
seeing the entries — and re-runs the order.

``entries`` are ``(token, tier)`` pairs: ``token`` is the entry's public id, ``tier`` 0 for
a priority group the school verified (DOMAIN.md §4) and 1 for everyone else. Entries are
sorted by tier, then by SHA-256 of ``"{seed}:{token}"`` (hex, ascending). Nothing else goes
in: the same seed and entries always give the same order, on any machine. The publication
lists the tokens with their tier and result but no name, and the masked names with their
result but no token, tier or rank: the re-run is possible, and nobody learns which child is
in a priority group (each family sees its own tier).

To re-run a published draw::

    import hashlib
    def key(seed, token, tier):
        return (tier, hashlib.sha256(f"{seed}:{token}".encode()).hexdigest())
    sorted(entries, key=lambda e: key(seed, e["token"], e["tier"]))
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable


def new_seed() -> str:
    return secrets.token_hex(32)


def commit(seed: str) -> str:
    """The public commitment to a seed: its SHA-256, hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def verify(seed: str, commitment: str) -> bool:
    return bool(seed) and bool(commitment) and hmac.compare_digest(commit(seed), commitment)


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
