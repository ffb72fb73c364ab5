"""``{% safety_alert student as alert %}``: whether the viewer is shown a medical alert for
this child on a roll or pickup row. The set of alerted children the viewer may be shown
(``safety.selectors.alerted_ids_for``) is computed once per request, so a roll of 40 rows
costs the same two queries as a roll of one."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from safety.selectors import alerted_ids_for

register = template.Library()


@register.simple_tag(takes_context=True)
def safety_alert(context, student) -> bool:
    request = context.get("request")
    if request is None or student is None:
        return False
    raw = getattr(request, "_request", request)
    ids = getattr(raw, "_safety_alerted_ids", None)
    if ids is None:
        ids = alerted_ids_for(getattr(request, "user", None))
        raw._safety_alerted_ids = ids
    return student.pk in ids


@register.simple_tag(takes_context=True)
def safety_css_once(context) -> str:
    """The safety stylesheet's link, once per page (the roll's first alert row)."""
    request = context.get("request")
    raw = getattr(request, "_request", request)
    if raw is None or getattr(raw, "_safety_css", False):
        return ""
    raw._safety_css = True
    return format_html('<link rel="stylesheet" href="{}">', static("safety/safety.css"))
