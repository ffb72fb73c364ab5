"""A narrow, audited way to take a child's name out of the audit log (deletion approved).

The audit log stays append-only (aftercare migration 0002): DELETE always raises, and an
UPDATE raises unless the transaction has set ``aftercare.audit_redaction`` to ``on`` (with
``set_config(..., true)``: transaction-local) — which only ``safety.services.rights
.redact_audit`` does, inside the approval of a deletion request, and audits — AND the row is
unchanged except for ``payload`` and ``object_repr``, AND the payload keeps its keys (values
are replaced, nothing removed). Rows are never deleted; who did what to which object, and when,
stays.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION aftercare_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND current_setting('aftercare.audit_redaction', true) = 'on'
       AND (to_jsonb(NEW) - 'payload' - 'object_repr')
           = (to_jsonb(OLD) - 'payload' - 'object_repr')
       AND jsonb_typeof(NEW.payload) = jsonb_typeof(OLD.payload)
       AND (jsonb_typeof(OLD.payload) <> 'object'
            OR ARRAY(SELECT jsonb_object_keys(NEW.payload) ORDER BY 1)
               = ARRAY(SELECT jsonb_object_keys(OLD.payload) ORDER BY 1)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION aftercare_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("aftercare", "0002_audit_append_only"),
        ("safety", "0003_incident_frozen_after_ack"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
