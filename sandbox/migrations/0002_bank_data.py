import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sandbox', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='BankConnection',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('bank', models.CharField(max_length=40)),
                ('market', models.CharField(max_length=2)),
                ('username', models.CharField(max_length=64)),
                ('connected_at', models.DateTimeField(auto_now_add=True)),
                ('last_refreshed_at', models.DateTimeField()),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='bank_connections', to='sandbox.enduser')),
            ],
        ),
        migrations.CreateModel(
            name='Account',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('account_id', models.CharField(max_length=32, unique=True)),
                ('name', models.CharField(max_length=100)),
                ('type', models.CharField(choices=[('CHECKING', 'Checking'), ('SAVINGS', 'Savings'), ('CREDIT_CARD', 'Credit card'), ('LOAN', 'Loan'), ('INVESTMENT', 'Investment'), ('OTHER', 'Other')], max_length=20)),
                ('currency', models.CharField(max_length=3)),
                ('booked_balance', models.BigIntegerField()),
                ('available_balance', models.BigIntegerField()),
                ('scale', models.PositiveSmallIntegerField(default=2)),
                ('last_refreshed', models.DateTimeField()),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sandbox.enduser')),
                ('connection', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='accounts', to='sandbox.bankconnection')),
            ],
        ),
        migrations.CreateModel(
            name='Transaction',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('transaction_id', models.CharField(max_length=32, unique=True)),
                ('booked_date', models.DateField()),
                ('amount', models.BigIntegerField()),
                ('scale', models.PositiveSmallIntegerField(default=2)),
                ('currency', models.CharField(max_length=3)),
                ('description_original', models.CharField(max_length=200)),
                ('description_display', models.CharField(max_length=200)),
                ('status', models.CharField(choices=[('BOOKED', 'Booked'), ('PENDING', 'Pending')], default='BOOKED', max_length=10)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='transactions', to='sandbox.account')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='sandbox.enduser')),
            ],
        ),
        migrations.AddConstraint(
            model_name='bankconnection',
            constraint=models.UniqueConstraint(fields=('user', 'bank'), name='sandbox_connection_per_bank'),
        ),
        migrations.AddIndex(
            model_name='account',
            index=models.Index(fields=['user', 'id'], name='sandbox_account_user'),
        ),
        migrations.AddConstraint(
            model_name='account',
            constraint=models.CheckConstraint(condition=models.Q(('account_id__regex', '^[0-9a-f]{32}$')), name='sandbox_account_id_format'),
        ),
        migrations.AddIndex(
            model_name='transaction',
            index=models.Index(fields=['user', '-booked_date', '-id'], name='sandbox_tx_user_booked'),
        ),
        migrations.AddIndex(
            model_name='transaction',
            index=models.Index(fields=['account', '-booked_date', '-id'], name='sandbox_tx_account_booked'),
        ),
        migrations.AddConstraint(
            model_name='transaction',
            constraint=models.CheckConstraint(condition=models.Q(('transaction_id__regex', '^[0-9a-f]{32}$')), name='sandbox_transaction_id_format'),
        ),
    ]
