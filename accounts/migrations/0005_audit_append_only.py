from django.db import migrations

from accounts.triggers import append_only

forwards, backwards = append_only(
    "accounts_auditevent",
    columns=(
        "id",
        "organization_id",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "target_label",
        "details",
        "ip",
        "user_agent",
        "created_at",
    ),
    nullable=("actor_id",),
)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_team")]

    operations = [migrations.RunPython(forwards, backwards)]
