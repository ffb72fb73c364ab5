"""What the database holds for payouts and disclosures (see billing/models/payouts.py and
disclosure.py):

* subsidy rule versions are append-only: a change is the next version, so a run names the
  rules it applied for good;
* an approved payout run and its lines, deductions and adjustments never change (the ledger
  was written from them); nor do they go away;
* a published disclosure version never changes: an amendment is the next version.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION billing_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% on % refused: %', TG_OP, TG_TABLE_NAME, TG_ARGV[0]
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_subsidyrules_append_only
    BEFORE UPDATE OR DELETE ON billing_subsidyrules
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change('subsidy rules are versioned');

CREATE TRIGGER billing_payoutrun_approved_final
    BEFORE UPDATE OR DELETE ON billing_payoutrun
    FOR EACH ROW WHEN (OLD.status = 'approved')
    EXECUTE FUNCTION billing_refuse_change('the payout run is approved');

CREATE OR REPLACE FUNCTION billing_payout_child_final() RETURNS trigger AS $$
DECLARE
    run_status text;
BEGIN
    IF TG_TABLE_NAME = 'billing_payoutline' THEN
        SELECT status INTO run_status FROM billing_payoutrun WHERE id = OLD.run_id;
    ELSE
        SELECT r.status INTO run_status
          FROM billing_payoutline l JOIN billing_payoutrun r ON r.id = l.run_id
         WHERE l.id = OLD.line_id;
    END IF;
    IF run_status = 'approved' THEN
        RAISE EXCEPTION '% on % refused: the payout run is approved', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_payoutline_final
    BEFORE UPDATE OR DELETE ON billing_payoutline
    FOR EACH ROW EXECUTE FUNCTION billing_payout_child_final();
CREATE TRIGGER billing_payoutdeduction_final
    BEFORE UPDATE OR DELETE ON billing_payoutdeduction
    FOR EACH ROW EXECUTE FUNCTION billing_payout_child_final();
CREATE TRIGGER billing_payoutadjustment_append_only
    BEFORE UPDATE ON billing_payoutadjustment
    FOR EACH ROW EXECUTE FUNCTION billing_refuse_change('adjustments are append-only');
CREATE TRIGGER billing_payoutadjustment_final
    BEFORE DELETE ON billing_payoutadjustment
    FOR EACH ROW EXECUTE FUNCTION billing_payout_child_final();

CREATE TRIGGER billing_disclosure_published_final
    BEFORE UPDATE OR DELETE ON billing_disclosureversion
    FOR EACH ROW WHEN (OLD.status = 'published')
    EXECUTE FUNCTION billing_refuse_change('a published disclosure is amended by a new version');
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_disclosure_published_final ON billing_disclosureversion;
DROP TRIGGER IF EXISTS billing_payoutadjustment_final ON billing_payoutadjustment;
DROP TRIGGER IF EXISTS billing_payoutadjustment_append_only ON billing_payoutadjustment;
DROP TRIGGER IF EXISTS billing_payoutdeduction_final ON billing_payoutdeduction;
DROP TRIGGER IF EXISTS billing_payoutline_final ON billing_payoutline;
DROP FUNCTION IF EXISTS billing_payout_child_final();
DROP TRIGGER IF EXISTS billing_payoutrun_approved_final ON billing_payoutrun;
DROP TRIGGER IF EXISTS billing_subsidyrules_append_only ON billing_subsidyrules;
DROP FUNCTION IF EXISTS billing_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_payouts_and_disclosure")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
