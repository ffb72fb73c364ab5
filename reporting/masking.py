"""Personal data on the reporting pages: full for district officials, masked for inspectors
(督学), who audit the system and never need to know which child or teacher it is."""

from __future__ import annotations

from enrollment.lottery import mask_name

__all__ = ["mask_name", "person", "student_number"]


def person(name: str, names: bool) -> str:
    """张小明 as is for a reader who may see names, 张*明 otherwise."""
    return name if names else mask_name(name)


def student_number(number: str, names: bool) -> str:
    """A student number in full, or its last two characters only."""
    if names:
        return number
    return "*" * max(0, len(number) - 2) + number[-2:]
