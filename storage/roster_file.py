"""Reading a sheet (.csv or .xlsx) into numbered rows of text, before any validation: the
roster, the duty roster (storage/duty.py) and key-group lists (storage/keygroups_file.py).

Rows are numbered as a spreadsheet shows them: the header is row 1, so an error "第5行"
points at the line the admin sees in Excel or WPS.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from core.errors import RosterError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawRow:
    number: int
    values: dict[str, str]


_DAY = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?$"
)


def _cell(value: object) -> str:
    """Spreadsheet cells as text: 2021210101.0 (a number cell) is the id 2021210101, and a
    date cell (midnight) is its day, 2020-02-10."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def sheet_day(text: str) -> str | None:
    """A day as people write it in a sheet (2020-02-10, 2020/2/10, 2020年2月10日) as
    YYYY-MM-DD; None when it is not a real date."""
    m = _DAY.match(text.strip())
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _header(values: list[object]) -> list[str]:
    return [_cell(v).lstrip("\ufeff").replace("\u3000", "").strip() for v in values]


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM); GB18030 as a fallback, since Excel on a Chinese Windows
    saves "CSV" in the system code page."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data":  # cut inside the last character
            raise RosterError(f"{path}: 文件在末尾被截断（可能没有保存完整），请重新导出") from e
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise RosterError(f"{path}: 文件不是 UTF-8 编码的 CSV（也不是 GBK）") from e
    log.warning("%s is not UTF-8; read it as GB18030 (GBK)", path)
    return text


def _csv_rows(path: Path) -> Iterator[list[object]]:
    """Strict quoting: a file cut inside a quoted cell (a half-written save) is an error, not
    a last row whose cell runs to the end of the file."""
    text = _decode(path.read_bytes(), path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        yield from reader
    except csv.Error as e:
        raise RosterError(
            f"{path}: 第{reader.line_num}行不是有效的 CSV（{e}），文件可能不完整"
        ) from e


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    import openpyxl  # imported here: only .xlsx imports pay for it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise RosterError(f"{path}: 不是可读的 .xlsx 文件: {e}") from e
    try:
        if not book.worksheets:
            raise RosterError(f"{path}: 工作簿里没有工作表")
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    except RosterError:
        raise
    except Exception as e:  # the sheet's XML is read lazily: a truncated one fails here
        raise RosterError(
            f"{path}: .xlsx 文件已损坏，读不完（{type(e).__name__}），请重新导出"
        ) from e
    finally:
        book.close()


def read_rows(path: str | Path) -> tuple[list[str], list[RawRow]]:
    """The header and the non-blank rows of the file's first sheet."""
    path = Path(path)
    if not path.is_file():
        raise RosterError(f"{path}: 文件不存在")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        source = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        source = _xlsx_rows(path)
    else:
        raise RosterError(f"{path}: 只支持 .csv 或 .xlsx 文件")
    header: list[str] | None = None
    rows: list[RawRow] = []
    for number, values in enumerate(source, start=1):
        if header is None:
            if not any(_cell(v) for v in values):
                raise RosterError(f"{path}: 第{number}行应是表头（学号, 姓名, …），却是空行")
            header = _header(values)
            continue
        cells = [_cell(v) for v in values]
        if not any(cells):
            continue
        rows.append(RawRow(number, {h: c for h, c in zip(header, cells, strict=False) if h}))
    if header is None:
        raise RosterError(f"{path}: 文件是空的")
    return header, rows
