"""The duty roster (值班表): who is the 值班辅导员 and the 值班党员 on which day.

Imported from a sheet (storage/roster_file.py: .csv or the first sheet of an .xlsx) with
the columns 日期, 值班辅导员 学号, 值班党员 学号 (the header may also be written without the
space, or as just 值班辅导员 / 值班党员). Import is all-or-nothing: any bad row fails the whole
file with row-numbered errors, and nothing changes. Rows for a day already in the roster
replace it, so a corrected sheet can be re-imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.errors import RosterError
from storage.backend import Database
from storage.roster_file import read_rows, sheet_day

DATE_COLUMN = "日期"
COUNSELOR_COLUMNS = ("值班辅导员 学号", "值班辅导员学号", "值班辅导员")
OFFICER_COLUMNS = ("值班党员 学号", "值班党员学号", "值班党员")


@dataclass(frozen=True, slots=True)
class DutyPerson:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Duty:
    day: str
    counselor: DutyPerson | None
    officer: DutyPerson | None


def _column(header: list[str], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in header), None)


def read_duty_sheet(db: Database, path: str | Path) -> list[tuple[str, str, str]]:
    """Validate the sheet against the roster; return (day, counselor id, officer id) rows."""
    header, rows = read_rows(path)
    date_col = _column(header, (DATE_COLUMN,))
    counselor_col = _column(header, COUNSELOR_COLUMNS)
    officer_col = _column(header, OFFICER_COLUMNS)
    if date_col is None or counselor_col is None or officer_col is None:
        raise RosterError(
            f"{path}: 第1行应有列 日期、值班辅导员 学号、值班党员 学号，"
            f"实际是 {'、'.join(h for h in header if h) or '空行'}"
        )
    known = {pid for (pid,) in db.execute("SELECT id FROM people WHERE active = 1")}
    errors: list[str] = []
    out: list[tuple[str, str, str]] = []
    seen: dict[str, int] = {}
    for row in rows:
        number = row.number
        written, counselor, officer = (
            row.values.get(c, "") for c in (date_col, counselor_col, officer_col)
        )
        if not (written or counselor or officer):
            continue
        day = sheet_day(written)
        if day is None:
            errors.append(f"第{number}行: 日期 {written!r} 不是 2020-02-10 这样的日期")
        elif day in seen:
            errors.append(f"第{number}行: 日期 {day} 已在第{seen[day]}行出现")
        else:
            seen[day] = number
        for label, pid in (("值班辅导员", counselor), ("值班党员", officer)):
            if not pid:
                errors.append(f"第{number}行: {label} 学号为空")
            elif pid not in known:
                errors.append(f"第{number}行: {label} 学号 {pid} 不在名单里")
        if day:
            out.append((day, counselor, officer))
    if errors:
        raise RosterError(f"{path}:\n" + "\n".join(errors))
    if not out:
        raise RosterError(f"{path}: 没有任何值班行")
    return out


def import_duty(db: Database, path: str | Path, now: datetime) -> int:
    """Validate and store the sheet (replacing the days it names); return the rows stored.

    Does not commit: the caller wraps it in `with db.atomic():` so it is all-or-nothing.
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


def duty_for(db: Database, day: str) -> Duty:
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
