"""The one scoping mechanism every view and API endpoint goes through.

* ``Scope`` — what a user may see, resolved once per request from their memberships.
* ``TenantRule`` — declared on each tenant-owned model: where its district, school, teacher
  and family live.
* ``TenantQuerySet.visible_to(scope)`` — the filter built from both. Selectors start from
  it; views and API look objects up in it, so another tenant's object is simply not found
  (404), never "forbidden".

Visibility, from widest to narrowest:
  district officials  every row of their districts;
  principals/admins   rows of their schools (district-level rows of their district);
  teachers            rows of their schools, or only rows linked to them when the model
                      names a ``teacher`` path (e.g. a homeroom teacher's own classes);
  parents             rows linked to them through the model's ``family`` path, plus
                      school rows where ``parents_see_school`` is set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import SimpleLazyObject

from aftercare.roles import MANAGER_ROLES, OFFICIAL_ROLES, TEACHER_ROLES, Role


@dataclass(frozen=True)
class TenantRule:
    district: str = "district"
    school: str | None = "school"
    teacher: str | None = None
    family: str | None = None
    parents_see_school: bool = False
    officials_only: bool = False
    personal: bool = False  # only the user at ``family`` sees it (an inbox)


class Grant(NamedTuple):
    role: str
    district_id: int
    school_id: int | None


class Scope:
    """The districts and schools a user reaches, by role. Built from one light query (plain
    tuples, no model instances: this runs on every scoped request, the rush included)."""

    def __init__(self, user) -> None:
        self.user = user
        grants = (
            [
                Grant(*row)
                for row in user.memberships.values_list("role", "district_id", "school_id")
            ]
            if user is not None and user.is_authenticated
            else []
        )
        self.grants = grants
        self.roles = frozenset(g.role for g in grants)
        self.official_districts = frozenset(
            g.district_id for g in grants if g.role in OFFICIAL_ROLES
        )
        # Inspectors (督学) read the district's reporting pages only; they act nowhere.
        self.inspector_districts = frozenset(
            g.district_id for g in grants if g.role == Role.INSPECTOR
        )
        self.manager_schools = frozenset(g.school_id for g in grants if g.role in MANAGER_ROLES)
        self.teacher_schools = frozenset(g.school_id for g in grants if g.role in TEACHER_ROLES)
        self.parent_schools = frozenset(g.school_id for g in grants if g.role == Role.PARENT)
        self.member_districts = frozenset(g.district_id for g in grants)

    @cached_property
    def memberships(self) -> list:
        """The membership rows themselves, with district and school (one more query)."""
        if not self.is_authenticated:
            return []
        return list(self.user.memberships.select_related("district", "school"))

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    def has_role(self, *roles: str, school_id: int | None = None) -> bool:
        return any(
            g.role in roles and (school_id is None or g.school_id == school_id) for g in self.grants
        )

    def is_official(self, district_id: int | None = None) -> bool:
        if district_id is None:
            return bool(self.official_districts)
        return district_id in self.official_districts

    def manages(self, school) -> bool:
        """Principal or school admin of this school (district officials oversee, not manage)."""
        return school.pk in self.manager_schools

    @cached_property
    def official_district_objects(self) -> list:
        if not self.official_districts:
            return []
        District = apps.get_model("aftercare", "District")  # models import this module
        return list(District.objects.filter(pk__in=self.official_districts).order_by("pk"))

    @cached_property
    def managed_school_objects(self) -> list:
        if not self.manager_schools:
            return []
        School = apps.get_model("aftercare", "School")  # models import this module
        return list(
            School.objects.filter(pk__in=self.manager_schools)
            .select_related("district")
            .order_by("pk")
        )

    def q_for(self, model: type[models.Model]) -> Q:
        """The filter for ``model``: an OR of the branches this user has (branches with an
        empty id set are left out, so a parent's query carries only the family branch)."""
        rule: TenantRule = model.tenant_rule
        nothing = Q(pk__in=[])
        if not self.is_authenticated:
            return nothing
        user = self.user
        if rule.personal:
            return Q(**{rule.family: user})
        branches: list[Q] = []

        def add(path: str, ids: frozenset, extra: Q | None = None) -> None:
            if ids:
                branch = Q(**{f"{path}__in": ids})
                branches.append(branch & extra if extra is not None else branch)

        add(rule.district, self.official_districts)
        if not rule.officials_only:
            if rule.school is None:
                add(rule.district, self.member_districts - self.official_districts)
            else:
                add(rule.school, self.manager_schools)
                if rule.teacher and self.teacher_schools:
                    linked = model._default_manager.filter(**{rule.teacher: user}).values("pk")
                    add(rule.school, self.teacher_schools, Q(pk__in=linked))
                else:
                    add(rule.school, self.teacher_schools)
                if rule.parents_see_school:
                    add(rule.school, self.parent_schools)
            if rule.family:
                # Anyone may be a guardian (a teacher who is also a parent included).
                family = model._default_manager.filter(**{rule.family: user}).values("pk")
                branches.append(Q(pk__in=family))
        if not branches:
            return nothing
        q = branches[0]
        for branch in branches[1:]:
            q |= branch
        return q


class TenantQuerySet(models.QuerySet):
    def visible_to(self, scope: Scope) -> TenantQuerySet:
        return self.filter(scope.q_for(self.model))


def get_visible_or_404(queryset, scope: Scope, **lookup):
    """Look an object up among those the scope sees; anything else is 404."""
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return queryset.visible_to(scope).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, models.ObjectDoesNotExist) as exc:
        raise Http404 from exc


def scope_for(request) -> Scope:
    """The scope of the request's user, cached on the request (works for DRF requests too)."""
    raw = getattr(request, "_request", request)
    user = request.user
    cached = getattr(raw, "_aftercare_scope", None)
    if cached is None or cached.user != user:
        cached = Scope(user)
        raw._aftercare_scope = cached
    return cached


class ScopeMiddleware:
    """Attach ``request.scope``, lazily: only views that use it pay for the query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: scope_for(request))
        return self.get_response(request)
