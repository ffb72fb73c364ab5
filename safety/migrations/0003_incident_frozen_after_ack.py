"""An acknowledged incident is frozen in the database itself, not only in the service.

Once a guardian has acknowledged an incident (``acknowledged_at`` set), a trigger refuses any
UPDATE or DELETE of its row, with one exception: the anonymiser (``safety.services.rights``)
may replace the free text (place, description, what was done) with the scrub marker, every
other column unchanged (compared as ``to_jsonb(row)`` minus those three). Corrections after
acknowledgement are amendments (``IncidentAmendment``, append-only by migration 0002).
"""

from django.db import migrations

SCRUBBED = "(已匿名化)"

FORWARD = f"""
CREATE OR REPLACE FUNCTION safety_incident_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.acknowledged_at IS NULL THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE'
       AND (NEW.place = OLD.place OR NEW.place = '{SCRUBBED}')
       AND (NEW.description = OLD.description OR NEW.description = '{SCRUBBED}')
       AND (NEW.action_taken = OLD.action_taken OR NEW.action_taken = '{SCRUBBED}')
       AND (to_jsonb(NEW) - 'place' - 'description' - 'action_taken')
           = (to_jsonb(OLD) - 'place' - 'description' - 'action_taken') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'incident % was acknowledged: it cannot be changed, only amended (% refused)',
        OLD.id, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER safety_incident_frozen_after_ack
    BEFORE UPDATE OR DELETE ON safety_incident
    FOR EACH ROW EXECUTE FUNCTION safety_incident_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS safety_incident_frozen_after_ack ON safety_incident;
DROP FUNCTION IF EXISTS safety_incident_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("safety", "0002_append_only")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
