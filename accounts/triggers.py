"""Database triggers that make a table append-only, for the migrations that install them.

An UPDATE is refused unless it only sets a person column to NULL: deleting a user nulls their
`actor_id` (ON DELETE SET NULL), and the entry keeps the actor's email. Deleting rows stays
possible, as the cascade of deleting their organization.

SQLite drops a table's triggers when Django rebuilds the table, which it does for many schema
changes: a later migration that alters such a table must install its trigger again.
"""

from collections.abc import Callable


def _message(table: str) -> str:
    return f"{table}_append_only: entries are never changed"


def _postgresql(table: str, columns: tuple[str, ...], nullable: tuple[str, ...]) -> tuple[str, str]:
    changed = [f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns] + [
        f"(NEW.{c} IS DISTINCT FROM OLD.{c} AND NEW.{c} IS NOT NULL)" for c in nullable
    ]
    create = f"""
CREATE OR REPLACE FUNCTION {table}_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF {" OR ".join(changed)} THEN
        RAISE EXCEPTION '{_message(table)}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_refuse_update();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP FUNCTION IF EXISTS {table}_refuse_update();
"""
    return create, drop


def _sqlite(table: str, columns: tuple[str, ...], nullable: tuple[str, ...]) -> tuple[str, str]:
    changed = [f"NEW.{c} IS NOT OLD.{c}" for c in columns] + [
        f"(NEW.{c} IS NOT OLD.{c} AND NEW.{c} IS NOT NULL)" for c in nullable
    ]
    create = f"""
DROP TRIGGER IF EXISTS {table}_append_only;
CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table}
FOR EACH ROW WHEN {" OR ".join(changed)}
BEGIN
    SELECT RAISE(ABORT, '{_message(table)}');
END;
"""
    return create, f"DROP TRIGGER IF EXISTS {table}_append_only;"


def append_only(
    table: str, *, columns: tuple[str, ...], nullable: tuple[str, ...] = ()
) -> tuple[Callable, Callable]:
    """RunPython functions (forwards, backwards) installing the trigger on `table`."""
    builders = {"postgresql": _postgresql, "sqlite": _sqlite}

    def run(schema_editor, index: int) -> None:
        vendor = schema_editor.connection.vendor
        if vendor not in builders:
            raise RuntimeError(f"No append-only trigger for the {vendor} database.")
        for statement in _statements(builders[vendor](table, columns, nullable)[index], vendor):
            schema_editor.execute(statement, params=None)

    return (lambda apps, editor: run(editor, 0)), (lambda apps, editor: run(editor, 1))


def _statements(sql: str, vendor: str) -> list[str]:
    # PostgreSQL takes the script at once (the function body holds semicolons); SQLite's
    # driver runs one statement per call, and a trigger body ends with "END;".
    if vendor == "postgresql":
        return [sql]
    head, sep, rest = sql.partition("CREATE TRIGGER")
    return [part for part in (head.strip(), (sep + rest).strip()) if part]
