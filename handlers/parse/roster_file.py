"""The names column of a roster file, for `pingan parse --roster` and the parse benchmark.

Only the 姓名 column matters to the parser; the full import (validation, hierarchy,
accounts) is storage's job. The file is read by the roster importer's own reader, so both
accept the same files (.csv in UTF-8 or GBK, .xlsx) and reject damaged ones the same way.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import RosterError
from storage.roster_file import read_rows

NAME_COLUMN = "姓名"


def roster_names(path: str | Path) -> list[str]:
    header, rows = read_rows(path)
    if NAME_COLUMN not in header:
        raise RosterError(f"{path}: 第1行没有「{NAME_COLUMN}」列")
    return [name for row in rows if (name := row.values.get(NAME_COLUMN, "").strip())]
