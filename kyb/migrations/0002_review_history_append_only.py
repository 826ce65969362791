"""The database's half of "the review history is append-only": no UPDATE of a KybReview row,
whatever issues it, but for ON DELETE SET NULL of a deleted reviewer or submitter (the entry
keeps their email). Deleting stays possible only as a cascade, when the organization itself is
deleted (KybReview.delete refuses a single row). See accounts/triggers.py.
"""

from django.db import migrations

from accounts.triggers import append_only

forwards, backwards = append_only(
    "kyb_kybreview",
    columns=("id", "submission_id", "decision", "note", "actor_email", "created_at"),
    nullable=("actor_id",),
)


class Migration(migrations.Migration):
    dependencies = [("kyb", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
