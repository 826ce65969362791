"""The review history's trigger lets one UPDATE through: ON DELETE SET NULL of a deleted
reviewer or submitter (the entry keeps their email). Everything else is still refused."""

from django.db import migrations

from accounts.triggers import append_only

forwards, backwards = append_only(
    "kyb_kybreview",
    columns=("id", "submission_id", "decision", "note", "actor_email", "created_at"),
    nullable=("actor_id",),
)


class Migration(migrations.Migration):
    dependencies = [("kyb", "0002_review_history_append_only")]

    operations = [migrations.RunPython(forwards, backwards)]
