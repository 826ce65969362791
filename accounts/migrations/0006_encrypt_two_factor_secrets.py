"""Authenticator-app secrets and recovery-code seeds made before accounts.adapters.MFAAdapter
encrypted them are encrypted now, so no one set up earlier is locked out and none stays in
clear. A Fernet token always starts with "gAAAAA" (version byte 0x80, base64): those are left
alone, which makes the migration safe to run twice."""

from django.db import migrations

FIELDS = {"totp": "secret", "recovery_codes": "seed"}


def encrypt_existing(apps, schema_editor) -> None:
    from accounts import encryption

    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.filter(type__in=FIELDS).iterator():
        field = FIELDS[authenticator.type]
        value = authenticator.data.get(field, "")
        if value and not value.startswith("gAAAAA"):
            authenticator.data[field] = encryption.encrypt(value)
            authenticator.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_append_only"), ("mfa", "0003_authenticator_type_uniq")]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
