"""Navigation and home sections of safety (registered in ``SafetyConfig.ready``)."""

from __future__ import annotations


def nav(scope) -> list[dict]:
    return []


def school_section(request, **context):
    return None


def teacher_section(request, **context):
    return None


def family_section(request, **context):
    return None


def district_section(request, **context):
    return None
