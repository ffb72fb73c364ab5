"""The monthly teacher subsidy payout: a set-based Celery job per school and month, the
principal's review (adjustments with a reason) and approval, which writes the ledger.

Who is paid what: ``billing.payout_math`` (the rules and their order). Where the figures come
from: staff attendance through ``attendance.selectors.staff.staff_month`` — the only source
of sessions served (a session nobody recorded is listed on the run and never paid) — patrols
(break-time safety duty) and clearings (the duty leader's day) of the month, labour
agreements, verified complaints (``feedback``), safety incidents, and the approved months of
the semester (for the semester-wide incident deduction).

Concurrency and crash design
----------------------------
* Starting: ``start_payout_run`` checks the refusals (the month is not over, no rules, a
  school value outside the district's bounds, a rate above the policy's cap) and inserts a
  ``PayoutRun``; a partial unique index allows one live run per school and month, so two
  clicks start one (the second gets ``Conflict``). Recomputing a run in review (attendance
  was corrected) marks it superseded and starts the next one in the same transaction, with
  the principal's adjustments carried over. An approved month is final (``Conflict``).
* The job (task ``billing.run_payout``, dispatched on commit) computes the whole school-month
  in ONE short transaction: it locks the run row (``FOR UPDATE``; the plan level of the
  project's lock order, and no other lock is taken after it but the rows it inserts), reads
  the month in a fixed number of grouped queries (staff_month's three, the served sessions'
  details, patrols, clearings, staff, agreements, complaints, incidents, the semester's
  approved months), computes in memory and writes every line and deduction with one INSERT
  each (columns as arrays, ``unnest``). A school-month is the unit because its lines depend
  on one another (the admin duty share is a share of everyone's spending; points divide one
  pool). A worker killed mid-way rolls the month back whole; the redelivered message or the
  sweeper (``resume_stalled_payouts``, beat every minute) starts it again: the result is that
  of an undisturbed run. A district's monthly job (``start_monthly_runs``, beat) starts one
  run per school and computes them in ONE task (``process_payout_runs``): the runs locked in
  pk order, the district's month read in the same fixed number of queries (``gathering``:
  ``school_id IN (…)``, grouped per school in the result), all lines and deductions written
  with one INSERT each; a batch that fails is rolled back and its runs are computed one by
  one, so a failing school does not hold the others back. The sweeper resumes any run left
  queued on its own.
* Adjusting locks the run row, then the line (same order everywhere), checks the run is in
  review and writes the adjustment and the new totals; the database refuses a paid count
  above the served count (CHECK) and any change to an approved run (trigger, migration 0006).
* Approving is one conditional UPDATE (``status = 'review'`` -> ``'approved'``): of two
  concurrent approvals one changes the row and the other finds it approved and is refused
  with who approved it, writing nothing. The same transaction posts the month's expense
  journals (``payout:<run>:teacher`` / ``:external``; Dr the expense, Cr bank; idempotent by
  key) and, on commit, the statements' PDFs are rendered by a task.
"""

from billing.services.payouts.common import (
    LEDGER_CATEGORY,
    PayoutRefused,
    first_of,
    month_label,
    refusals,
    require_manager,
    semester_for_month,
)
from billing.services.payouts.inputs import record_incident, save_agreement
from billing.services.payouts.review import adjust_line, approve_run
from billing.services.payouts.runs import (
    complaint_evidence,
    compute_and_write,
    gather,
    points_pool,
    process_payout_run,
    process_payout_runs,
    resume_stalled_payouts,
    start_monthly_runs,
    start_payout_run,
    write_lines,
)

__all__ = [
    "LEDGER_CATEGORY",
    "PayoutRefused",
    "adjust_line",
    "approve_run",
    "complaint_evidence",
    "compute_and_write",
    "first_of",
    "gather",
    "month_label",
    "points_pool",
    "process_payout_run",
    "process_payout_runs",
    "record_incident",
    "refusals",
    "require_manager",
    "resume_stalled_payouts",
    "save_agreement",
    "semester_for_month",
    "start_monthly_runs",
    "start_payout_run",
    "write_lines",
]
