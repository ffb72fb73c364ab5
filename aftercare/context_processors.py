"""Per-role navigation for the base layout."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import MANAGER_ROLES, TEACHER_ROLES, Notification, Role


def nav_items(scope) -> list[dict]:
    items: list[dict] = []
    if scope.is_official():
        items += [
            {"key": "district", "label": _("District"), "url": reverse("district_home")},
            {"key": "plans", "label": _("School plans"), "url": reverse("district_plans")},
            {"key": "policy", "label": _("Policy"), "url": reverse("policy_index")},
            {"key": "semesters", "label": _("Semesters"), "url": reverse("semester_list")},
            {"key": "audit", "label": _("Audit log"), "url": reverse("audit_log")},
        ]
    several = len(scope.managed_school_objects) > 1
    for school in scope.managed_school_objects:
        items.append(
            {
                "key": f"school-{school.pk}",
                "label": school.name if several else _("School"),
                "url": reverse("school_home", args=[school.public_id]),
            }
        )
        items.append(
            {
                "key": f"plans-{school.pk}",
                "label": _("Plan (一校一案)") if not several else f"{school.name} · {_('Plan')}",
                "url": reverse("school_plans", args=[school.public_id]),
            }
        )
        items.append(
            {
                "key": f"applications-{school.pk}",
                "label": _("Applications")
                if not several
                else f"{school.name} · {_('Applications')}",
                "url": reverse("school_applications", args=[school.public_id]),
            }
        )
    if scope.roles & TEACHER_ROLES:
        items.append({"key": "teacher", "label": _("My classes"), "url": reverse("teacher_home")})
    if Role.HOMEROOM_TEACHER in scope.roles:
        items.append(
            {
                "key": "teacher-applications",
                "label": _("Applications"),
                "url": reverse("teacher_applications"),
            }
        )
    if Role.PARENT in scope.roles:
        items.append({"key": "family", "label": _("My children"), "url": reverse("family_home")})
        items.append(
            {
                "key": "family-applications",
                "label": _("My applications"),
                "url": reverse("family_applications"),
            }
        )
        items.append(
            {"key": "courses", "label": _("Extended courses"), "url": reverse("family_courses")}
        )
    return items


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
