"""The roster's 学校 column: several universities in one database, each in its own tree."""

from __future__ import annotations

import pytest

from core.errors import RosterError
from storage import schools
from storage.nodes import by_path
from storage.roster import import_roster
from tests.roster_helpers import BASE, row, write_csv
from tests.schools_helpers import DEFAULT, HEADER, OTHER, ROWS, import_two_schools

pytestmark = pytest.mark.both_stores


def school_of_person(db, pid):
    return db.execute(
        "SELECT s.name FROM people p JOIN schools s ON s.id = p.school_id WHERE p.id = ?", [pid]
    ).fetchone()[0]


def test_a_roster_without_the_column_is_the_default_school(db, clock, tmp_path):
    schools.set_default_name(db, "平安大学")
    import_roster(db, write_csv(tmp_path / "r.csv", BASE), now=clock.now())
    assert db.execute("SELECT id, name FROM schools").fetchall() == [(1, "平安大学")]
    assert {r[0] for r in db.execute("SELECT school_id FROM people")} == {1}
    assert {r[0] for r in db.execute("SELECT school_id FROM nodes")} == {1}
    assert by_path(db, "计算机学院/2021级/计科1班") is not None  # paths as before


def test_two_schools_may_both_have_the_same_class(db, clock, tmp_path):
    import_two_schools(db, tmp_path, clock.now())
    assert [r[0] for r in db.execute("SELECT name FROM schools ORDER BY id")] == [DEFAULT, OTHER]
    assert school_of_person(db, "1001") == school_of_person(db, "1003") == DEFAULT
    assert school_of_person(db, "P01") == DEFAULT
    assert school_of_person(db, "2001") == school_of_person(db, "B01") == OTHER
    ours = by_path(db, "计算机学院/2021级/计科1班")
    theirs = db.execute(
        "SELECT id, school_id FROM nodes WHERE path = ?", [f"{OTHER}/计算机学院/2021级/计科1班"]
    ).fetchone()
    assert ours is not None and theirs is not None and ours.id != theirs[0]
    classes = dict(db.execute("SELECT id, class_id FROM people WHERE id IN ('1001', '2001')"))
    assert classes == {"1001": ours.id, "2001": theirs[0]}
    # 乙老师's 负责 计算机学院/2021级 is their own school's grade, not 平安大学's
    (responsible,) = db.execute(
        "SELECT n.path FROM responsibilities r JOIN nodes n ON n.id = r.node_id"
        " WHERE r.person_id = 'BT1'"
    ).fetchall()
    assert responsible == (f"{OTHER}/计算机学院/2021级",)


def test_one_schools_roster_leaves_the_other_school_alone(db, clock, tmp_path):
    import_two_schools(db, tmp_path, clock.now())
    only_other = [r for r in ROWS if r[2] == OTHER and r[0] != "2002"]
    file = write_csv(tmp_path / "b.csv", only_other, header=HEADER)
    result = import_roster(db, file, now=clock.now())
    assert result.deactivated == 1  # 2002, gone from 师范大学's file
    active = dict(db.execute("SELECT id, active FROM people"))
    assert active["2002"] == 0
    assert active["1001"] == active["A01"] == active["P01"] == 1  # not in that school


def test_a_school_name_with_a_slash_is_a_row_error(db, clock, tmp_path):
    bad = [row("9001,某某,师范/大学,文学院,2022级,汉语1班,学生,,")]
    with pytest.raises(RosterError) as err:
        import_roster(db, write_csv(tmp_path / "bad.csv", bad, header=HEADER), now=clock.now())
    assert "第2行: 学校 '师范/大学' 里不能有 '/'" in str(err.value)
    assert db.execute("SELECT count(*) FROM people").fetchone()[0] == 0


def test_the_config_names_the_default_school(db, clock, tmp_path):
    from core.config import Config
    from storage.startup import prepare

    roster = write_csv(tmp_path / "r.csv", BASE)
    prepare(db, Config(base_dir=tmp_path, roster=str(roster), school="江南大学"), clock.now())
    assert schools.default_name(db) == "江南大学"
    # a row naming the default school is that school, without a path prefix
    same = [row("9001,某某,江南大学,计算机学院,2021级,计科1班,学生,,")]
    import_roster(db, write_csv(tmp_path / "s.csv", same, header=HEADER), now=clock.now())
    assert db.execute("SELECT school_id FROM people WHERE id = '9001'").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM schools").fetchone()[0] == 1


def test_the_default_school_cannot_take_another_schools_name(db, clock, tmp_path):
    from core.errors import ConfigError
    from tests.schools_helpers import import_two_schools

    import_two_schools(db, tmp_path, clock.now())
    with pytest.raises(ConfigError, match="已是数据库里另一所学校的名字"):
        schools.set_default_name(db, OTHER)
    assert schools.default_name(db) == DEFAULT
