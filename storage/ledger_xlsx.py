"""The ledger (台账) as an .xlsx workbook that opens cleanly in Excel and WPS.

Sheets: 汇总 (counts per node and day), one per class (a row per student, a column group per
day), one per key group (a line per student and day under observation), 异常跟踪 (cases).
Only plain openpyxl features are used (merged headers, fills, frozen panes, widths), which
WPS renders the same as Excel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from storage.ledger import SOURCE_LABELS, Ledger, place

CLASS_FIXED = ("学号", "姓名", "宿舍", "重点群体")
DAY_COLUMNS = ("体温", "状态", "地点", "来源", "备注")
SUMMARY_FIXED = ("节点", "层级", "人数")
SUMMARY_DAY = ("应报", "实报", "未报", "异常", "请假")
KEY_COLUMNS = (
    "日期",
    "学号",
    "姓名",
    "班级",
    "观察进度",
    "起始日期",
    "结束日期",
    "体温",
    "状态",
    "地点",
)
CASE_COLUMNS = (
    "编号",
    "学号",
    "姓名",
    "班级",
    "发现日期",
    "原因",
    "最近异常日期",
    "状态",
    "结案时间",
    "结案人",
    "说明",
)
KIND_LABELS = {"school": "学校", "college": "学院", "grade": "年级", "class": "班级"}

BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
ABNORMAL_FILL = PatternFill("solid", fgColor="F8CBAD")
MISSING_FILL = PatternFill("solid", fgColor="FFF2CC")
CENTER = Alignment(horizontal="center", vertical="center")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


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
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _fit_widths(ws: Worksheet, minimum: int = 6, maximum: int = 40) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None and cell.coordinate not in ws.merged_cells:
                widths[cell.column] = max(widths.get(cell.column, 0), _display_width(cell.value))
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, minimum), maximum)


def _header(ws: Worksheet, row: int, values: Sequence[str], start: int = 1) -> None:
    for i, value in enumerate(values):
        cell = ws.cell(row=row, column=start + i, value=value)
        cell.font, cell.fill, cell.alignment, cell.border = BOLD, HEAD_FILL, CENTER, BOX


def _grouped_header(
    ws: Worksheet, fixed: Sequence[str], days: list[str], per_day: Sequence[str]
) -> None:
    """Two header rows: fixed columns merged down, each day merged across its group."""
    for i, value in enumerate(fixed, start=1):
        _header(ws, 1, [value], i)
        _header(ws, 2, [""], i)
        ws.merge_cells(start_row=1, start_column=i, end_row=2, end_column=i)
    for d, day in enumerate(days):
        first = len(fixed) + 1 + d * len(per_day)
        _header(ws, 1, [day] + [""] * (len(per_day) - 1), first)
        ws.merge_cells(
            start_row=1, start_column=first, end_row=1, end_column=first + len(per_day) - 1
        )
        _header(ws, 2, per_day, first)
    ws.freeze_panes = ws.cell(row=3, column=len(fixed) + 1)


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
    if report["source"] == "补报":
        notes.append(f"补报：{poster}" if poster else "补报")
    elif report["proxy"]:
        notes.append(f"代报：{poster}" if poster else "代报")
    if ledger.on_leave(person_id, day):
        notes.append("请假")
    source = SOURCE_LABELS.get(report["source"], report["source"])
    return (report["temperature"], status, place(report) or None, source, "；".join(notes) or None)


def _fill_status(cell, status: str) -> None:
    if status.startswith("异常"):
        cell.fill = ABNORMAL_FILL
    elif status == "未报":
        cell.fill = MISSING_FILL


def _class_sheet(wb: Workbook, ledger: Ledger, class_id: int, title: str) -> None:
    ws = wb.create_sheet(title)
    _grouped_header(ws, CLASS_FIXED, ledger.days, DAY_COLUMNS)
    for r, student in enumerate(ledger.students.get(class_id, []), start=3):
        fixed = (student.id, student.name, student.dorm, "、".join(ledger.tags.get(student.id, [])))
        for c, value in enumerate(fixed, start=1):
            ws.cell(row=r, column=c, value=value or None).border = BOX
        for d, day in enumerate(ledger.days):
            first = len(CLASS_FIXED) + 1 + d * len(DAY_COLUMNS)
            for i, value in enumerate(day_cells(ledger, student.id, day)):
                cell = ws.cell(row=r, column=first + i, value=value)
                cell.border = BOX
                if i == 0 and value is not None:
                    cell.number_format = "0.0"
                if i == 1:
                    _fill_status(cell, str(value))
    _fit_widths(ws)


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
    ws = wb.create_sheet("汇总")
    _grouped_header(ws, SUMMARY_FIXED, ledger.days, SUMMARY_DAY)
    for r, node in enumerate(ledger.nodes, start=3):
        classes = ledger.classes_under(node)
        size = sum(len(ledger.students.get(c, [])) for c in classes)
        for c, value in enumerate((node.path, KIND_LABELS.get(node.kind, node.kind), size), 1):
            ws.cell(row=r, column=c, value=value).border = BOX
        for d, day in enumerate(ledger.days):
            first = len(SUMMARY_FIXED) + 1 + d * len(SUMMARY_DAY)
            for i, value in enumerate(summary_counts(ledger, classes, day)):
                cell = ws.cell(row=r, column=first + i, value=value)
                cell.border = BOX
                if (i == 2 or i == 3) and value:
                    cell.fill = MISSING_FILL if i == 2 else ABNORMAL_FILL
    _fit_widths(ws)


def _key_group_sheet(wb: Workbook, ledger: Ledger, tag: str, title: str) -> None:
    ws = wb.create_sheet(title)
    _header(ws, 1, KEY_COLUMNS)
    ws.freeze_panes = "A2"
    for r, line in enumerate(ledger.observed.get(tag, []), start=2):
        status = ledger.status(line.person_id, line.day)
        temperature = where = None
        if line.report is not None:
            temperature, where = line.report["temperature"], place(line.report) or None
            if line.report["symptoms"]:
                status = f"{status}：{'、'.join(line.report['symptoms'])}"
        values = (
            line.day, line.person_id, line.name, line.class_path, line.progress,
            line.start_day, line.last_day or "不限", temperature, status, where,
        )  # fmt: skip
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = BOX
            if c == 9:
                _fill_status(cell, status)
    _fit_widths(ws)


def _cases_sheet(wb: Workbook, ledger: Ledger) -> None:
    ws = wb.create_sheet("异常跟踪")
    _header(ws, 1, CASE_COLUMNS)
    ws.freeze_panes = "A2"
    for r, case in enumerate(ledger.cases, start=2):
        closer = (
            "自动"
            if case.closed_by == "auto"
            else ledger.names.get(case.closed_by or "", case.closed_by)
        )
        values = (
            case.id,
            case.person_id,
            case.name,
            case.class_path,
            case.opened_day,
            case.reason,
            case.last_abnormal_day,
            "跟踪中" if case.status == "open" else "已结案",
            case.closed_at[:16].replace("T", " ") if case.closed_at else None,
            closer,
            case.close_note,
        )
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value).border = BOX
    _fit_widths(ws)


def write_workbook(ledger: Ledger, path: str | Path) -> Path:
    """Write the whole ledger to `path` (.xlsx); returns the path."""
    wb = Workbook()
    wb.remove(wb.active)
    taken = {"汇总", "异常跟踪"}
    _summary_sheet(wb, ledger)
    for node in ledger.classes:
        _class_sheet(wb, ledger, node.id, sheet_title(node.path.split("/", 1)[-1], taken))
    for tag in sorted(ledger.observed):
        _key_group_sheet(wb, ledger, tag, sheet_title(f"重点-{tag}", taken))
    _cases_sheet(wb, ledger)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
