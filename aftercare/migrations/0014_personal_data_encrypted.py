# Mobiles encrypted at rest with a searchable keyed hash (issue 14); existing rows encrypted.

import aftercare.fields
import django.core.validators
from django.db import migrations

from aftercare.fields import encrypt_existing_rows


class Migration(migrations.Migration):

    dependencies = [
        ('aftercare', '0013_notification_message'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='mobile_hash',
            field=aftercare.fields.BlindIndexField(blank=True, null=True, source='mobile', unique=True),
        ),
        migrations.AlterField(
            model_name='outboxmessage',
            name='mobile',
            field=aftercare.fields.EncryptedCharField(blank=True, kind='mobile', max_length=20),
        ),
        migrations.AlterField(
            model_name='user',
            name='mobile',
            field=aftercare.fields.EncryptedCharField(blank=True, kind='mobile', max_length=11, null=True, unique=True, validators=[django.core.validators.RegexValidator('^1[3-9]\\d{9}$', 'Enter a valid 11-digit mainland mobile number.', code='invalid_mobile')], verbose_name='mobile'),
        ),
        migrations.RunPython(*encrypt_existing_rows("aftercare", "user", "mobile")),
        migrations.RunPython(*encrypt_existing_rows("aftercare", "outboxmessage", "mobile")),
    ]
