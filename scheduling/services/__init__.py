"""Writes of scheduling, by subject: staff, vetting, rooms and institutions (staff.py), the
staff spreadsheet (staff_import.py), grouping (grouping.py), course sections (sections.py),
staffing and rooms per weekday (assignments.py), sessions and cancelled days (sessions.py).
Shared authorization and the plan lock: common.py."""
