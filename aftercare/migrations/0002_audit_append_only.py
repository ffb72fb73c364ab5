"""Audit events are append-only in the database itself: UPDATE and DELETE raise.

The model refuses too, but this also stops raw SQL, bulk updates, cascades and the admin.
(TRUNCATE stays possible for the table owner, which test isolation relies on; in
production the app role should not own its tables.)
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION aftercare_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER aftercare_auditevent_append_only
    BEFORE UPDATE OR DELETE ON aftercare_auditevent
    FOR EACH ROW EXECUTE FUNCTION aftercare_audit_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS aftercare_auditevent_append_only ON aftercare_auditevent;
DROP FUNCTION IF EXISTS aftercare_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
