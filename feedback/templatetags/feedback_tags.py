"""Formatting of evaluation figures."""

from django import template

register = template.Library()


@register.filter
def score(value) -> str:
    return "—" if value is None else f"{value:.2f}"


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def getfield(form, name):
    """``form[name]`` (a bound field by a computed name)."""
    return form[name]


@register.filter
def index(items, i):
    return items[i]
