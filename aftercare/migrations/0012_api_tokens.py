"""API tokens that die (issue 14): one per device, stored as a SHA-256 digest, expiring,
bound to the password and the "log out everywhere" epoch (User.session_epoch). Existing
DRF tokens (authtoken_token, plaintext keys) are carried over as digests and their table is
dropped. Losing a role kills the user's tokens: a trigger on aftercare_membership deletes
them when a membership row is deleted or changes role, district or school."""

import hashlib
from datetime import timedelta

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

MEMBERSHIP_TRIGGER = """
CREATE FUNCTION aftercare_membership_revokes_tokens() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.role IS DISTINCT FROM NEW.role
       OR OLD.district_id IS DISTINCT FROM NEW.district_id
       OR OLD.school_id IS DISTINCT FROM NEW.school_id
       OR OLD.user_id IS DISTINCT FROM NEW.user_id THEN
        DELETE FROM aftercare_apitoken WHERE user_id = OLD.user_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER membership_revokes_tokens
    AFTER UPDATE OR DELETE ON aftercare_membership
    FOR EACH ROW EXECUTE FUNCTION aftercare_membership_revokes_tokens();
"""
DROP_MEMBERSHIP_TRIGGER = """
DROP TRIGGER IF EXISTS membership_revokes_tokens ON aftercare_membership;
DROP FUNCTION IF EXISTS aftercare_membership_revokes_tokens();
"""


def carry_over_drf_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    User = apps.get_model("aftercare", "User")
    ApiToken = apps.get_model("aftercare", "ApiToken")
    from django.utils.crypto import salted_hmac

    ttl = timedelta(days=getattr(settings, "API_TOKEN_TTL_DAYS", 30))
    now = django.utils.timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    passwords = dict(User.objects.filter(pk__in=[r[1] for r in rows]).values_list("pk", "password"))
    key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
    ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            digest=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            name="",
            auth_hash=salted_hmac(key_salt, passwords[user_id], algorithm="sha256").hexdigest(),
            created_at=created,
            expires_at=max(created + ttl, now + timedelta(days=1)),
        )
        for key, user_id, created in rows
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE authtoken_token")


class Migration(migrations.Migration):

    dependencies = [
        ("aftercare", "0011_parent_committee_role"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="session_epoch",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("digest", models.CharField(max_length=64, unique=True)),
                ("prefix", models.CharField(max_length=8)),
                ("name", models.CharField(blank=True, max_length=64, verbose_name="device")),
                ("auth_hash", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires_at", models.DateTimeField(db_index=True)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="api_tokens", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
                "constraints": [models.CheckConstraint(condition=models.Q(("expires_at__gt", models.F("created_at"))), name="apitoken_expires_after_creation")],
            },
        ),
        migrations.RunSQL(MEMBERSHIP_TRIGGER, DROP_MEMBERSHIP_TRIGGER),
        migrations.RunPython(carry_over_drf_tokens, migrations.RunPython.noop),
    ]
