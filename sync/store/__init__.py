"""The master store: tables, migrations, and the repository the engine reads and writes through."""
