"""A key-group sheet (重点群体名单): 学号, 标签, 起始日期, 观察天数 → tags, all or nothing.

Counselors keep these lists in spreadsheets (e.g. the students who passed through Hubei in
the last 14 days); importing one tags every listed student at once. Rows are numbered as the
spreadsheet shows them, and every problem is listed before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from core.config import KeyGroups
from core.errors import RosterError
from storage.backend import Database
from storage.keygroups import set_tag
from storage.roster_file import read_rows, sheet_day
from storage.roster_rows import split_list

REQUIRED = ("学号", "标签")


def import_tags(
    db: Database, path: str | Path, key_groups: KeyGroups, today: str
) -> int:
    """Tag every row's student (restarting an existing tag's observation); returns the
    number of tags set. Raises RosterError listing every bad row; then nothing is written.
    The caller owns the transaction."""
    header, rows = read_rows(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise RosterError(f"{path}: 第1行缺少列 {'、'.join(missing)}（需要 学号, 标签）")
    known = {r[0] for r in db.execute("SELECT id FROM people WHERE active = 1").fetchall()}
    problems: list[str] = []
    planned: list[tuple[str, str, str, int]] = []
    for row in rows:
        values, where = row.values, f"第{row.number}行"
        person = values.get("学号", "")
        tags = split_list(values.get("标签", ""))
        if person not in known:
            problems.append(f"{where}: 学号 {person or '(空)'} 不在花名册中")
        if not tags:
            problems.append(f"{where}: 标签为空")
        for tag in tags:
            if tag not in key_groups.tags:
                problems.append(
                    f"{where}: 没有「{tag}」这个标签（可用：{'、'.join(key_groups.tags)}）"
                )
        start = today
        if values.get("起始日期"):
            start = sheet_day(values["起始日期"]) or ""
            if not start:
                problems.append(
                    f"{where}: 起始日期「{values['起始日期']}」看不懂（例如 2020-02-10）"
                )
        period_text = values.get("观察天数", "")
        if period_text and not period_text.isdigit():
            problems.append(f"{where}: 观察天数应是整数天（0 表示不设结束）")
            period_text = ""
        for tag in tags:
            period = int(period_text) if period_text else key_groups.period_for(tag)
            planned.append((person, tag, start, period))
    if problems:
        raise RosterError(f"{path}: {len(problems)} 处问题，未导入：\n" + "\n".join(problems))
    for person, tag, start, period in planned:
        set_tag(db, person, tag, start, period, "sheet")
    return len(planned)
