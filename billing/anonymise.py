"""The billing app's anonymiser of a child (registered in ``BillingConfig.ready`` through
``aftercare.registry.register_anonymiser``; safety's approved deletion runs it).

Exemptions stay with their category, status and reduction (invoices, the ledger and its
totals are untouched): the family's note is replaced, the child's names are taken out of the
school's refusal reason, and the evidence document is deleted (its file after commit; the row
keeps ``evidence_type`` and a scrubbed name, its path emptied)."""

from __future__ import annotations

from django.db import transaction

from safety.anonymise import names_replaced, scrubbed

from . import conf
from .models import Exemption

COVERS = ("billing.exemption",)


def anonymise_child(*, student, names: list[str], marker: str) -> int:
    rows = Exemption.objects.filter(student=student)
    paths = [p for p in rows.values_list("evidence_path", flat=True) if p]
    changed = rows.update(
        note=scrubbed("note", marker),
        evidence_name=scrubbed("evidence_name", marker),
        evidence_path="",
        refusal_reason=names_replaced("refusal_reason", names, marker),
    )
    root = conf.private_root().resolve()

    def delete_files():
        for relative in paths:
            path = (root / relative).resolve()
            if root in path.parents:
                path.unlink(missing_ok=True)

    transaction.on_commit(delete_files)
    return changed
