from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('apps', '0003_secret_form_token'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='clientsecret',
            name='ended_reason',
            field=models.CharField(blank=True, choices=[('revoked', 'Revoked'), ('expired', 'Expired'), ('leaked', 'Leaked')], max_length=10),
        ),
        migrations.AddField(
            model_name='clientsecret',
            name='expires_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='Expires'),
        ),
        migrations.AddField(
            model_name='clientsecret',
            name='leak_source',
            field=models.CharField(blank=True, max_length=100, verbose_name='Found in'),
        ),
        migrations.AddField(
            model_name='clientsecret',
            name='leak_url',
            field=models.CharField(blank=True, max_length=2000, verbose_name='Found at'),
        ),
        # Every secret revoked before this migration was revoked by a person.
        migrations.RunSQL(
            "UPDATE apps_clientsecret SET ended_reason = 'revoked' WHERE revoked_at IS NOT NULL",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='clientsecret',
            index=models.Index(condition=models.Q(('expires_at__isnull', False), ('revoked_at__isnull', True)), fields=['expires_at'], name='apps_clientsecret_expiring'),
        ),
        migrations.AddConstraint(
            model_name='clientsecret',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('ended_reason', ''), ('revoked_at__isnull', True)), models.Q(('ended_reason__in', ['revoked', 'expired', 'leaked']), ('revoked_at__isnull', False)), _connector='OR'), name='apps_clientsecret_ended_reason'),
        ),
    ]
