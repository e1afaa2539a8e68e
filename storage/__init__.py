"""SQLite through sqlite-utils: schema, migrations, roster import, queries, ledger export."""
