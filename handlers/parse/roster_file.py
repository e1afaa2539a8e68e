"""The names column of a roster file, for `pingan parse --roster` and the parse benchmark.

Only the 姓名 column matters to the parser; the full import (validation, hierarchy,
accounts) is storage's job. Accepts .csv (UTF-8, with or without BOM) and .xlsx (first sheet).
"""

from __future__ import annotations

import csv
from pathlib import Path

from bot.errors import RosterError

NAME_COLUMN = "姓名"


def roster_names(path: str | Path) -> list[str]:
    path = Path(path)
    try:
        if path.suffix.lower() == ".xlsx":
            rows = _xlsx_rows(path)
        else:
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.reader(f))
    except OSError as e:
        raise RosterError(f"{path}: cannot read ({e.strerror or e})") from e
    except (UnicodeDecodeError, csv.Error, ValueError) as e:
        raise RosterError(f"{path}: not a UTF-8 .csv or an .xlsx file ({e})") from e
    if not rows:
        raise RosterError(f"{path}: empty file")
    header = [str(c or "").strip() for c in rows[0]]
    if NAME_COLUMN not in header:
        raise RosterError(f"{path}: row 1 has no {NAME_COLUMN} column")
    col = header.index(NAME_COLUMN)
    return [
        str(r[col]).strip() for r in rows[1:] if len(r) > col and r[col] and str(r[col]).strip()
    ]


def _xlsx_rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
