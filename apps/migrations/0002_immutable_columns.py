"""The database's half of "display name, app type and client_id never change".

A trigger refuses any UPDATE that changes those columns (or moves an app to another
organization), whatever issued it: the ORM, raw SQL or a database console.

SQLite drops a table's triggers when Django rebuilds the table, which it does for many
schema changes: a later migration that alters apps_app must create this trigger again.
tests/apps/test_apps.py (the raw SQL UPDATE tests) fails if it is missing.
"""

from django.db import migrations

MESSAGE = "apps_app_immutable: display_name, app_type, client_id and organization never change"

POSTGRESQL_CREATE = f"""
CREATE FUNCTION apps_app_refuse_immutable_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.display_name IS DISTINCT FROM OLD.display_name
       OR NEW.app_type IS DISTINCT FROM OLD.app_type
       OR NEW.client_id IS DISTINCT FROM OLD.client_id
       OR NEW.organization_id IS DISTINCT FROM OLD.organization_id THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER apps_app_immutable BEFORE UPDATE ON apps_app
    FOR EACH ROW EXECUTE FUNCTION apps_app_refuse_immutable_update();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS apps_app_immutable ON apps_app;
DROP FUNCTION IF EXISTS apps_app_refuse_immutable_update();
"""

SQLITE_CREATE = f"""
CREATE TRIGGER apps_app_immutable BEFORE UPDATE ON apps_app
FOR EACH ROW WHEN NEW.display_name IS NOT OLD.display_name
    OR NEW.app_type IS NOT OLD.app_type
    OR NEW.client_id IS NOT OLD.client_id
    OR NEW.organization_id IS NOT OLD.organization_id
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS apps_app_immutable;"

SQL = {
    "postgresql": (POSTGRESQL_CREATE, POSTGRESQL_DROP),
    "sqlite": (SQLITE_CREATE, SQLITE_DROP),
}


def _run(schema_editor, index: int) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in SQL:
        raise RuntimeError(f"No immutability trigger for the {vendor} database.")
    schema_editor.execute(SQL[vendor][index], params=None)


def create_trigger(apps, schema_editor) -> None:
    _run(schema_editor, 0)


def drop_trigger(apps, schema_editor) -> None:
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("apps", "0001_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
