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

from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class TenantRule:
    district: str = "district"
    school: str | None = "school"
    teacher: str | None = None
    family: str | None = None
    parents_see_school: bool = False
    officials_only: bool = False
    personal: bool = False  # only the user at ``family`` sees it (an inbox)


class Scope:
    """The districts and schools a user reaches, by role. Built from one query."""

    def __init__(self, user) -> None:
        from .models import DISTRICT_ROLES, MANAGER_ROLES, TEACHER_ROLES, Role

        self.user = user
        memberships = (
            list(user.memberships.select_related("district", "school"))
            if user is not None and user.is_authenticated
            else []
        )
        self.memberships = memberships
        self.roles = frozenset(m.role for m in memberships)
        self.official_districts = frozenset(
            m.district_id for m in memberships if m.role in DISTRICT_ROLES
        )
        self.manager_schools = frozenset(
            m.school_id for m in memberships if m.role in MANAGER_ROLES
        )
        self.teacher_schools = frozenset(
            m.school_id for m in memberships if m.role in TEACHER_ROLES
        )
        self.parent_schools = frozenset(m.school_id for m in memberships if m.role == Role.PARENT)
        self.member_districts = frozenset(m.district_id for m in memberships)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.user.is_authenticated

    def has_role(self, *roles: str, school_id: int | None = None) -> bool:
        return any(
            m.role in roles and (school_id is None or m.school_id == school_id)
            for m in self.memberships
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
        seen, out = set(), []
        for m in self.memberships:
            if m.district_id in self.official_districts and m.district_id not in seen:
                seen.add(m.district_id)
                out.append(m.district)
        return out

    @cached_property
    def managed_school_objects(self) -> list:
        seen, out = set(), []
        for m in self.memberships:
            if m.school_id in self.manager_schools and m.school_id not in seen:
                seen.add(m.school_id)
                out.append(m.school)
        return out

    def q_for(self, model: type[models.Model]) -> Q:
        rule: TenantRule = model.tenant_rule
        nothing = Q(pk__in=[])
        if not self.is_authenticated:
            return nothing
        user = self.user
        if rule.personal:
            return Q(**{rule.family: user})
        q = Q(**{f"{rule.district}__in": self.official_districts})
        if rule.officials_only:
            return q
        if rule.school is None:
            q |= Q(**{f"{rule.district}__in": self.member_districts})
        else:
            school_in = f"{rule.school}__in"
            q |= Q(**{school_in: self.manager_schools})
            if rule.teacher:
                linked = model._default_manager.filter(**{rule.teacher: user}).values("pk")
                q |= Q(**{school_in: self.teacher_schools}) & Q(pk__in=linked)
            else:
                q |= Q(**{school_in: self.teacher_schools})
            if rule.parents_see_school:
                q |= Q(**{school_in: self.parent_schools})
        if rule.family:
            q |= Q(pk__in=model._default_manager.filter(**{rule.family: user}).values("pk"))
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
