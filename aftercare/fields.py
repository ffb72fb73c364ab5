"""Model fields for personal data encrypted at rest (see aftercare.crypto).

``EncryptedCharField`` stores AES-GCM ciphertext and gives Python the plaintext back;
``BlindIndexField`` is its companion column holding the keyed hash, always computed from the
plaintext (never stale before a save). Exact lookups on the encrypted field are rewritten to
the hash column, so ``Student.objects.filter(student_number="2019001")``,
``User.objects.filter(mobile=m)``, ``__in``, ``get_or_create`` and Django's unique checks keep
working; every other lookup (``icontains``, ``startswith``, ranges) is refused with a
FieldError: an encrypted value can only be matched exactly. ``order_by`` on an encrypted
field orders by ciphertext (meaningless): order by something else.

``QuerySet.update()`` and ``bulk_update()`` bypass ``save()``: managers of models with an
encrypted field use ``EncryptedQuerySet`` (or the mixin) so the hash follows the value.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import lookups
from django.db.models.expressions import Col
from django.db.models.query_utils import DeferredAttribute

from aftercare.crypto import blind_index, decrypt, encrypt

__all__ = [
    "BlindIndexField",
    "EncryptedCharField",
    "EncryptedQuerySet",
    "EncryptedQuerySetMixin",
    "hash_updates",
]


class EncryptedCharField(models.CharField):
    """A short personal value (mobile, 学籍号) encrypted at rest.

    ``max_length`` bounds the plaintext (validation, forms); the column is ``text``.
    ``kind`` separates the hashes and ciphertexts of different kinds of value.
    """

    def __init__(self, *args, kind: str, **kwargs):
        self.kind = kind
        self.hash_field_name: str | None = None  # set by the companion BlindIndexField
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def db_type(self, connection):
        return "text"

    def cast_db_type(self, connection):
        return "text"

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), kind=self.kind)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value, kind=self.kind)

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "in", "isnull"):
            return super().get_lookup(lookup_name)
        return None  # Django then raises FieldError("Unsupported lookup ...")

    def hash_of(self, value) -> str | None:
        return blind_index(value, kind=self.kind)


class _BlindIndexDescriptor(DeferredAttribute):
    """Reads compute the hash from the source value, whatever was loaded or assigned: the
    hash can never disagree with the value in memory."""

    def __get__(self, instance, cls=None):
        if instance is None:
            return self
        source = self.field.source_field(instance.__class__)
        return source.hash_of(getattr(instance, source.attname))

    def __set__(self, instance, value):
        # Kept only so that Django does not take the column for a deferred one.
        instance.__dict__[self.field.attname] = value


class BlindIndexField(models.CharField):
    """The searchable keyed hash (HMAC-SHA256, hex) of an EncryptedCharField."""

    descriptor_class = _BlindIndexDescriptor

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, private_only=False):
        super().contribute_to_class(cls, name, private_only)
        cls._meta.get_field(self.source).hash_field_name = name

    def source_field(self, model) -> EncryptedCharField:
        return model._meta.get_field(self.source)

    def pre_save(self, model_instance, add):
        return getattr(model_instance, self.attname)


def _hash_column(lookup, compiler):
    lhs = lookup.lhs
    field = getattr(lhs, "target", None)
    if not isinstance(lhs, Col) or not isinstance(field, EncryptedCharField):
        raise FieldError("an encrypted field can be compared only as a plain column")
    if not field.hash_field_name:
        raise FieldError(
            f"{field.model.__name__}.{field.name} has no blind index: it cannot be searched"
        )
    hash_field = field.model._meta.get_field(field.hash_field_name)
    return field, compiler.compile(Col(lhs.alias, hash_field))


def _plain(value):
    if hasattr(value, "resolve_expression"):
        raise FieldError("an encrypted field can be compared only with values, not expressions")
    return value


@EncryptedCharField.register_lookup
class EncryptedExact(lookups.Exact):
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        value = _plain(self.rhs)
        if value == "":
            # An empty value is stored as is: compare the column itself.
            lhs_sql, lhs_params = self.process_lhs(compiler, connection)
            return f"{lhs_sql} = %s", [*lhs_params, ""]
        field, (sql, params) = _hash_column(self, compiler)
        return f"{sql} = %s", [*params, field.hash_of(str(value))]


@EncryptedCharField.register_lookup
class EncryptedIn(lookups.In):
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        values = _plain(self.rhs)
        if not isinstance(values, (list, tuple, set, frozenset)):
            raise FieldError("__in on an encrypted field takes a list of values")
        field, (sql, params) = _hash_column(self, compiler)
        hashes = sorted({field.hash_of(str(v)) for v in values if v not in (None, "")})
        if not hashes:
            return "FALSE", []
        marks = ", ".join(["%s"] * len(hashes))
        return f"{sql} IN ({marks})", [*params, *hashes]

    def get_prep_lookup(self):
        return self.rhs


def hash_updates(model, values: dict) -> dict:
    """The hash columns to write with ``values`` (a dict of field name -> new value)."""
    extra = {}
    for name, value in values.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # not a field: update() itself complains
            continue
        if isinstance(field, EncryptedCharField) and field.hash_field_name:
            if field.hash_field_name in values:
                continue  # bulk_update: its CASE for the hash is already there
            if hasattr(value, "resolve_expression"):
                raise FieldError(f"{name} is encrypted: update it with a value, not an expression")
            extra[field.hash_field_name] = field.hash_of(value)
    return extra


class EncryptedQuerySetMixin:
    def update(self, **kwargs):
        kwargs.update(hash_updates(self.model, kwargs))
        return super().update(**kwargs)

    update.alters_data = True

    def bulk_update(self, objs, fields, batch_size=None):
        fields = list(fields)
        for name in list(fields):
            field = self.model._meta.get_field(name)
            hash_name = getattr(field, "hash_field_name", None)
            if isinstance(field, EncryptedCharField) and hash_name and hash_name not in fields:
                fields.append(hash_name)
        return super().bulk_update(objs, fields, batch_size=batch_size)

    bulk_update.alters_data = True


class EncryptedQuerySet(EncryptedQuerySetMixin, models.QuerySet):
    pass


def encrypt_existing_rows(app_label: str, model_name: str, *field_names: str, batch: int = 500):
    """A RunPython pair for data migrations: encrypt the plaintext values of ``field_names``
    and fill their hash columns (forwards); write them back in plaintext (backwards)."""

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        fields = list(field_names)
        for name in field_names:
            hash_name = model._meta.get_field(name).hash_field_name
            if hash_name:
                fields.append(hash_name)
        rows = []
        # from_db_value passes a not yet encrypted value through; saving encrypts it.
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=batch):
            rows.append(obj)
            if len(rows) >= batch:
                model._base_manager.bulk_update(rows, fields)
                rows = []
        if rows:
            model._base_manager.bulk_update(rows, fields)

    def backwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        table = schema_editor.connection.ops.quote_name(model._meta.db_table)
        with schema_editor.connection.cursor() as cursor:
            for obj in model._base_manager.order_by("pk").iterator(chunk_size=batch):
                for name in field_names:
                    column = schema_editor.connection.ops.quote_name(
                        model._meta.get_field(name).column
                    )
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608 - quoted names
                        [getattr(obj, name), obj.pk],
                    )

    return forwards, backwards
