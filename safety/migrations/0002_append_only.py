"""Amendments to an incident and consent decisions are append-only in the database itself.

UPDATE and DELETE raise, with one exception: the anonymiser (``safety.services.rights``) may
replace an amendment's text with the scrub marker (and nothing else)."""

from django.db import migrations

SCRUBBED = "(已匿名化)"

FORWARD = f"""
CREATE OR REPLACE FUNCTION safety_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'safety_incidentamendment'
       AND NEW.text = '{SCRUBBED}' AND NEW.id = OLD.id AND NEW.incident_id = OLD.incident_id
       AND NEW.written_by_id = OLD.written_by_id AND NEW.written_at = OLD.written_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER safety_incidentamendment_append_only
    BEFORE UPDATE OR DELETE ON safety_incidentamendment
    FOR EACH ROW EXECUTE FUNCTION safety_append_only();
CREATE TRIGGER safety_consentdecision_append_only
    BEFORE UPDATE OR DELETE ON safety_consentdecision
    FOR EACH ROW EXECUTE FUNCTION safety_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS safety_incidentamendment_append_only ON safety_incidentamendment;
DROP TRIGGER IF EXISTS safety_consentdecision_append_only ON safety_consentdecision;
DROP FUNCTION IF EXISTS safety_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
