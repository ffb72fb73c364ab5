from django import template

from aftercare.texts import format_day, join_list

register = template.Library()


@register.filter(name="day")
def day_filter(value, kind="day"):
    """``{{ d|day }}`` "9月7日" / "Sep 7"; ``|day:"weekday"``, ``|day:"time"``, ``|day:"year"``:
    a date as the page's language writes it."""
    return format_day(value, kind)


@register.filter(name="join_list")
def join_list_filter(items):
    """``{{ names|join_list }}``: "周一、周五" on a Chinese page, "Monday, Friday" in English."""
    return join_list(items)


@register.filter
def get_item(mapping, key):
    """``{{ mapping|get_item:key }}`` — a dict lookup with a variable key."""
    if mapping is None:
        return None
    return mapping.get(key)


@register.filter
def weekday_names(days):
    from aftercare.models import WEEKDAYS

    names = dict(WEEKDAYS)
    return join_list(names[d] for d in days)


@register.filter
def grade_names(grades):
    from aftercare.models import grades_label

    return grades_label(grades)
