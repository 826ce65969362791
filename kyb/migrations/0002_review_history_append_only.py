"""The database's half of "the review history is append-only": no UPDATE of a KybReview row,
whatever issues it. Deleting stays possible only as a cascade, when the organization itself is
deleted (KybReview.delete refuses a single row).

SQLite drops a table's triggers when Django rebuilds the table: a later migration that alters
kyb_kybreview must create this trigger again (tests/kyb/test_review_history.py checks it).
"""

from django.db import migrations

MESSAGE = "kyb_kybreview_append_only: review history entries never change"

SQL = {
    "postgresql": (
        f"""
CREATE FUNCTION kyb_kybreview_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER kyb_kybreview_append_only BEFORE UPDATE ON kyb_kybreview
    FOR EACH ROW EXECUTE FUNCTION kyb_kybreview_refuse_update();
""",
        """
DROP TRIGGER IF EXISTS kyb_kybreview_append_only ON kyb_kybreview;
DROP FUNCTION IF EXISTS kyb_kybreview_refuse_update();
""",
    ),
    "sqlite": (
        f"""
CREATE TRIGGER kyb_kybreview_append_only BEFORE UPDATE ON kyb_kybreview
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
""",
        "DROP TRIGGER IF EXISTS kyb_kybreview_append_only;",
    ),
}


def _run(schema_editor, index: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in SQL:
        raise RuntimeError(f"No append-only trigger for the {vendor} database.")
    schema_editor.execute(SQL[vendor][index], params=None)


def create_trigger(apps, schema_editor) -> None:
    _run(schema_editor, 0)


def drop_trigger(apps, schema_editor) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("kyb", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
