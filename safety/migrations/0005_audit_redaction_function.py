"""The audit redaction as one SECURITY DEFINER function, so that it also works when the app
connects as a least-privilege role that may only INSERT and SELECT audit events.

``aftercare_redact_audit(district, object_id, names)`` is the only way the app changes an
audit row: it replaces each of ``names`` (two characters or more) by the fixed marker
``(已匿名化)`` in the payload's string VALUES (keys stay: ``safety_jsonb_redact`` walks the
JSON) and in ``object_repr``, for the district's events about the object or naming one of
the names; it sets the transaction-local ``aftercare.audit_redaction`` the append-only
trigger accepts (migration 0004) and unsets it before returning the number of rows changed.
The caller cannot choose the replacement text, another column, or a deletion.
"""

from django.db import migrations

MARKER = "(已匿名化)"

FORWARD = f"""
CREATE OR REPLACE FUNCTION safety_text_redact(s text, names text[], marker text)
RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    n text;
BEGIN
    FOREACH n IN ARRAY names LOOP
        s := replace(s, n, marker);
    END LOOP;
    RETURN s;
END;
$$;

CREATE OR REPLACE FUNCTION safety_jsonb_redact(j jsonb, names text[], marker text)
RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    k text;
    v jsonb;
    r jsonb;
BEGIN
    CASE jsonb_typeof(j)
    WHEN 'string' THEN
        RETURN to_jsonb(safety_text_redact(j #>> '{{}}', names, marker));
    WHEN 'object' THEN
        r := '{{}}'::jsonb;
        FOR k, v IN SELECT * FROM jsonb_each(j) LOOP
            r := r || jsonb_build_object(k, safety_jsonb_redact(v, names, marker));
        END LOOP;
        RETURN r;
    WHEN 'array' THEN
        SELECT coalesce(jsonb_agg(safety_jsonb_redact(e, names, marker) ORDER BY i), '[]'::jsonb)
          INTO r FROM jsonb_array_elements(j) WITH ORDINALITY AS t(e, i);
        RETURN r;
    ELSE
        RETURN j;
    END CASE;
END;
$$;

CREATE OR REPLACE FUNCTION aftercare_redact_audit(p_district bigint, p_object_id text,
                                                  p_names text[])
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    names text[];
    patterns text[];
    changed integer;
BEGIN
    SELECT coalesce(array_agg(n ORDER BY length(n) DESC), '{{}}') INTO names
      FROM (SELECT DISTINCT n FROM unnest(p_names) AS n WHERE length(n) >= 2) AS t;
    IF cardinality(names) = 0 THEN
        RETURN 0;
    END IF;
    SELECT array_agg('%' || replace(replace(replace(n, '\\', '\\\\'), '%', '\\%'), '_', '\\_')
                     || '%')
      INTO patterns FROM unnest(names) AS n;
    PERFORM set_config('aftercare.audit_redaction', 'on', true);
    WITH c AS (
        SELECT e.id,
               safety_jsonb_redact(e.payload, names, '{MARKER}') AS payload,
               safety_text_redact(e.object_repr, names, '{MARKER}') AS object_repr
          FROM aftercare_auditevent e
         WHERE e.district_id = p_district
           AND (e.object_id = p_object_id OR e.object_repr LIKE ANY (patterns)
                OR e.payload::text LIKE ANY (patterns))
    )
    UPDATE aftercare_auditevent e SET payload = c.payload, object_repr = c.object_repr
      FROM c
     WHERE e.id = c.id
       AND (e.payload IS DISTINCT FROM c.payload OR e.object_repr IS DISTINCT FROM c.object_repr);
    GET DIAGNOSTICS changed = ROW_COUNT;
    PERFORM set_config('aftercare.audit_redaction', 'off', true);
    RETURN changed;
END;
$$;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS aftercare_redact_audit(bigint, text, text[]);
DROP FUNCTION IF EXISTS safety_jsonb_redact(jsonb, text[], text);
DROP FUNCTION IF EXISTS safety_text_redact(text, text[], text);
"""


class Migration(migrations.Migration):
    dependencies = [("safety", "0004_audit_redaction")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
