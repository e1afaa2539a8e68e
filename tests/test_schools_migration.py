"""A single-school database with data, from before schools existed, upgrades into school 1."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from storage import schools
from storage.migrations import MIGRATIONS, V_SCHOOLS, migrate
from storage.roster import import_roster
from tests.roster_helpers import write_csv
from tests.schools_helpers import HEADER, ROWS
from tests.test_migrations_with_data import build_at

STAMP = "2020-02-01T08:00:00+08:00"
NOW = datetime(2020, 2, 10, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def old_school(tmp_path):
    """The schema just before V_SCHOOLS, holding a college, a class, two students and a report."""
    db = build_at(tmp_path / "old.db", MIGRATIONS.index(V_SCHOOLS))
    db.execute(
        "INSERT INTO nodes (id, path, name, kind) VALUES (1, '计算机学院', '计算机学院', 'college')"
    )
    db.execute(
        "INSERT INTO nodes (id, path, name, kind, parent_id)"
        " VALUES (2, '计算机学院/2021级/计科1班', '计科1班', 'class', 1)"
    )
    db.conn.executemany(
        "INSERT INTO people (id, name, role, class_id, updated_at) VALUES (?, ?, '学生', 2, ?)",
        [("1001", "张三丰", STAMP), ("1002", "李四海", STAMP)],
    )
    db.execute(
        "INSERT INTO reports (person_id, day, class_id, temperature, abnormal, source,"
        " created_at, updated_at) VALUES ('1001', '2020-02-10', 2, 38.2, 1, 'free', ?, ?)",
        [STAMP, STAMP],
    )
    db.conn.commit()
    return db


def test_existing_data_lands_in_the_default_school(tmp_path):
    db = old_school(tmp_path)
    assert migrate(db) == len(MIGRATIONS)
    assert db.execute("SELECT id, name FROM schools").fetchall() == [(1, "本校")]
    assert db.execute("SELECT DISTINCT school_id FROM nodes").fetchall() == [(1,)]
    assert db.execute("SELECT DISTINCT school_id FROM people").fetchall() == [(1,)]
    assert db.execute("SELECT person_id, temperature FROM reports").fetchall() == [("1001", 38.2)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    schools.set_default_name(db, "平安大学")  # the config's `school:` at the next start
    (counts,) = schools.province_counts(db, "2020-02-10")
    assert (counts.school, counts.expected, counts.reported, counts.abnormal) == (
        "平安大学", 2, 1, 1
    )


def test_a_second_school_joins_the_upgraded_database(tmp_path):
    db = old_school(tmp_path)
    migrate(db)
    schools.set_default_name(db, "平安大学")
    import_roster(db, write_csv(tmp_path / "r.csv", ROWS, header=HEADER), now=NOW)
    # 平安大学's rows (学校 empty) are the old school: same class node, same report
    rows = db.execute("SELECT id, class_id, school_id FROM people WHERE id IN ('1001', '2001')")
    assert dict((pid, (cls, school)) for pid, cls, school in rows)["1001"] == (2, 1)
    assert db.execute("SELECT count(*) FROM reports WHERE person_id = '1001'").fetchone()[0] == 1
    names = [c.school for c in schools.province_counts(db, "2020-02-10")]
    assert names == ["平安大学", "师范大学"]
