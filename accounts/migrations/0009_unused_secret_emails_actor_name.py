from django.db import migrations, models

from accounts.triggers import append_only

# The audit log stays append-only with its new column (SQLite rebuilt the table, and with it
# dropped the trigger of 0005; PostgreSQL gets the new column into its check).
COLUMNS = (
    "id",
    "organization_id",
    "actor_email",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "details",
    "ip",
    "user_agent",
    "created_at",
)
forwards, _ = append_only("accounts_auditevent", columns=COLUMNS, nullable=("actor_id",))
# Undone: 0005's trigger again, before the column goes.
previous, _ = append_only(
    "accounts_auditevent",
    columns=tuple(column for column in COLUMNS if column != "actor_name"),
    nullable=("actor_id",),
)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0008_reauthenticate_failed'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='actor_name',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='organization',
            name='unused_secret_emails',
            field=models.BooleanField(default=True, verbose_name='Email about unused client secrets'),
        ),
        migrations.AddField(
            model_name='organization',
            name='unused_secrets_emailed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Logged in'), ('login.failed', 'Failed log-in'), ('reauthenticate', 'Re-authenticated'), ('reauthenticate.failed', 'Failed re-authentication'), ('logout', 'Logged out'), ('mfa.activate', 'Two-factor method added'), ('mfa.deactivate', 'Two-factor method removed'), ('mfa.require', 'Two-factor log-in requirement changed'), ('password.change', 'Password changed'), ('email.change', 'Email address changed'), ('account.secure', 'Account secured'), ('session.end', 'Sessions ended'), ('invitation.create', 'Invitation sent'), ('invitation.resend', 'Invitation sent again'), ('invitation.cancel', 'Invitation cancelled'), ('invitation.accept', 'Invitation accepted'), ('member.role_change', 'Role changed'), ('member.remove', 'Member removed'), ('member.leave', 'Member left'), ('ownership.transfer', 'Ownership transferred'), ('app.create', 'App created'), ('app.rename', 'App renamed'), ('client_secret.create', 'Client secret created'), ('client_secret.revoke', 'Client secret revoked'), ('client_secret.roll', 'Client secret rolled'), ('client_secret.expire', 'Client secret expired'), ('client_secret.leak', 'Leaked client secret revoked'), ('organization.unused_secret_emails', 'Unused secret emails changed'), ('redirect_uri.add', 'Redirect URI added'), ('redirect_uri.remove', 'Redirect URI removed'), ('sales.contact', 'Sales contacted'), ('production_access.request', 'Production access requested'), ('production_access.approve', 'Production access approved'), ('production_access.reject', 'Production access rejected'), ('kyb.submit', 'KYB submitted'), ('kyb.approve', 'KYB approved'), ('kyb.request_changes', 'KYB changes requested'), ('kyb.reject', 'KYB rejected')], max_length=40),
        ),
        migrations.RunPython(forwards, previous),
    ]
