"""Thresholds of the compliance rules and the rollup schedule; each can be set in settings
(``REPORTING_<NAME>``). The district policy holds the rules themselves (caps, ratios, end
times); these are only how sensitive the warnings are."""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    # A class of at least this many children where every child applied: a sign of coercion.
    "FULL_PARTICIPATION_MIN_CLASS": 10,
    # Unexcused absences of a school in one week: a spike when the week's rate is at least
    # FACTOR times the school's rate over the BASELINE_WEEKS before (never below FLOOR), with at
    # least MIN absences.
    "SPIKE_FACTOR": 2.0,
    "SPIKE_MIN_ABSENCES": 5,
    "SPIKE_FLOOR_RATE": 0.02,
    "SPIKE_BASELINE_WEEKS": 4,
    # A refund still not confirmed this many days after it was asked for (or an approved
    # withdrawal of a paying child not yet handled).
    "REFUND_DUE_DAYS": 7,
    # The term-end disclosure (收支公示) is due this many days after the semester's last day.
    "DISCLOSURE_DUE_DAYS": 30,
    # The nightly refresh rewrites this many past days (corrections of past rolls included).
    "NIGHTLY_DAYS": 14,
}


def conf(name: str):
    return getattr(settings, f"REPORTING_{name}", DEFAULTS[name])
