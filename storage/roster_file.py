"""Reading a roster file (.csv or .xlsx) into numbered rows of text, before any validation.

Rows are numbered as a spreadsheet shows them: the header is row 1, so an error "第5行"
points at the line the admin sees in Excel or WPS.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.errors import RosterError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RawRow:
    number: int
    values: dict[str, str]


def _cell(value: object) -> str:
    """Spreadsheet cells as text: 2021210101.0 (a number cell) is the id 2021210101."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header(values: list[object]) -> list[str]:
    return [_cell(v).lstrip("\ufeff").replace("\u3000", "").strip() for v in values]


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM); GB18030 as a fallback, since Excel on a Chinese Windows
    saves "CSV" in the system code page."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise RosterError(f"{path}: 文件不是 UTF-8 编码的 CSV（也不是 GBK）") from e
    log.warning("%s is not UTF-8; read it as GB18030 (GBK)", path)
    return text


def _csv_rows(path: Path) -> Iterator[list[object]]:
    text = _decode(path.read_bytes(), path)
    yield from csv.reader(io.StringIO(text, newline=""))


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
