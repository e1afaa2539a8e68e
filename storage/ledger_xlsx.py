"""The ledger (台账) as an .xlsx workbook that opens cleanly in Excel and WPS.

Sheets: 汇总 (counts per node and day), one per class (a row per student, a column group per
day), one per key group (a line per student and day under observation), 异常跟踪 (cases),
知识竞答 (per quiz round and class: participation and average score, no student by name).
Only plain features are used (merged day headers, fills, thin borders, frozen panes, column
widths), which WPS renders the same as Excel.

Speed and memory: a school's week is hundreds of thousands of cells. The workbook is
write-only (rows stream to disk instead of living as cell objects), styles are registered
once as named styles and assigned by name, and column widths are measured while the rows
are buffered as plain tuples.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from storage.ledger import SOURCE_LABELS, Ledger, place
from storage.report_flags import LATE

CLASS_FIXED = ("学号", "姓名", "宿舍", "重点群体")
DAY_COLUMNS = ("体温", "状态", "地点", "来源", "备注")
SUMMARY_FIXED = ("节点", "层级", "人数")
SUMMARY_DAY = ("应报", "实报", "未报", "异常", "请假")
KEY_COLUMNS = (
    "日期", "学号", "姓名", "班级", "观察进度", "起始日期", "结束日期", "体温", "状态", "地点",
)  # fmt: skip
CONTACT_COLUMNS = ("日期", "班级", "学号", "姓名", "情况", "电话", "家长电话")
CASE_COLUMNS = (
    "编号", "学号", "姓名", "班级", "发现日期", "原因", "最近异常日期", "状态", "结案时间",
    "结案人", "说明",
)  # fmt: skip
QUIZ_COLUMNS = ("轮次", "开始日期", "题数", "班级", "人数", "参与人数", "参与率", "平均答对")
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
# Text a spreadsheet may read as a formula (or, for the last two, a formula after trimming):
# names, dorms, notes and reasons come from rosters and chat, so "=HYPERLINK(...)" is data.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 6, 40

HEAD, CELL, TEMP, ABNORMAL, MISSING = "台账表头", "台账", "台账体温", "台账异常", "台账未报"


def _styles() -> list[NamedStyle]:
    thin = Side(style="thin", color="BFBFBF")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head = NamedStyle(HEAD, font=Font(bold=True), border=box)
    head.fill = PatternFill("solid", fgColor="DDEBF7")
    head.alignment = Alignment(horizontal="center", vertical="center")
    temp = NamedStyle(TEMP, border=box, number_format="0.0")
    abnormal = NamedStyle(ABNORMAL, border=box, fill=PatternFill("solid", fgColor="F8CBAD"))
    missing = NamedStyle(MISSING, border=box, fill=PatternFill("solid", fgColor="FFF2CC"))
    return [head, NamedStyle(CELL, border=box), temp, abnormal, missing]


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    base = BAD_SHEET_CHARS.sub("-", name)[:31] or "Sheet"
    title, n = base, 2
    while title in taken:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _display_width(value: object) -> int:
    """Characters as a spreadsheet shows them: a Han character is two columns wide."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


class SheetWriter:
    """Buffers one sheet's cells, measuring each column's widest value, then streams them
    to a write-only worksheet: widths, frozen panes and merges must precede the rows."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws = ws
        self.rows: list[list[tuple[object, str | None]]] = []
        self.widths: dict[int, int] = {}
        self.merges: list[str] = []
        self.freeze: str | None = None

    def put(
        self, row: int, column: int, value: object, style: str = CELL, measure: bool = True
    ) -> None:
        while len(self.rows) < row:
            self.rows.append([])
        cells = self.rows[row - 1]
        while len(cells) < column:
            cells.append((None, None))
        cells[column - 1] = (value, style)
        if measure and value is not None:
            width = _display_width(value)
            if width > self.widths.get(column, 0):
                self.widths[column] = width

    def row(self, row: int, values: Sequence[object], start: int = 1, style: str = CELL) -> None:
        for i, value in enumerate(values):
            self.put(row, start + i, value, style)

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.merges.append(
            f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        )

    def finish(self) -> None:
        ws = self.ws
        for column, width in self.widths.items():
            letter = get_column_letter(column)
            ws.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
        if self.freeze:
            ws.freeze_panes = self.freeze
        for merged in self.merges:
            ws.merged_cells.add(merged)
        for cells in self.rows:
            ws.append([self._cell(value, style) for value, style in cells])

    def _cell(self, value: object, style: str | None) -> object:
        risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        if style is None and not risky:
            return value
        cell = WriteOnlyCell(self.ws, value=value)
        if style is not None:
            cell.style = style
        if risky:  # a text cell, and marked so Excel keeps it text when someone edits it
            cell.data_type = "s"
            cell.quotePrefix = True
        return cell


def _grouped_header(
    out: SheetWriter, fixed: Sequence[str], days: list[str], per_day: Sequence[str]
) -> None:
    """Two header rows: fixed columns merged down, each day merged across its group."""
    for i, value in enumerate(fixed, start=1):
        out.put(1, i, value, HEAD)
        out.put(2, i, None, HEAD)
        out.merge(1, i, 2, i)
    for d, day in enumerate(days):
        first = len(fixed) + 1 + d * len(per_day)
        out.put(1, first, day, HEAD, measure=False)  # spans the group: not one column's width
        for i in range(1, len(per_day)):
            out.put(1, first + i, None, HEAD)
        out.merge(1, first, 1, first + len(per_day) - 1)
        out.row(2, per_day, first, HEAD)
    out.freeze = f"{get_column_letter(len(fixed) + 1)}3"


def _status_style(status: str) -> str:
    if status.startswith("异常"):
        return ABNORMAL
    return MISSING if status == "未报" else CELL


def day_cells(ledger: Ledger, person_id: str, day: str) -> tuple[object, ...]:
    """体温, 状态, 地点, 来源, 备注 for one student on one day."""
    status = ledger.status(person_id, day)
    report = ledger.reports.get((person_id, day))
    if report is None:
        reason = next((r for s, e, r in ledger.leaves.get(person_id, ()) if s <= day <= e), None)
        return (None, status, None, None, f"请假：{reason}" if reason else None)
    if report["symptoms"]:
        status = f"{status}：{'、'.join(report['symptoms'])}"
    notes = []
    poster = ledger.names.get(report["posted_by"], report["posted_by"])
    if report["source"] == "补报" or (report["source"] == "更正" and report["proxy"]):
        label = report["source"]  # a counselor's 补报, or their /更正 of the student's report
        notes.append(f"{label}：{poster}" if poster else label)
    elif report["proxy"]:
        notes.append(f"代报：{poster}" if poster else "代报")
    if ledger.on_leave(person_id, day):
        notes.append("请假")
    for flag, detail in ledger.flags.get((person_id, day), {}).items():
        notes.append(f"迟报（{detail}）" if flag == LATE else f"待核实：{detail}")
    source = SOURCE_LABELS.get(report["source"], report["source"])
    return (report["temperature"], status, place(report) or None, source, "；".join(notes) or None)


def _class_sheet(wb: Workbook, ledger: Ledger, class_id: int, title: str) -> None:
    out = SheetWriter(wb.create_sheet(title))
    _grouped_header(out, CLASS_FIXED, ledger.days, DAY_COLUMNS)
    for r, student in enumerate(ledger.students.get(class_id, []), start=3):
        tags = "、".join(ledger.tags.get(student.id, [])) or None
        out.row(r, (student.id, student.name, student.dorm, tags))
        for d, day in enumerate(ledger.days):
            first = len(CLASS_FIXED) + 1 + d * len(DAY_COLUMNS)
            temperature, status, *rest = day_cells(ledger, student.id, day)
            out.put(r, first, temperature, TEMP)
            out.put(r, first + 1, status, _status_style(status))
            out.row(r, rest, first + 2)
    out.finish()


def summary_counts(ledger: Ledger, class_ids: list[int], day: str) -> tuple[int, ...]:
    """应报, 实报, 未报, 异常, 请假: 应报 leaves out those on leave (counted apart)."""
    expected = reported = abnormal = on_leave = 0
    for class_id in class_ids:
        for student in ledger.students.get(class_id, []):
            report = ledger.reports.get((student.id, day))
            if report is not None and report["abnormal"] == 1:
                abnormal += 1
            if ledger.on_leave(student.id, day):
                on_leave += 1
                continue
            expected += 1
            reported += report is not None
    return expected, reported, expected - reported, abnormal, on_leave


def _summary_sheet(wb: Workbook, ledger: Ledger) -> None:
    out = SheetWriter(wb.create_sheet("汇总"))
    _grouped_header(out, SUMMARY_FIXED, ledger.days, SUMMARY_DAY)
    for r, node in enumerate(ledger.nodes, start=3):
        classes = ledger.classes_under(node)
        size = sum(len(ledger.students.get(c, [])) for c in classes)
        out.row(r, (node.path, node.kind_label, size))
        for d, day in enumerate(ledger.days):
            first = len(SUMMARY_FIXED) + 1 + d * len(SUMMARY_DAY)
            for i, value in enumerate(summary_counts(ledger, classes, day)):
                style = CELL
                if value and i in (2, 3):
                    style = MISSING if i == 2 else ABNORMAL
                out.put(r, first + i, value, style)
    out.finish()


def _key_group_sheet(wb: Workbook, ledger: Ledger, tag: str, title: str) -> None:
    out = SheetWriter(wb.create_sheet(title))
    out.row(1, KEY_COLUMNS, style=HEAD)
    out.freeze = "A2"
    for r, line in enumerate(ledger.observed.get(tag, []), start=2):
        status = ledger.status(line.person_id, line.day)
        temperature = where = None
        if line.report is not None:
            temperature, where = line.report["temperature"], place(line.report) or None
            if line.report["symptoms"]:
                status = f"{status}：{'、'.join(line.report['symptoms'])}"
        out.row(r, (line.day, line.person_id, line.name, line.class_path, line.progress))
        out.row(r, (line.start_day, line.last_day or "不限"), 6)
        out.put(r, 8, temperature, TEMP)
        out.put(r, 9, status, _status_style(status))
        out.put(r, 10, where)
    out.finish()


def _contacts_sheet(wb: Workbook, ledger: Ledger, title: str) -> None:
    """Each missing or abnormal student-day with the roster's 电话 and 家长电话, for the
    counselor's calls (the ledger goes to staff only)."""
    out = SheetWriter(wb.create_sheet(title))
    out.row(1, CONTACT_COLUMNS, style=HEAD)
    out.freeze = "A2"
    r = 2
    for day in ledger.days:
        for node in ledger.classes:
            for student in ledger.students.get(node.id, []):
                status = ledger.status(student.id, day)
                if status not in ("未报", "异常"):
                    continue
                where = node.path.split("/", 1)[-1]
                out.row(r, (day, where, student.id, student.name))
                out.put(r, 5, status, _status_style(status))
                out.row(r, (student.phone, student.parent_phone), 6)
                r += 1
    out.finish()


def _cases_sheet(wb: Workbook, ledger: Ledger) -> None:
    out = SheetWriter(wb.create_sheet("异常跟踪"))
    out.row(1, CASE_COLUMNS, style=HEAD)
    out.freeze = "A2"
    for r, case in enumerate(ledger.cases, start=2):
        closer = case.closed_by
        if closer == "auto":
            closer = "自动"
        elif closer:
            closer = ledger.names.get(closer, closer)
        closed = case.closed_at[:16].replace("T", " ") if case.closed_at else None
        status = "跟踪中" if case.status == "open" else "已结案"
        out.row(r, (case.id, case.person_id, case.name, case.class_path, case.opened_day))
        out.row(r, (case.reason, case.last_abnormal_day, status, closed, closer), 6)
        out.put(r, 11, case.close_note)
    out.finish()


def _quiz_sheet(wb: Workbook, ledger: Ledger) -> None:
    """Per round and class: size, participation and the participants' average score."""
    out = SheetWriter(wb.create_sheet("知识竞答"))
    out.row(1, QUIZ_COLUMNS, style=HEAD)
    out.freeze = "A2"
    for r, row in enumerate(ledger.quiz, start=2):
        rate = f"{row.participants / row.students:.0%}" if row.students else "-"
        out.row(r, (row.round_id, row.opened_day, row.questions, row.class_path, row.students))
        out.row(r, (row.participants, rate, round(row.average, 2)), 6)
    out.finish()


def write_workbook(ledger: Ledger, path: str | Path) -> Path:
    """Write the whole ledger to `path` (.xlsx); returns the path."""
    wb = Workbook(write_only=True)
    for style in _styles():
        wb.add_named_style(style)
    taken = {"汇总", "异常跟踪", "未报异常联系", "知识竞答"}
    _summary_sheet(wb, ledger)
    for node in ledger.classes:
        _class_sheet(wb, ledger, node.id, sheet_title(node.path.split("/", 1)[-1], taken))
    for tag in sorted(ledger.observed):
        _key_group_sheet(wb, ledger, tag, sheet_title(f"重点-{tag}", taken))
    _contacts_sheet(wb, ledger, "未报异常联系")
    _cases_sheet(wb, ledger)
    if ledger.quiz:
        _quiz_sheet(wb, ledger)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Health data: readable by the bot's user alone from the first byte (not chmod after).
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_CREAT
    with os.fdopen(fd, "wb") as out:
        wb.save(out)
    return path
