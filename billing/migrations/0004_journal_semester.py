"""Every journal names its accounting period (the semester), and the fund's spending gets its
categories (teacher subsidies, external staff fees, materials, utilities, equipment,
insurance, other) and payouts their journal kind.

Existing journals all belong to an invoice (charges, reversals, payments, refunds): they take
its semester. The ledger is append-only, so the backfill runs with the append-only trigger
switched off for this one UPDATE, inside the migration's transaction.
"""

import django.db.models.deletion
from django.db import migrations, models

BACKFILL = """
ALTER TABLE billing_journal DISABLE TRIGGER billing_journal_append_only;
UPDATE billing_journal j SET semester_id = i.semester_id
  FROM billing_invoice i WHERE i.id = j.invoice_id AND j.semester_id IS NULL;
ALTER TABLE billing_journal ENABLE TRIGGER billing_journal_append_only;
"""

CATEGORIES = [
    ("receivable", "Fees receivable from families"),
    ("fee_income", "Fee income"),
    ("exemptions", "Exemptions and reductions"),
    ("refunds", "Refunds"),
    ("gateway_clearing", "Payment gateway clearing"),
    ("bank", "Bank account"),
    ("subsidy_income", "Government subsidy"),
    ("expenses_teacher", "Teacher subsidies"),
    ("expenses_external", "External staff fees (劳务费)"),
    ("expenses_materials", "Consumables and materials"),
    ("expenses_utilities", "Utilities (water, power, cleaning)"),
    ("expenses_equipment", "Equipment"),
    ("expenses_insurance", "Insurance"),
    ("expenses", "Other expenses"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0010_inspector_role"),
        ("billing", "0003_withdrawal_handled"),
    ]

    operations = [
        migrations.AddField(
            model_name="journal",
            name="semester",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="aftercare.semester",
                verbose_name="semester",
            ),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="journal",
            name="semester",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="aftercare.semester",
                verbose_name="semester",
            ),
        ),
        migrations.AddIndex(
            model_name="journal",
            index=models.Index(
                fields=["district", "semester", "school"], name="billing_jou_distric_b7d307_idx"
            ),
        ),
        migrations.AlterField(
            model_name="journal",
            name="kind",
            field=models.CharField(
                choices=[
                    ("charge", "Fee charged"),
                    ("reversal", "Charge reversed (invoice re-issued)"),
                    ("payment", "Payment received"),
                    ("refund", "Refund paid"),
                    ("subsidy", "Subsidy received"),
                    ("expense", "Expense paid"),
                    ("payout", "Subsidies and labour fees paid"),
                ],
                max_length=16,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="journalline",
            name="category",
            field=models.CharField(choices=CATEGORIES, max_length=20, verbose_name="category"),
        ),
    ]
