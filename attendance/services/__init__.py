"""Writes of attendance: keyword-only ``verb_noun`` functions, one transaction each, audited.

Modules: roll (点名), leave (请假), handover (交接), pickup (接送), duty (清校 · 巡查), staff
(staff attendance), followup (flags, warnings, 劝退), records (weekly records).
Lock order inside this app (after the kernel's): roll call (a session's ``RollCall`` row) ->
marks -> handovers of that session -> follow-ups. A service never goes back for an earlier
lock.
"""
