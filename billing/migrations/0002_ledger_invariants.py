"""The ledger's invariants in the database itself (see billing/models/ledger.py).

* Journals and journal lines are append-only: UPDATE and DELETE raise (also stops raw SQL,
  bulk updates, cascades and the admin; TRUNCATE stays possible for the table owner, which
  test isolation relies on — in production the app role should not own its tables).
* After every INSERT statement into the lines, each journal the statement touched sums to
  zero over all its lines, and every new line lies in its journal's district and school
  (ring fence). Statement level, over the transition table: one check per statement, so a
  bulk INSERT of 100,000 journals' lines costs one grouped query, not 300,000 triggers.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION billing_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only (% on % refused)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_journal_append_only
    BEFORE UPDATE OR DELETE ON billing_journal
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only();
CREATE TRIGGER billing_journalline_append_only
    BEFORE UPDATE OR DELETE ON billing_journalline
    FOR EACH ROW EXECUTE FUNCTION billing_ledger_append_only();

CREATE OR REPLACE FUNCTION billing_ledger_balanced() RETURNS trigger AS $$
DECLARE
    bad bigint;
BEGIN
    SELECT n.journal_id INTO bad
      FROM new_lines n JOIN billing_journal j ON j.id = n.journal_id
     WHERE j.school_id <> n.school_id OR j.district_id <> n.district_id
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'journal % posts outside its school''s fund', bad
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT l.journal_id INTO bad
      FROM billing_journalline l
     WHERE l.journal_id IN (SELECT DISTINCT journal_id FROM new_lines)
     GROUP BY l.journal_id
    HAVING SUM(l.amount_fen) <> 0
     LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'journal % does not balance (debits must equal credits)', bad
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_journalline_balanced
    AFTER INSERT ON billing_journalline
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION billing_ledger_balanced();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_journalline_balanced ON billing_journalline;
DROP FUNCTION IF EXISTS billing_ledger_balanced();
DROP TRIGGER IF EXISTS billing_journal_append_only ON billing_journal;
DROP TRIGGER IF EXISTS billing_journalline_append_only ON billing_journalline;
DROP FUNCTION IF EXISTS billing_ledger_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
