"""Compliance rules (督导): each finds a condition in the data and shows its evidence.

A rule's ``find(ctx)`` returns its ``Finding`` list for one district and semester — or None
when it cannot be evaluated (the data it needs does not exist yet: the term-end disclosure
before issue 11), in which case its existing alerts are left as they are. Each finding names
its subject and period, so its ``key`` is stable from one run to the next
(``rule:subject_type:subject_id:period``) and ``reporting.services.alerts`` turns findings
into alerts idempotently. ``evidence(alert, names=…)`` lists the rows behind the alert,
live, with names masked unless the reader may see them.

The rules (the thresholds of the warnings are ``reporting.conf``; every limit itself is the
district policy's):

    fee_over_cap            a published plan's fee above the policy's cap (plan check)
    end_time_over_limit     a published plan's service ending after the latest end time
    plan_unapproved         a plan version published without the district's approval
    staffing_ratio          a group with fewer teachers than the ratio requires
    unvetted_staff          staff who may not teach (vetting missing, institution not
                            approved, no longer active) assigned to a confirmed grouping
    teacher_hours           a paid teacher scheduled above the policy's lessons per day/week
    full_participation      a class where every child applied (自愿 must be real)
    absence_spike           a school's week of unexcused absences far above its usual rate
    fees_before_publication invoices issued before the plan (fee standard) was published
    refund_overdue          refunds or withdrawals still not refunded after N days
    disclosure_late         no term-end income/expenditure disclosure N days after the term
    complaint_overdue       complaints not acknowledged or not closed within the district's
                            deadlines (feedback)
"""

from . import families, money, operation, plans, staffing  # noqa: F401 - the rules register themselves
from .base import RULES, Context, Evidence, Finding, Rule, register, rule_label

__all__ = ["RULES", "Context", "Evidence", "Finding", "Rule", "register", "rule_label"]
