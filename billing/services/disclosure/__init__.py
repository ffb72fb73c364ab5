"""The term-end public disclosure of a school's after-school fund (每学期末公示收支), drafted from
the ledger alone.

The figures of school S and semester T (``ledger_figures``): the sum per category of the lines
of T's journals — fees charged, exemptions, refunds, the district's subsidy, every spending
category — and what is carried: the fund's assets (receivable + gateway + bank) summed over
every journal of the semesters that started before T (carried in) and up to T (carried out).
Double entry makes ``carried out = carried in + income − spending`` an identity of the ledger,
and the version's CHECK constraint holds it in the database too.

Life of a disclosure:
* drafted — by the calendar job when the semester has ended (``draft_due_disclosures``, beat
  daily; one statement per district inserts every missing disclosure and its first version,
  idempotent by the unique keys), or earlier by the principal as a preview; the principal may
  refresh an unpublished version from the ledger at any time (a reviewed one then needs the
  review again if a figure moved);
* reviewed — confirmed by a member of the parents' committee of that school (role
  ``parent_committee``, which sees that school's disclosures and nothing else);
* published — by the principal, after the semester's end, only when reviewed, and only when
  its figures still equal the ledger to the fen (recomputed in the publishing transaction; a
  mismatch is refused naming the figures, nothing written). The public page and its PDF show
  it; a published version never changes (database trigger);
* amended — after publication, the principal drafts the next version with a reason; it is
  reviewed and published like the first, and the public page lists every version.

Concurrency: each transition is one conditional UPDATE on the version's status (draft ->
reviewed -> published), so two clicks make one transition and the second is refused; at most
one unpublished version per disclosure (partial unique index). Publishing compares against
the ledger as its transaction sees it; a journal of the semester committed later makes the
published version out of date, which the district's overview shows (``ledger_mark``) — an
amendment is then due.
"""

from billing.services.disclosure.figures import (
    OPEN,
    DisclosureRefused,
    Figures,
    can_read,
    committee_schools,
    differences,
    disclosures_for,
    district_figures,
    due_date,
    empty_figures,
    ledger_figures,
    versions_for,
)
from billing.services.disclosure.lifecycle import (
    amend_disclosure,
    draft_disclosure,
    draft_due_disclosures,
    publish_disclosure,
    review_disclosure,
)
from billing.services.disclosure.reading import (
    LABEL_ZH,
    DisclosureState,
    disclosure_status,
    lines_of,
    pdf_bytes,
    pdf_path,
    published,
    render_pdf,
)

__all__ = [
    "LABEL_ZH",
    "OPEN",
    "DisclosureRefused",
    "DisclosureState",
    "Figures",
    "amend_disclosure",
    "can_read",
    "committee_schools",
    "differences",
    "disclosure_status",
    "disclosures_for",
    "district_figures",
    "draft_disclosure",
    "draft_due_disclosures",
    "due_date",
    "empty_figures",
    "ledger_figures",
    "lines_of",
    "pdf_bytes",
    "pdf_path",
    "publish_disclosure",
    "published",
    "render_pdf",
    "review_disclosure",
    "versions_for",
]
