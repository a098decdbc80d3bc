"""The DuckDB store: schema, connections, import and validation, bootstrap, command line."""
