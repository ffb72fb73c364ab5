"""Per-role navigation for the base layout; the items come from ``aftercare.registry``."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftercare import registry
from aftercare.models import MANAGER_ROLES, TEACHER_ROLES, Notification, Role


def school_nav_label(scope, school, label) -> str:
    """``label`` alone, or prefixed with the school's name for someone managing several."""
    if len(scope.managed_school_objects) > 1:
        return f"{school.name} · {label}"
    return label


def kernel_nav(scope) -> list[dict]:
    """The kernel's own pages. ``group`` keeps one school's links together (apps use the
    school's position in ``scope.managed_school_objects``)."""
    items: list[dict] = []
    if scope.is_official():
        items += [
            {"key": "district", "label": _("District"), "url": reverse("district_home")},
            {
                "key": "semesters",
                "label": _("Semesters"),
                "url": reverse("semester_list"),
                "position": 40,
            },
            {
                "key": "audit",
                "label": _("Audit log"),
                "url": reverse("audit_log"),
                "position": 50,
            },
        ]
    several = len(scope.managed_school_objects) > 1
    for index, school in enumerate(scope.managed_school_objects, start=1):
        items.append(
            {
                "key": f"school-{school.pk}",
                "label": school.name if several else _("School"),
                "url": reverse("school_home", args=[school.public_id]),
                "group": index,
            }
        )
    if scope.roles & TEACHER_ROLES:
        items.append(
            {
                "key": "teacher",
                "label": _("My classes"),
                "url": reverse("teacher_home"),
                "group": 100,
            }
        )
    if Role.PARENT in scope.roles:
        items.append(
            {
                "key": "family",
                "label": _("My children"),
                "url": reverse("family_home"),
                "group": 200,
            }
        )
    return items


def nav_items(scope) -> list[dict]:
    items = registry.nav_items(scope)
    # Stable sort: by group (district 0, each school, teacher, family), then position.
    return sorted(items, key=lambda item: (item.get("group", 0), item.get("position", 0)))


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = request.scope
    return {
        "nav_items": nav_items(scope),
        "role_labels": sorted({str(Role(r).label) for r in scope.roles}),
        "is_manager": bool(scope.roles & MANAGER_ROLES),
        "unread_count": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
    }
