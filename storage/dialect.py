"""Where SQLite and PostgreSQL truly differ, in one place.

The SQL in storage/ and handlers/ is written once, for both: upserts use `ON CONFLICT`
(either `(target) DO UPDATE SET x = excluded.x` or a bare `DO NOTHING`, which both accept
instead of SQLite's `INSERT OR IGNORE`), and timestamps stay ISO text. SQLite's date and
text functions the queries use (julianday, date(day, '+N days'), group_concat, json_valid,
json_extract) are given to PostgreSQL as SQL functions of the same name and
meaning (PG_FUNCTIONS, installed by the first PostgreSQL migration), so those queries need
no second spelling either. What is left differs in syntax, not in functions: the helpers
below.
"""

from __future__ import annotations

from storage.backend import Database, is_postgres

#: SQLite's functions the queries use, with SQLite's meaning, for PostgreSQL. Sessions run
#: in UTC (storage/backend_pg.py), as SQLite's date functions do.
PG_FUNCTIONS = """
        CREATE FUNCTION julianday(stamp text) RETURNS double precision
            LANGUAGE sql IMMUTABLE STRICT
            RETURN extract(epoch FROM stamp::timestamptz) / 86400.0 + 2440587.5;
        -- date(day, '+N days'): only the modifier form the queries use
        CREATE FUNCTION date(day text, modifier text) RETURNS text
            LANGUAGE sql IMMUTABLE STRICT
            RETURN to_char(day::date + modifier::interval, 'YYYY-MM-DD');
        CREATE FUNCTION pingan_concat(acc text, value text, sep text) RETURNS text
            LANGUAGE sql IMMUTABLE
            RETURN CASE WHEN value IS NULL THEN acc WHEN acc IS NULL THEN value
                        ELSE acc || sep || value END;
        CREATE AGGREGATE group_concat(text, text) (SFUNC = pingan_concat, STYPE = text);
        CREATE FUNCTION json_valid(doc text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN PERFORM doc::jsonb; RETURN doc IS NOT NULL;
            EXCEPTION WHEN others THEN RETURN false; END $$;
        -- json_extract(doc, '$.a.b') as text ('true' for a JSON true); NULL when not JSON
        CREATE FUNCTION json_extract(doc text, path text) RETURNS text
            LANGUAGE plpgsql IMMUTABLE AS $$
            BEGIN RETURN doc::jsonb #>> string_to_array(substr(path, 3), '.');
            EXCEPTION WHEN others THEN RETURN NULL; END $$;
"""


def json_true(db: Database, expr: str) -> str:
    """SQL: the JSON value `expr` (a json_extract) is true. SQLite reads true as 1; the
    PostgreSQL json_extract above gives the text 'true'."""
    return f"({expr} IS NOT DISTINCT FROM 'true')" if is_postgres(db) else f"({expr} IS 1)"


def driving_join(db: Database) -> str:
    """An inner join whose left side drives: SQLite's CROSS JOIN … ON fixes the join order
    (its planner picks badly on these); PostgreSQL's planner needs no hint and has no such
    syntax."""
    return "JOIN" if is_postgres(db) else "CROSS JOIN"


def json_pairs(db: Database, first: str, second: str) -> str:
    """SQL aggregate: the JSON text of a list of [first, second] pairs, '[]' for no rows."""
    if is_postgres(db):
        return f"coalesce(json_agg(json_build_array({first}, {second}))::text, '[]')"
    return f"json_group_array(json_array({first}, {second}))"


def write_order(db: Database) -> str:
    """SQL: a column ordering a table's rows by when they were written, for tables without an
    id (ties of equal timestamps). SQLite's rowid; PostgreSQL's xmin, the writing
    transaction's id (each write here is its own transaction, in order)."""
    return "xmin::text::bigint" if is_postgres(db) else "rowid"
