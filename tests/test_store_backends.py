"""The two stores behind `storage.url`: the same schema, the same answers, clear errors.

The storage, message-path, scheduler and outbox tests run on both stores (`both_stores`);
these pin the parts of the PostgreSQL layer those tests only reach indirectly.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bot.ops.health import store_problem
from core.config import load_config
from core.errors import ConfigError
from storage.backend import is_postgres
from storage.backend_pg import PostgresDatabase, pg_sql
from storage.db import inserted_id, open_db, open_store
from storage.migrations import MIGRATIONS, SchemaTooNew
from storage.migrations_pg import migrate_pg
from tests.conftest import REPO

both_stores = pytest.mark.both_stores


@pytest.mark.parametrize(
    ("sqlite", "psycopg"),
    [
        ("SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = %s AND b = %s"),
        ("WHERE day = :day AND x <= :day", "WHERE day = %(day)s AND x <= %(day)s"),
        # quoted text keeps its ? and :name, and every % is doubled for psycopg
        ("WHERE k LIKE 'a:%' AND t = '12:30?'", "WHERE k LIKE 'a:%%' AND t = '12:30?'"),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', %s"),
        ("SELECT x::date, 5 % 2", "SELECT x::date, 5 %% 2"),
        ("SELECT 1 -- why? :because\n, ?", "SELECT 1 -- why? :because\n, %s"),
    ],
)
def test_sqlite_placeholders_become_psycopg_ones(sqlite, psycopg):
    assert pg_sql(sqlite) == psycopg


@both_stores
def test_every_table_has_the_same_columns_on_both_stores(db, tmp_path):
    reference = open_db(tmp_path / "reference.db")
    tables = {t for t in reference.table_names() if not t.startswith("sqlite_")}
    assert set(db.table_names()) - {"pingan_schema"} == tables
    for table in tables:
        assert list(db[table].columns_dict) == list(reference[table].columns_dict), table
    reference.close()


@both_stores
def test_sqlite_date_and_text_functions_mean_the_same_on_both(db):
    row = db.execute(
        """SELECT julianday('2020-02-10T07:00:00+08:00') < julianday('2020-02-10T00:00:00+00:00'),
                  date('2020-02-10', '+' || 14 || ' days'),
                  date('2020-02-28', '+' || 2 || ' days'),
                  json_valid('{"a": 1}'), json_valid('not json')""",
    ).fetchone()
    assert [bool(row[0]), row[1], row[2], bool(row[3]), bool(row[4])] == [
        True, "2020-02-24", "2020-03-01", True, False,
    ]  # fmt: skip
    db.execute("INSERT INTO nodes (path, name, kind) VALUES ('a', 'A', 'school')")
    for name in ("x", "y"):
        db.execute(
            "INSERT INTO nodes (path, name, kind, parent_id) VALUES (?, ?, 'class', 1)",
            [f"a/{name}", name],
        )
    joined = db.execute(
        "SELECT group_concat(name, '|') FROM nodes WHERE parent_id = 1"
    ).fetchone()[0]
    assert sorted(joined.split("|")) == ["x", "y"]


@both_stores
def test_ids_transactions_and_savepoints_behave_alike(db):
    def add(path: str) -> int:
        return inserted_id(
            db.execute("INSERT INTO nodes (path, name, kind) VALUES (?, ?, 'school')", [path, path])
        )

    assert [add("a"), add("b")] == [1, 2]
    with pytest.raises(RuntimeError), db.atomic():
        add("c")
        raise RuntimeError("rolled back whole")
    with db.atomic():
        add("d")
        with pytest.raises(RuntimeError), db.atomic():
            add("e")
            raise RuntimeError("only the inner part goes")
    paths = [r[0] for r in db.execute("SELECT path FROM nodes ORDER BY id")]
    assert paths == ["a", "b", "d"]
    assert not db.conn.in_transaction


@both_stores
def test_an_empty_in_list_means_what_sqlite_says(db):
    """`IN ()` from a list built of no values: nothing is in it, everything is not in it."""
    db.execute("INSERT INTO nodes (path, name, kind) VALUES ('a', 'A', 'school')")
    count = "SELECT count(*) FROM nodes WHERE {}"
    assert db.execute(count.format("id IN ()")).fetchone()[0] == 0
    assert db.execute(count.format("path || ':' || name NOT IN ( )")).fetchone()[0] == 1
    assert db.execute(count.format("NULL NOT IN () AND ? = 1"), [1]).fetchone()[0] == 1


@both_stores
def test_a_flag_given_as_a_bool_is_stored_as_the_integer_sqlite_keeps(db):
    db.execute(
        "INSERT INTO people (id, name, active, updated_at) VALUES ('p1', '张三', ?, 'x')", [False]
    )
    assert db.execute("SELECT active FROM people WHERE id = 'p1'").fetchone()[0] == 0


NOW = datetime(2020, 2, 10, 7, 0, tzinfo=UTC)


@both_stores
def test_the_health_probe_commits_on_either_store(db):
    assert store_problem(db, NOW) is None
    assert db.execute("SELECT at FROM health_probe").fetchone()[0] == NOW.isoformat()


def test_a_lost_postgres_connection_is_an_unwritable_store_not_a_busy_one(pg_cluster):
    url = pg_cluster.fresh_database()
    db = open_store(url)
    db.close()  # as after the server went away: no transaction is running on it
    assert (store_problem(db, NOW) or "").startswith("store not writable: ")
    pg_cluster.drop(url)


def test_postgres_migrations_run_once_and_a_newer_schema_is_refused(pg_cluster):
    url = pg_cluster.fresh_database()
    db = open_store(url)
    assert is_postgres(db)
    assert db.execute("SELECT version FROM pingan_schema").fetchone()[0] == len(MIGRATIONS)
    assert migrate_pg(db) == len(MIGRATIONS)  # nothing left to run
    assert db.execute("SELECT count(*) FROM pingan_schema").fetchone()[0] == 1
    db.execute("UPDATE pingan_schema SET version = ?", [len(MIGRATIONS) + 1])
    db.close()
    with pytest.raises(SchemaTooNew):
        migrate_pg(PostgresDatabase(url))
    pg_cluster.drop(url)


def test_the_audit_log_stays_append_only_on_postgres(pg_cluster):
    url = pg_cluster.fresh_database()
    db = open_store(url)
    db.execute("INSERT INTO audit_log (at, action, detail, hash) VALUES ('t', 'x', '{}', 'h')")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM audit_log")
    with pytest.raises(Exception, match="sealed"):
        db.execute("UPDATE audit_log SET action = 'y'")
    db.execute("UPDATE audit_log SET detail = '{\"redacted\": true}'")  # free text may go
    db.close()
    pg_cluster.drop(url)


def test_a_sqlite_deployment_never_loads_psycopg(tmp_path):
    """psycopg costs a tenth of a second to import: only a PostgreSQL store loads it."""
    code = (
        "import sys, bot.assemble, bot.cli, storage.db;"
        f"storage.db.open_store('sqlite:///{tmp_path / 'x.db'}');"
        "print('psycopg' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "False", out.stderr


def _config(tmp_path, storage: str):
    path = tmp_path / "config.yaml"
    path.write_text(f"storage: {storage}\n", encoding="utf-8")
    return path


def test_storage_url_defaults_to_the_sqlite_file_and_reads_relative_to_the_config(tmp_path):
    default = load_config(_config(tmp_path, "{}"))
    assert default.store_url == f"sqlite:///{tmp_path / 'pingan.db'}"
    config = load_config(_config(tmp_path, "{url: 'sqlite:///data/x.db'}"))
    assert config.db_path == tmp_path / "data" / "x.db"
    url = "postgresql://pingan@127.0.0.1:5432/pingan"
    assert load_config(_config(tmp_path, f"{{url: '{url}'}}")).store_url == url


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        ("{url: 'mysql://db/pingan'}", "storage.url: expected sqlite:///path"),
        ("{url: 'postgresql://u@h:port/db'}", "storage.url: not a valid PostgreSQL URL"),
        ("{url: 'sqlite:///a.db', path: b.db}", "set storage.url or storage.path, not both"),
    ],
)
def test_a_bad_storage_url_is_refused_with_what_to_write(tmp_path, storage, expected):
    with pytest.raises(ConfigError, match=expected):
        load_config(_config(tmp_path, storage))
