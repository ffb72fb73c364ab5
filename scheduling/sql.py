"""Small helpers for the set-based writes of scheduling (raw SQL over arrays)."""

from __future__ import annotations


def array_literal(values) -> str:
    """A PostgreSQL array literal of plain values (ints, dates, times): one text parameter
    the server parses in one go, instead of psycopg2's ARRAY[...] of thousands of quoted
    literals (which costs more to send, parse and plan than the insert itself)."""
    return "{" + ",".join(str(v) for v in values) + "}"
