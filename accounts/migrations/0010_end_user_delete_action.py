from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_unused_secret_emails_actor_name'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', 'Logged in'), ('login.failed', 'Failed log-in'), ('reauthenticate', 'Re-authenticated'), ('reauthenticate.failed', 'Failed re-authentication'), ('logout', 'Logged out'), ('mfa.activate', 'Two-factor method added'), ('mfa.deactivate', 'Two-factor method removed'), ('mfa.require', 'Two-factor log-in requirement changed'), ('password.change', 'Password changed'), ('email.change', 'Email address changed'), ('account.secure', 'Account secured'), ('session.end', 'Sessions ended'), ('invitation.create', 'Invitation sent'), ('invitation.resend', 'Invitation sent again'), ('invitation.cancel', 'Invitation cancelled'), ('invitation.accept', 'Invitation accepted'), ('member.role_change', 'Role changed'), ('member.remove', 'Member removed'), ('member.leave', 'Member left'), ('ownership.transfer', 'Ownership transferred'), ('app.create', 'App created'), ('app.rename', 'App renamed'), ('client_secret.create', 'Client secret created'), ('client_secret.revoke', 'Client secret revoked'), ('client_secret.roll', 'Client secret rolled'), ('client_secret.expire', 'Client secret expired'), ('client_secret.leak', 'Leaked client secret revoked'), ('organization.unused_secret_emails', 'Unused secret emails changed'), ('end_user.delete', 'App user deleted'), ('redirect_uri.add', 'Redirect URI added'), ('redirect_uri.remove', 'Redirect URI removed'), ('sales.contact', 'Sales contacted'), ('production_access.request', 'Production access requested'), ('production_access.approve', 'Production access approved'), ('production_access.reject', 'Production access rejected'), ('kyb.submit', 'KYB submitted'), ('kyb.approve', 'KYB approved'), ('kyb.request_changes', 'KYB changes requested'), ('kyb.reject', 'KYB rejected')], max_length=40),
        ),
    ]
