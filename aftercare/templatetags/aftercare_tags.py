from django import template

register = template.Library()


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
    return "、".join(str(names[d]) for d in days)


@register.filter
def grade_names(grades):
    from aftercare.models import grades_label

    return grades_label(grades)
