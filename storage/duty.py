"""The duty roster (值班表): who is the 值班辅导员 and the 值班党员 on which day.

Imported from a sheet (.csv UTF-8 with or without BOM, or the first sheet of an .xlsx) with
the columns 日期, 值班辅导员 学号, 值班党员 学号 (the header may also be written without the
space, or as just 值班辅导员 / 值班党员). Import is all-or-nothing: any bad row fails the whole
file with row-numbered errors, and nothing changes. Rows for a day already in the roster
replace it, so a corrected sheet can be re-imported.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import sqlite_utils

from bot.errors import RosterError

DATE_COLUMN = "日期"
COUNSELOR_COLUMNS = ("值班辅导员 学号", "值班辅导员学号", "值班辅导员")
OFFICER_COLUMNS = ("值班党员 学号", "值班党员学号", "值班党员")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


@dataclass(frozen=True, slots=True)
class DutyPerson:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Duty:
    day: str
    counselor: DutyPerson | None
    officer: DutyPerson | None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_rows(path: Path) -> list[list[object]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as f:
                return [list(row) for row in csv.reader(f)]
        if suffix == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
            finally:
                book.close()
    except FileNotFoundError as e:
        raise RosterError(f"{path}: file not found") from e
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as e:
        raise RosterError(f"{path}: cannot read: {e}") from e
    raise RosterError(f"{path}: expected a .csv or .xlsx file")


def _parse_day(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    m = _DATE.match(_cell(value))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def read_duty_sheet(db: sqlite_utils.Database, path: str | Path) -> list[tuple[str, str, str]]:
    """Validate the sheet against the roster; return (day, counselor id, officer id) rows."""
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise RosterError(f"{path}: empty file")
    header = [_cell(c).replace("\u3000", " ") for c in rows[0]]
    cols = (
        _column(header, (DATE_COLUMN,)),
        _column(header, COUNSELOR_COLUMNS),
        _column(header, OFFICER_COLUMNS),
    )
    if None in cols:
        raise RosterError(
            f"{path}: row 1: expected the columns 日期, 值班辅导员 学号, 值班党员 学号; "
            f"found {', '.join(h for h in header if h) or 'nothing'}"
        )
    known = {pid for (pid,) in db.execute("SELECT id FROM people WHERE active = 1")}
    errors: list[str] = []
    out: list[tuple[str, str, str]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [row[i] if i < len(row) else None for i in cols]  # type: ignore[operator]
        if all(_cell(c) == "" for c in cells):
            continue
        day = _parse_day(cells[0])
        counselor, officer = _cell(cells[1]), _cell(cells[2])
        if day is None:
            errors.append(f"row {number}: 日期 {_cell(cells[0])!r} is not a date like 2020-02-10")
        elif day in seen:
            errors.append(f"row {number}: 日期 {day} already given in row {seen[day]}")
        else:
            seen[day] = number
        for label, pid in (("值班辅导员", counselor), ("值班党员", officer)):
            if not pid:
                errors.append(f"row {number}: {label} 学号 is empty")
            elif pid not in known:
                errors.append(f"row {number}: {label} 学号 {pid} is not in the roster")
        if day:
            out.append((day, counselor, officer))
    if errors:
        raise RosterError(f"{path}:\n" + "\n".join(errors))
    if not out:
        raise RosterError(f"{path}: no duty rows")
    return out


def import_duty(db: sqlite_utils.Database, path: str | Path, now: datetime) -> int:
    """Validate and store the sheet (replacing the days it names); return the rows stored.

    Does not commit: the caller wraps it in `with db.conn:` so it is all-or-nothing.
    """
    path = Path(path)
    rows = read_duty_sheet(db, path)
    db.conn.executemany(
        """INSERT INTO duty_roster (day, counselor_id, officer_id) VALUES (?, ?, ?)
           ON CONFLICT(day) DO UPDATE SET counselor_id = excluded.counselor_id,
             officer_id = excluded.officer_id""",
        rows,
    )
    db.execute(
        "INSERT INTO imports (kind, file, file_mtime, rows, at) VALUES ('duty', ?, ?, ?, ?)",
        [str(path), path.stat().st_mtime, len(rows), now.isoformat()],
    )
    return len(rows)


def duty_for(db: sqlite_utils.Database, day: str) -> Duty:
    """The day's 值班辅导员 and 值班党员 (either None when the roster does not name them)."""
    row = db.execute(
        """SELECT c.id, c.name, o.id, o.name FROM duty_roster d
           LEFT JOIN people c ON c.id = d.counselor_id
           LEFT JOIN people o ON o.id = d.officer_id
           WHERE d.day = ?""",
        [day],
    ).fetchone()
    if row is None:
        return Duty(day, None, None)
    counselor = DutyPerson(row[0], row[1]) if row[0] else None
    officer = DutyPerson(row[2], row[3]) if row[2] else None
    return Duty(day, counselor, officer)
