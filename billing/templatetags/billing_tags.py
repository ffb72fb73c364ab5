from django import template

from billing.money import fmt

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen -> "123.45" for display."""
    return fmt(int(fen or 0))


@register.filter
def status_tag(status: str) -> str:
    return {
        "paid": "ok",
        "nothing_due": "ok",
        "succeeded": "ok",
        "verified": "ok",
        "open": "warn",
        "pending": "warn",
        "requested": "warn",
        "processing": "warn",
        "refused": "err",
        "failed": "err",
        "cancelled": "",
    }.get(status, "")
