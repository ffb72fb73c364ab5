"""A complaint's timeline is append-only in the database itself: UPDATE and DELETE of
complaint events raise (``feedback.models.complaints``)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION feedback_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER feedback_complaintevent_append_only
    BEFORE UPDATE OR DELETE ON feedback_complaintevent
    FOR EACH ROW EXECUTE FUNCTION feedback_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS feedback_complaintevent_append_only ON feedback_complaintevent;
DROP FUNCTION IF EXISTS feedback_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_complaints")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
