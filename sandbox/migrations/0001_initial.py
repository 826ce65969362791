import django.db.models.deletion
import sandbox.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('apps', '0004_secret_expiry_and_leaks'),
    ]

    operations = [
        migrations.CreateModel(
            name='EndUser',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_id', models.CharField(default=sandbox.models.new_user_id, max_length=32, unique=True)),
                ('external_user_id', models.CharField(max_length=255)),
                ('market', models.CharField(max_length=2)),
                ('locale', models.CharField(max_length=5)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('app', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='end_users', to='apps.app')),
            ],
            options={
                'ordering': ['-created_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='AuthorizationCode',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64, unique=True)),
                ('scope', models.CharField(max_length=1000)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('app', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='apps.app')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sandbox.enduser')),
            ],
        ),
        migrations.AddConstraint(
            model_name='enduser',
            constraint=models.UniqueConstraint(fields=('app', 'external_user_id'), name='sandbox_enduser_external_id_per_app'),
        ),
        migrations.AddConstraint(
            model_name='enduser',
            constraint=models.CheckConstraint(condition=models.Q(('external_user_id', ''), _negated=True), name='sandbox_enduser_external_id_set'),
        ),
        migrations.AddConstraint(
            model_name='enduser',
            constraint=models.CheckConstraint(condition=models.Q(('market__in', ('AT', 'BE', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GB', 'IE', 'IT', 'LT', 'LV', 'NL', 'NO', 'PL', 'PT', 'SE'))), name='sandbox_enduser_market_known'),
        ),
        migrations.AddConstraint(
            model_name='enduser',
            constraint=models.CheckConstraint(condition=models.Q(('user_id__regex', '^[0-9a-f]{32}$')), name='sandbox_enduser_user_id_format'),
        ),
        migrations.AddIndex(
            model_name='authorizationcode',
            index=models.Index(fields=['expires_at'], name='sandbox_code_expires'),
        ),
    ]
