"""Grouping (编班) as pure functions: participants + rules -> proposed groups, each with the
reason for every merge or split. No database access; ``scheduling.services.grouping`` loads
the inputs and writes the result.

The rules (seed 001 "编班安排", seed 004 "编班编组方式"; every number is the district policy's):

1. A class with at least ``merge_threshold`` participants forms its own group; a class above
   ``max_size`` is split into the fewest groups that fit, as even as possible.
2. A smaller class merges with the smallest class of its grade (「班级不足30人，同年级调整人数
   最少的班级混合编班」), again and again while it is still below the threshold and the
   merge stays within ``max_size``.
3. What is still below the threshold merges with an adjacent grade (「年级不足30人，按照相邻年级
   跨年级调整混合编班」), preferring partners that are small themselves, then the smallest;
   with ``within_stage`` only inside a 学段 (grades 1–2, 3–4, 5–6; 7–9).
4. Nothing ever exceeds ``max_size``; a unit that cannot merge within the rules stays a small
   group (and says why).

Participants come as ``Participant`` rows; each ends up in exactly one ``ProposedGroup``.
Ties are broken by grade, class number and student id, so the same input always gives the same
groups. ``place`` puts late participants into existing groups by the same rules without moving
anyone already placed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.models import GRADE_NAMES


@dataclass(frozen=True)
class Participant:
    student_id: int
    class_id: int
    grade: int
    class_number: int


@dataclass(frozen=True)
class Rules:
    max_size: int = 40
    merge_threshold: int = 30
    within_stage: bool = False

    def as_dict(self) -> dict:
        return {
            "max_size": self.max_size,
            "merge_threshold": self.merge_threshold,
            "within_stage": self.within_stage,
        }


@dataclass
class ProposedGroup:
    grades: list[int]
    class_ids: list[int]
    members: list[int]  # student ids
    reasons: list[dict]  # ``reason(...)`` data; ``reason_text`` puts it in words
    name: str = ""

    @property
    def size(self) -> int:
        return len(self.members)


def stage(grade: int) -> int:
    """学段: 1–2 -> 0, 3–4 -> 1, 5–6 -> 2; junior grades 7–9 -> 3."""
    return (grade - 1) // 2 if grade <= 6 else 3


def grade_name(grade: int) -> str:
    return str(GRADE_NAMES.get(grade, grade))


def class_name(grade: int, number: int) -> str:
    return _("%(grade)s Class %(number)s") % {"grade": grade_name(grade), "number": number}


# Reasons are stored as data (a code and its values) and put into words when shown, in the
# reader's language: {"code": "merged_grade", "a": {"grades": [3], "numbers": [1]}, ...}.
# A value that is a dict with "grades" names classes or grades (``units_label``).
REASONS = {
    "split": gettext_lazy(
        "%(cls)s has %(n)d participants, more than %(max)d per group: split into %(parts)d groups"
    ),
    "alone": gettext_lazy("%(cls)s has %(n)d participants (at least %(min)d): its own group"),
    "merged_grade": gettext_lazy(
        "%(a)s (%(na)d) is below %(min)d and merges with %(b)s (%(nb)d), "
        "the smallest class of the grade"
    ),
    "merged_adjacent": gettext_lazy(
        "%(a)s (%(na)d) is below %(min)d and merges with the adjacent %(b)s (%(nb)d)"
    ),
    "small_stage": gettext_lazy(
        "%(a)s has %(n)d participants (below %(min)d); no further merge fits within "
        "%(max)d per group inside its stage"
    ),
    "small": gettext_lazy(
        "%(a)s has %(n)d participants (below %(min)d); no further merge fits within "
        "%(max)d per group"
    ),
    "late_class": gettext_lazy("joins a group of their class"),
    "late_grade": gettext_lazy("joins a group of their grade"),
    "late_adjacent": gettext_lazy("joins a group of an adjacent grade"),
    "late_new": gettext_lazy("no group with room: a new group is opened"),
    "section": gettext_lazy("An extended course is its own section."),
    "merged_by_school": gettext_lazy("Merged with %(b)s by the school."),
    "split_by_school": gettext_lazy("Split from %(a)s by the school."),
}


def units_label(value: dict) -> str:
    """Words for {"grades": [...], "numbers": [...]}: 三年级2班, 三年级1、3班, 三年级、四年级."""
    grades = sorted(value.get("grades", []))
    numbers = sorted(value.get("numbers", []))
    if len(grades) != 1:
        return "、".join(grade_name(g) for g in grades)
    if len(numbers) == 1:
        return class_name(grades[0], numbers[0])
    return _("%(grade)s Classes %(numbers)s") % {
        "grade": grade_name(grades[0]),
        "numbers": "、".join(str(n) for n in numbers),
    }


def reason(code: str, **values) -> dict:
    return {"code": code, **values}


def reason_text(value) -> str:
    """A stored reason in words (text stored by an older version is shown as it is)."""
    if isinstance(value, str):
        return value
    template = REASONS.get(value.get("code"))
    if template is None:
        return str(value.get("code", ""))
    params = {
        k: units_label(v) if isinstance(v, dict) else v for k, v in value.items() if k != "code"
    }
    return str(template) % params if params else str(template)


@dataclass
class _Unit:
    """A group in the making."""

    order: int
    classes: list[tuple[int, int, int]]  # (grade, number, class id)
    members: list[Participant]
    reasons: list[dict] = field(default_factory=list)
    fixed: bool = False  # a class at/above the threshold (or a part of one): never merged
    part: tuple[int, int] | None = None  # (i, n) for the i-th of n parts of a split class

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def grades(self) -> set[int]:
        return {g for g, _n, _c in self.classes}

    def key(self) -> tuple:
        return (self.size, min(self.grades), self.order)

    def label(self) -> dict:
        """The unit's classes as reason data (``units_label`` words them)."""
        grades = sorted(self.grades)
        numbers = sorted(n for _g, n, _c in self.classes) if len(grades) == 1 else []
        return {"grades": grades, "numbers": numbers}


def _stage_ok(a: _Unit, b: _Unit, rules: Rules) -> bool:
    return not rules.within_stage or len({stage(g) for g in a.grades | b.grades}) == 1


def _neighbours(a: _Unit, b: _Unit) -> bool:
    """The grades of both together are contiguous (e.g. 3 with 4, or 2–3 with 4)."""
    union = a.grades | b.grades
    return max(union) - min(union) + 1 == len(union)


def _merge(into: _Unit, other: _Unit, why: dict) -> None:
    into.classes = sorted(into.classes + other.classes)
    into.members = into.members + other.members
    into.reasons = [*into.reasons, *other.reasons, why]
    into.order = min(into.order, other.order)


def _split(members: list[Participant], parts: int) -> list[list[Participant]]:
    base, extra = divmod(len(members), parts)
    out, start = [], 0
    for i in range(parts):
        size = base + (1 if i < extra else 0)
        out.append(members[start : start + size])
        start += size
    return out


def _class_units(participants: Iterable[Participant], rules: Rules) -> list[_Unit]:
    by_class: dict[int, list[Participant]] = defaultdict(list)
    for p in participants:
        by_class[p.class_id].append(p)
    classes = sorted(
        by_class.items(), key=lambda kv: (kv[1][0].grade, kv[1][0].class_number, kv[0])
    )
    units: list[_Unit] = []
    for class_id, members in classes:
        members = sorted(members, key=lambda p: p.student_id)
        grade, number = members[0].grade, members[0].class_number
        n, name = len(members), {"grades": [grade], "numbers": [number]}
        ident = [(grade, number, class_id)]
        if n > rules.max_size:
            parts = -(-n // rules.max_size)
            for i, chunk in enumerate(_split(members, parts), start=1):
                units.append(
                    _Unit(
                        order=len(units),
                        classes=list(ident),
                        members=chunk,
                        fixed=True,
                        part=(i, parts),
                        reasons=[reason("split", cls=name, n=n, max=rules.max_size, parts=parts)],
                    )
                )
        elif n >= rules.merge_threshold:
            units.append(
                _Unit(
                    order=len(units),
                    classes=list(ident),
                    members=members,
                    fixed=True,
                    reasons=[reason("alone", cls=name, n=n, min=rules.merge_threshold)],
                )
            )
        else:
            units.append(_Unit(order=len(units), classes=list(ident), members=members))
    return units


def _merge_round(units: list[_Unit], rules: Rules, *, same_grade: bool) -> None:
    """Merge small units until none can merge any more (see the module doc, rules 2 and 3)."""
    stuck: set[int] = set()
    while True:
        small = [
            u
            for u in units
            if not u.fixed and u.size < rules.merge_threshold and id(u) not in stuck
        ]
        if not small:
            return
        unit = min(small, key=_Unit.key)
        if same_grade:
            partners = [
                v
                for v in units
                if v is not unit
                and not v.fixed
                and v.grades == unit.grades
                and len(v.grades) == 1
                and unit.size + v.size <= rules.max_size
            ]
        else:
            partners = [
                v
                for v in units
                if v is not unit
                and not v.fixed
                and _neighbours(unit, v)
                and _stage_ok(unit, v, rules)
                and unit.size + v.size <= rules.max_size
            ]
        if not partners:
            stuck.add(id(unit))
            continue
        if same_grade:
            partner = min(partners, key=_Unit.key)
        else:
            partner = min(partners, key=lambda v: (v.size >= rules.merge_threshold, *_Unit.key(v)))
        why = reason(
            "merged_grade" if same_grade else "merged_adjacent",
            a=unit.label(),
            na=unit.size,
            b=partner.label(),
            nb=partner.size,
            min=rules.merge_threshold,
        )
        units.remove(partner)
        _merge(unit, partner, why)
        stuck.clear()


def group_name(unit_classes: list[tuple[int, int, int]], part: tuple[int, int] | None) -> str:
    grades = sorted({g for g, _n, _c in unit_classes})
    if len(grades) > 1:
        name = _("%(grades)s mixed group") % {"grades": "、".join(grade_name(g) for g in grades)}
    elif len(unit_classes) == 1:
        g, n, _c = unit_classes[0]
        name = class_name(g, n)
    else:
        name = _("%(grade)s Classes %(numbers)s") % {
            "grade": grade_name(grades[0]),
            "numbers": "、".join(str(n) for _g, n, _c in sorted(unit_classes)),
        }
    if part is not None:
        name = f"{name}（{part[0]}）"
    return name


def unique_names(names: list[str], taken: Iterable[str] = ()) -> list[str]:
    """``names`` made unique (against each other and ``taken``) with a running number."""
    seen = set(taken)
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}（{n}）"
        seen.add(candidate)
        out.append(candidate)
    return out


def propose(participants: Iterable[Participant], rules: Rules) -> list[ProposedGroup]:
    """Basic-care groups for ``participants`` under ``rules`` (module doc). Pure."""
    if rules.max_size < 1:
        raise ValueError("max_size must be positive")
    units = _class_units(participants, rules)
    _merge_round(units, rules, same_grade=True)
    _merge_round(units, rules, same_grade=False)
    for unit in units:
        if not unit.fixed and unit.size < rules.merge_threshold:
            unit.reasons.append(
                reason(
                    "small_stage" if rules.within_stage else "small",
                    a=unit.label(),
                    n=unit.size,
                    min=rules.merge_threshold,
                    max=rules.max_size,
                )
            )
    units.sort(key=lambda u: (min(u.grades), min(n for _g, n, _c in u.classes), u.order))
    names = unique_names([group_name(u.classes, u.part) for u in units])
    return [
        ProposedGroup(
            grades=sorted(u.grades),
            class_ids=sorted({c for _g, _n, c in u.classes}),
            members=[p.student_id for p in u.members],
            reasons=u.reasons,
            name=name,
        )
        for u, name in zip(units, names, strict=True)
    ]


# --------------------------------------------------------------------------- late placement


@dataclass
class ExistingGroup:
    key: object  # the caller's id of the group
    grades: set[int]
    class_ids: set[int]
    size: int
    name: str = ""


@dataclass
class Placed:
    student_id: int
    group: ExistingGroup
    reason: dict  # ``reason(...)`` data
    new: bool = False


def place(
    newcomers: Iterable[Participant], groups: list[ExistingGroup], rules: Rules
) -> list[Placed]:
    """Put late participants (round two, late approvals) into ``groups`` without moving anyone
    already placed: first a group with their classmates, then one of their grade, then one of
    an adjacent grade (inside the stage where the rules say so) — the smallest with room each
    time — else a new group for their class (returned with ``new=True``; later newcomers of
    that class join it). No group exceeds ``max_size``. Pure; ``groups`` sizes are updated."""
    out: list[Placed] = []
    groups = list(groups)
    for p in sorted(newcomers, key=lambda p: (p.grade, p.class_number, p.student_id)):
        room = [g for g in groups if g.size < rules.max_size]
        tiers = (
            ([g for g in room if p.class_id in g.class_ids], "late_class"),
            ([g for g in room if p.grade in g.grades], "late_grade"),
            (
                [
                    g
                    for g in room
                    if any(abs(p.grade - x) == 1 for x in g.grades)
                    and (
                        not rules.within_stage or len({stage(x) for x in g.grades | {p.grade}}) == 1
                    )
                ],
                "late_adjacent",
            ),
        )
        for candidates, why in tiers:
            if candidates:
                target = min(candidates, key=lambda g: (g.size, min(g.grades), str(g.key)))
                target.size += 1
                target.class_ids.add(p.class_id)
                target.grades.add(p.grade)
                out.append(Placed(p.student_id, target, reason(why)))
                break
        else:
            name = unique_names([class_name(p.grade, p.class_number)], (g.name for g in groups))[0]
            target = ExistingGroup(
                key=("new", p.class_id, len(groups)),
                grades={p.grade},
                class_ids={p.class_id},
                size=1,
                name=name,
            )
            groups.append(target)
            out.append(Placed(p.student_id, target, reason("late_new"), True))
    return out
