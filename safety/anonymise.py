"""Expressions the anonymisers use (safety's own and those registered by the apps above it
through ``aftercare.registry.register_anonymiser``): the database replaces the text, rows
stay, so totals, counts and references are unchanged."""

from __future__ import annotations

from django.db.models import Case, F, Value, When
from django.db.models.functions import Replace

SCRUBBED = "(已匿名化)"


def scrubbed(field: str, marker: str = SCRUBBED):
    """The whole value replaced by ``marker``; an empty value stays empty."""
    return Case(When(**{field: ""}, then=Value("")), default=Value(marker))


def names_replaced(field: str, names: list[str], marker: str = SCRUBBED):
    """The value with every occurrence of each of ``names`` (two characters or more, the
    longest first) replaced by ``marker``; the rest of the text stays."""
    expression = F(field)
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        expression = Replace(expression, Value(name), Value(marker))
    return expression
