"""The roles a membership grants, and the role sets the permission checks use."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_OFFICIAL = "district_official", _("District official")
    INSPECTOR = "inspector", _("Inspector (督学)")
    PRINCIPAL = "principal", _("Principal")
    SCHOOL_ADMIN = "school_admin", _("School administrator")
    HOMEROOM_TEACHER = "homeroom_teacher", _("Homeroom teacher")
    CARE_TEACHER = "care_teacher", _("Care teacher")
    PARENT = "parent", _("Parent")
    # School level; reads that school's term-end fee disclosure (drafts included) and confirms
    # it, nothing else (billing.services.disclosure): in no role set below.
    PARENT_COMMITTEE = "parent_committee", _("Parents' committee reviewer (家委会)")


# Held at district level (no school). Officials act; inspectors (督学) only read, in reporting:
# write rights and ``Scope.official_districts`` follow OFFICIAL_ROLES, never DISTRICT_ROLES.
OFFICIAL_ROLES = frozenset({Role.DISTRICT_OFFICIAL})
DISTRICT_ROLES = OFFICIAL_ROLES | {Role.INSPECTOR}
MANAGER_ROLES = frozenset({Role.PRINCIPAL, Role.SCHOOL_ADMIN})
TEACHER_ROLES = frozenset({Role.HOMEROOM_TEACHER, Role.CARE_TEACHER})
SCHOOL_ROLES = MANAGER_ROLES | TEACHER_ROLES | {Role.PARENT}
