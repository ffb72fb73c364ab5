# 学籍号 and mobiles encrypted at rest with a searchable keyed hash (issue 14); rows encrypted.

import aftercare.fields
import django.core.validators
from django.db import migrations, models

from aftercare.fields import encrypt_existing_rows


class Migration(migrations.Migration):

    dependencies = [
        ('aftercare', '0014_personal_data_encrypted'),
        ('enrollment', '0010_application_history'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='student',
            options={'ordering': ['school_id', 'school_class_id', 'pk'], 'verbose_name': 'student', 'verbose_name_plural': 'students'},
        ),
        migrations.RemoveIndex(
            model_name='smscode',
            name='enrollment__mobile_0c7b3d_idx',
        ),
        migrations.AddField(
            model_name='smscode',
            name='mobile_hash',
            field=aftercare.fields.BlindIndexField(blank=True, null=True, source='mobile'),
        ),
        migrations.AddField(
            model_name='student',
            name='guardian_mobile_hash',
            field=aftercare.fields.BlindIndexField(blank=True, null=True, source='guardian_mobile'),
        ),
        migrations.AddField(
            model_name='student',
            name='student_number_hash',
            field=aftercare.fields.BlindIndexField(blank=True, null=True, source='student_number'),
        ),
        migrations.AlterField(
            model_name='smscode',
            name='mobile',
            field=aftercare.fields.EncryptedCharField(kind='mobile', max_length=11, validators=[django.core.validators.RegexValidator('^1[3-9]\\d{9}$', 'Enter a valid 11-digit mainland mobile number.', code='invalid_mobile')], verbose_name='mobile'),
        ),
        migrations.AlterField(
            model_name='student',
            name='guardian_mobile',
            field=aftercare.fields.EncryptedCharField(blank=True, help_text='As given in the school roster (监护人手机).', kind='mobile', max_length=11, null=True, validators=[django.core.validators.RegexValidator('^1[3-9]\\d{9}$', 'Enter a valid 11-digit mainland mobile number.', code='invalid_mobile')], verbose_name="guardian's mobile"),
        ),
        migrations.AlterField(
            model_name='student',
            name='student_number',
            field=aftercare.fields.EncryptedCharField(kind='student_number', max_length=32, verbose_name='student number'),
        ),
        migrations.RunPython(
            *encrypt_existing_rows("enrollment", "student", "student_number", "guardian_mobile")
        ),
        migrations.RunPython(*encrypt_existing_rows("enrollment", "smscode", "mobile")),
        migrations.AddIndex(
            model_name='smscode',
            index=models.Index(fields=['mobile_hash', 'purpose', '-created_at'], name='enrollment__mobile__a98615_idx'),
        ),
        migrations.AddConstraint(
            model_name='student',
            constraint=models.UniqueConstraint(fields=('district', 'school', 'student_number_hash'), name='student_number_hash_unique'),
        ),
    ]
