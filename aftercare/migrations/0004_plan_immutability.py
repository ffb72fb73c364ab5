"""Approved, published and superseded plan versions are immutable in the database.

* aftercare_planversion: once frozen, content columns cannot change and the status may only
  move approved → published → superseded; a frozen version cannot be deleted.
* periods, courses and registration windows of a frozen version cannot be inserted, changed
  or deleted.
The services refuse first with a clear message; this is the safety net behind them.
"""

from django.db import migrations

# PlanVersion.CONTENT_FIELDS as of this migration (a new content field needs a migration
# that recreates this function).
CONTENT_FIELDS = (
    "basic_fee_unit", "basic_fee_amount", "lunch_care_offered", "lunch_start_time",
    "lunch_end_time", "fee_notice", "hotline", "safety_plan", "leadership_group",
    "prohibitions_confirmed",
)
OLD = ", ".join(f"OLD.{f}" for f in CONTENT_FIELDS)
NEW = ", ".join(f"NEW.{f}" for f in CONTENT_FIELDS)

GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION aftercare_planversion_guard() RETURNS trigger AS $$
BEGIN
    IF OLD.status IN ('approved', 'published', 'superseded') THEN
        IF TG_OP = 'DELETE' THEN
            RAISE EXCEPTION 'plan version % is %: it cannot be deleted', OLD.id, OLD.status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF ROW({new}) IS DISTINCT FROM ROW({old})
           OR NEW.plan_id <> OLD.plan_id OR NEW.number <> OLD.number
           OR NEW.policy_id IS DISTINCT FROM OLD.policy_id
           OR NOT (NEW.status = OLD.status
                   OR (OLD.status = 'approved' AND NEW.status = 'published')
                   OR (OLD.status = 'published' AND NEW.status = 'superseded')) THEN
            RAISE EXCEPTION 'plan version % is %: it cannot change', OLD.id, OLD.status
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

"""

FORWARD = GUARD_FUNCTION.format(old=OLD, new=NEW) + """
CREATE TRIGGER aftercare_planversion_guard
    BEFORE UPDATE OR DELETE ON aftercare_planversion
    FOR EACH ROW EXECUTE FUNCTION aftercare_planversion_guard();

CREATE OR REPLACE FUNCTION aftercare_plan_part_guard() RETURNS trigger AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM aftercare_planversion
     WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.version_id ELSE NEW.version_id END;
    IF st IN ('approved', 'published', 'superseded') THEN
        RAISE EXCEPTION 'plan version is %: its % cannot change', st, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.version_id <> NEW.version_id THEN
        SELECT status INTO st FROM aftercare_planversion WHERE id = OLD.version_id;
        IF st IN ('approved', 'published', 'superseded') THEN
            RAISE EXCEPTION 'plan version is %: its % cannot change', st, TG_TABLE_NAME
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_guard
    BEFORE INSERT OR UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION aftercare_plan_part_guard();
"""
    for table in ("aftercare_serviceperiod", "aftercare_course", "aftercare_registrationwindow")
)

BACKWARD = """
DROP TRIGGER IF EXISTS aftercare_planversion_guard ON aftercare_planversion;
DROP TRIGGER IF EXISTS aftercare_serviceperiod_guard ON aftercare_serviceperiod;
DROP TRIGGER IF EXISTS aftercare_course_guard ON aftercare_course;
DROP TRIGGER IF EXISTS aftercare_registrationwindow_guard ON aftercare_registrationwindow;
DROP FUNCTION IF EXISTS aftercare_planversion_guard();
DROP FUNCTION IF EXISTS aftercare_plan_part_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("aftercare", "0003_policy_and_plans")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
