"""Importing a question bank (题目, 选项A–D, 答案, 解析, 分类) from .csv or .xlsx.

Read with the roster's reader (storage/roster_file.py: encodings, damaged files, row numbers
as the spreadsheet shows them) and checked the same way: every problem is listed with its
row number and nothing is written unless the whole file is right. A new bank replaces the
active one; the old questions stay (inactive) so earlier rounds keep their answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from core.errors import RosterError
from storage.backend import Database
from storage.roster_file import read_rows

OPTIONS = ("A", "B", "C", "D")
COLUMNS = ("题目", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分类")
REQUIRED = ("题目", "选项A", "选项B", "答案")
ALIASES = {"问题": "题目", "正确答案": "答案", "答案解析": "解析", "类别": "分类"}
MAX_TEXT = 500
FULL_WIDTH = str.maketrans("ＡＢＣＤ", "ABCD")


class QuizBankError(RosterError):
    """The question bank file is wrong; the message lists every problem with its row."""


@dataclass(frozen=True, slots=True)
class BankRow:
    question: str
    options: tuple[str, str, str, str]
    answer: str
    explanation: str
    category: str


def _column(name: str) -> str:
    name = name.strip().replace(" ", "")
    name = ALIASES.get(name, name)
    for letter in OPTIONS:  # 选项a, A, 选项Ａ
        if name.upper() in (letter, f"选项{letter}") or name == f"选项{chr(ord(letter) + 0xFEE0)}":
            return f"选项{letter}"
    return name


def check_bank(path: str | Path) -> list[BankRow]:
    """The file's questions; QuizBankError listing every problem when any row is wrong."""
    header, raw = read_rows(path)
    mapping = {h: _column(h) for h in header}
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise QuizBankError(
            f"{path}: 第1行: 缺少列 {'、'.join(missing)}（表头应为 {', '.join(COLUMNS)}）"
        )
    rows: list[BankRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for raw_row in raw:
        values = {mapping[k]: v.strip() for k, v in raw_row.values.items() if k in mapping}
        n, wrong = raw_row.number, []
        question = values.get("题目", "")
        a, b, c, d = (values.get(f"选项{x}", "") for x in OPTIONS)
        options = (a, b, c, d)
        answer = values.get("答案", "").upper().strip("。. ").translate(FULL_WIDTH)
        if not question:
            wrong.append("题目为空")
        elif question in seen:
            wrong.append(f"题目与第{seen[question]}行重复")
        if not options[0] or not options[1]:
            wrong.append("至少要有选项A和选项B")
        if any(later and not earlier for earlier, later in pairwise(options)):
            wrong.append("选项要从A起连续填写")
        if answer not in OPTIONS:
            wrong.append(f"答案 {values.get('答案', '')!r} 应是 A、B、C 或 D")
        elif not options[OPTIONS.index(answer)]:
            wrong.append(f"答案是{answer}，但选项{answer}为空")
        if any(len(v) > MAX_TEXT for v in values.values()):
            wrong.append(f"内容超过{MAX_TEXT}字")
        if wrong:
            problems.append(f"第{n}行: " + "；".join(wrong))
            continue
        seen[question] = n
        rows.append(
            BankRow(question, options, answer, values.get("解析", ""), values.get("分类", ""))
        )
    if problems:
        raise QuizBankError(
            f"{path}: 题库有 {len(problems)} 处错误，未导入：\n" + "\n".join(problems)
        )
    if not rows:
        raise QuizBankError(f"{path}: 没有题目")
    return rows


def import_bank(db: Database, path: str | Path, now: datetime) -> int:
    """Check the whole file, then replace the active bank in one transaction; the count."""
    rows = check_bank(path)
    with db.atomic():
        db.execute("UPDATE quiz_questions SET active = 0 WHERE active = 1")
        db.conn.executemany(
            "INSERT INTO quiz_questions (question, option_a, option_b, option_c, option_d, answer,"
            " explanation, category, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r.question, *r.options, r.answer, r.explanation, r.category, now.isoformat())
                for r in rows
            ],
        )
    return len(rows)
