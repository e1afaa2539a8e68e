"""Validating roster rows: every problem is found (with its row number) before anything is
written, so an import is all-or-nothing and the admin fixes the file in one pass."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.config import DEFAULT_TAGS
from storage.nodes import DORM_ROOT, dorm_path, split_path
from storage.roster_file import RawRow
from storage.schools import path_prefix

log = logging.getLogger(__name__)

STUDENT_ROLES = ("学生", "班长", "宿舍长")
STAFF_ROLES = ("辅导员", "值班辅导员", "值班党员", "管理员")
# 心理老师: paged on words of self-harm and reads 心理 cases, never anyone's health report.
CARE_ROLES = ("心理老师",)
# 省级: the provincial view, counts per school and never a name (docs/schools.md).
PROVINCE_ROLES = ("省级",)
ROLES = STUDENT_ROLES + STAFF_ROLES + CARE_ROLES + PROVINCE_ROLES
COLUMNS = (
    "学号", "姓名", "学校", "学院", "年级", "班级", "宿舍", "角色", "负责", "微信", "QQ",
    "重点群体", "电话", "家长电话",
)  # fmt: skip
ALIASES = {
    "工号": "学号", "qq": "QQ", "QQ号": "QQ", "微信号": "微信", "wxid": "微信",
    "手机": "电话", "手机号": "电话", "联系电话": "电话", "家长手机": "家长电话",
    "紧急联系人电话": "家长电话",
}  # fmt: skip
REQUIRED = ("学号", "姓名")
CLASS_COLUMNS = ("学院", "年级", "班级")  # required for student rows

LIST_SEPARATORS = re.compile(r"[;；,，、]")
QQ = re.compile(r"^[1-9]\d{4,11}$")
# A WeChat id: wxid_… or a user-chosen id (a letter, then letters, digits, _ or -).
WECHAT = re.compile(r"^[A-Za-z][-_A-Za-z0-9]{3,63}$")
BAD_NAME_PART = re.compile(r"[/／]")
# A phone as people write it: 13812345678, +86 138-1234-5678, 0898-66123456.
PHONE = re.compile(r"^\+?\d[\d\- ]{4,20}$")


@dataclass(slots=True)
class RosterRow:
    number: int
    person_id: str
    name: str
    role: str
    class_path: list[str] | None
    dorm: str | None
    responsible: list[str]
    accounts: list[tuple[str, str]]
    tags: list[str]
    phone: str | None = None
    parent_phone: str | None = None
    school: str | None = None  # None: the default school (config `school:`)


@dataclass(slots=True)
class Checked:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def normalise_header(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map file columns to ours; return (file column → ours, problems)."""
    mapping: dict[str, str] = {}
    for column in header:
        ours = column if column in COLUMNS else ALIASES.get(column, ALIASES.get(column.lower()))
        if ours is None:
            if column:
                log.warning("roster column %r is not one of ours; ignored", column)
            continue
        mapping[column] = ours
    missing = [c for c in REQUIRED if c not in mapping.values()]
    problems = [f"第1行: 缺少列 {'、'.join(missing)}（表头应含 学号, 姓名）"] if missing else []
    return mapping, problems


def split_list(value: str) -> list[str]:
    return [v.strip() for v in LIST_SEPARATORS.split(value) if v.strip()]


def check_rows(
    raw: list[RawRow],
    mapping: dict[str, str],
    existing_paths: set[str],
    known_tags: Sequence[str] = DEFAULT_TAGS,
    default_school: str = "",
) -> Checked:
    """Turn raw rows into RosterRows; collect every problem with its row number.

    `known_tags` is config `key_groups.tags`: a 重点群体 tag outside it is a row error, so
    the roster, /重点, the summaries and the dashboard all speak of the same groups.
    `default_school` is the default school's name: a 学校 cell naming it, or an empty one,
    is that school; its paths carry no prefix (storage/schools.py)."""
    out = Checked()
    first_row_of: dict[str, int] = {}
    account_rows: dict[tuple[str, str], int] = {}
    known_paths = set(existing_paths)
    pending_responsible: list[tuple[int, str]] = []
    # A column the header lacks is one problem of row 1, not the same line for every row.
    absent = [c for c in CLASS_COLUMNS if c not in mapping.values()]
    students_without_columns = 0

    for raw_row in raw:
        values = {mapping[k]: v for k, v in raw_row.values.items() if k in mapping}
        n = raw_row.number
        problems: list[str] = []

        person_id = values.get("学号", "")
        if not person_id:
            problems.append("缺少学号")
        elif person_id in first_row_of:
            problems.append(f"学号 {person_id} 与第{first_row_of[person_id]}行重复")
        else:
            first_row_of[person_id] = n

        name = values.get("姓名", "")
        if not name:
            problems.append("缺少姓名")

        school = values.get("学校", "") or None
        if school == default_school:
            school = None
        if school is not None and BAD_NAME_PART.search(school):
            problems.append(f"学校 {school!r} 里不能有 '/'")
        prefix = path_prefix(school)

        role = values.get("角色", "") or "学生"
        if role not in ROLES:
            problems.append(f"角色 {role!r} 不认识（可用: {'、'.join(ROLES)}）")

        class_path: list[str] | None = None
        parts = [values.get(c, "") for c in ("学院", "年级", "班级")]
        if role in STUDENT_ROLES and absent:
            students_without_columns += 1
        elif role in STUDENT_ROLES:
            missing = [c for c, v in zip(CLASS_COLUMNS, parts, strict=True) if not v]
            if missing:
                problems.append(f"学生缺少 {'、'.join(missing)}")
            elif any(BAD_NAME_PART.search(p) for p in parts):
                problems.append("学院/年级/班级 里不能有 '/'")
            else:
                class_path = parts
                for depth in range(1, 4):
                    known_paths.add(prefix + "/".join(parts[:depth]))

        dorm = values.get("宿舍", "") or None
        if dorm is not None:
            if BAD_NAME_PART.search(dorm):
                problems.append(f"宿舍 {dorm!r} 里不能有 '/'")
            else:
                known_paths.add(prefix + dorm_path(dorm))

        responsible = []
        for path in split_list(values.get("负责", "")):
            if path.startswith(DORM_ROOT + "/"):
                responsible.append(prefix + path)
                pending_responsible.append((n, prefix + path))
                continue
            parts_r = split_path(path)
            if parts_r is None:
                problems.append(f"负责路径 {path!r} 格式不对（应为 学院/年级/班级 之一级或多级）")
            else:
                responsible.append(prefix + "/".join(parts_r))
                pending_responsible.append((n, prefix + "/".join(parts_r)))
        if role == "辅导员" and not values.get("负责"):
            problems.append("辅导员需要填写负责（如 计算机学院/2021级）")

        accounts: list[tuple[str, str]] = []
        for qq in split_list(values.get("QQ", "")):
            if QQ.match(qq):
                accounts.append(("qq", qq))
            else:
                problems.append(f"QQ号 {qq!r} 不对（应为 5–12 位数字）")
        for wx in split_list(values.get("微信", "")):
            if WECHAT.match(wx):
                accounts.append(("wechat", wx))
            else:
                problems.append(f"微信号 {wx!r} 不对（字母开头，字母、数字、_ 或 -）")
        for account in accounts:
            if account in account_rows:
                label = "QQ号" if account[0] == "qq" else "微信号"
                problems.append(f"{label} {account[1]} 与第{account_rows[account]}行重复")
            else:
                account_rows[account] = n

        phones = {column: values.get(column, "") or None for column in ("电话", "家长电话")}
        for column, phone in phones.items():
            if phone is not None and not PHONE.match(phone):
                problems.append(f"{column} {phone!r} 不对（数字，可带 +、- 或空格）")

        tags = list(dict.fromkeys(split_list(values.get("重点群体", ""))))
        unknown = [t for t in tags if t not in known_tags]
        if unknown:
            problems.append(
                f"重点群体 {'、'.join(unknown)} 不认识（可用: {'、'.join(known_tags)}；"
                "在配置 key_groups.tags 里增加）"
            )

        if problems:
            out.problems.extend(f"第{n}行: {p}" for p in problems)
            continue
        out.rows.append(
            RosterRow(
                number=n,
                person_id=person_id,
                name=name,
                role=role,
                class_path=class_path,
                dorm=dorm,
                responsible=responsible,
                accounts=accounts,
                tags=tags,
                phone=phones["电话"],
                parent_phone=phones["家长电话"],
                school=school,
            )
        )

    if students_without_columns:
        out.problems.append(
            f"第1行: 缺少列 {'、'.join(absent)}（{students_without_columns} 个学生行需要"
            f" {'、'.join(CLASS_COLUMNS)}）"
        )
        pending_responsible = []  # the classes are unknown: their paths cannot be checked
    for n, path in pending_responsible:
        if path not in known_paths:
            out.problems.append(f"第{n}行: 负责路径 {path!r} 不存在（花名册和数据库里都没有）")
    out.problems.sort(key=lambda p: int(p[1 : p.index("行")]))
    return out
