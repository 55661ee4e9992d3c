"""The unified PostgreSQL warehouse: connection, embedded server, migrations, DDL."""
