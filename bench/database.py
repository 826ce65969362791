"""What the benchmarks share: the database they run on."""


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it does not exist yet.

    Call after django.setup().
    """
    import psycopg
    from django.db import OperationalError, connection
    from psycopg import sql

    try:
        connection.ensure_connection()
        return
    except OperationalError as exc:
        if connection.vendor != "postgresql" or "does not exist" not in str(exc):
            raise
    params = connection.get_connection_params()
    name = params["dbname"]
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"created database {name}")
