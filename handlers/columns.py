"""Which facts about a person each role may see: the one table every view of people reads.

The dashboard pages, /api/today, the ledger download and anything else that shows columns
about people ask this table, so a class monitor's view cannot drift from a counselor's by a
forgotten `if`. A 班长 or 宿舍长 sees who has and has not reported (name, 学号, class, dorm,
status, time, the 代报/补报/更正 marks), nothing more: no temperature, health, whereabouts,
key-group tags, leave reasons or cases. Staff see everything. A 学生 has no scope, so no page.

To add a column (a phone number for counselors, a lateness flag), add one `Column` here with
the roles that may see it, and render it where `shows(role, key)` (templates: `key in cols`).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.permissions import CADRES, ROLES, STAFF


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # what code and templates name it by; pages mark headers with data-col="key"
    label: str  # the Chinese header
    roles: frozenset[str]


STAFF_ONLY = frozenset(STAFF)
STAFF_AND_CADRES = frozenset(STAFF + CADRES)

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", STAFF_AND_CADRES),
    Column("person_id", "学号", STAFF_AND_CADRES),
    Column("class", "班级", STAFF_AND_CADRES),
    Column("dorm", "宿舍", STAFF_AND_CADRES),
    Column("status", "状态", STAFF_AND_CADRES),  # 已报 / 未报 / 请假
    Column("reported_at", "时间", STAFF_AND_CADRES),
    Column("marks", "标记", STAFF_AND_CADRES),  # 代报 / 补报 / 更正
    Column("counts", "完成情况", STAFF_AND_CADRES),  # 应报 实报 未报 请假 per node
    Column("leave_reason", "请假原因", STAFF_ONLY),  # 病假 is a health fact
    Column("temperature", "体温", STAFF_ONLY),
    Column("health", "健康", STAFF_ONLY),  # 正常 / 异常 and the symptoms
    Column("abnormal_count", "异常", STAFF_ONLY),  # how many were abnormal, per node
    Column("on_campus", "在校", STAFF_ONLY),
    Column("place", "地区/隔离", STAFF_ONLY),  # province and isolation
    Column("key_group", "重点群体", STAFF_ONLY),
    Column("observation", "观察", STAFF_ONLY),  # day N of a key group's observation
    Column("case", "异常跟踪", STAFF_ONLY),
    Column("phone", "电话", STAFF_ONLY),  # the roster's 电话 and 家长电话
    Column("to_check", "待核实", STAFF_ONLY),  # a report contradicting itself or its tag
)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

#: Everything the ledger workbook (台账) carries: only a role that sees all of it may take it.
LEDGER: frozenset[str] = frozenset(BY_KEY) - {"counts"}


def visible(role: str | None) -> frozenset[str]:
    """The column keys `role` may see (none for an unknown role or no login)."""
    return frozenset(c.key for c in COLUMNS if role in c.roles)


def shows(role: str | None, key: str) -> bool:
    """Whether `role` sees column `key`; an unknown key is a programming error, not a no."""
    return role in BY_KEY[key].roles


def may_export_ledger(role: str | None) -> bool:
    return visible(role) >= LEDGER


#: Who may take the ledger, for the chat command's `roles=` (the dashboard asks per request).
LEDGER_ROLES: tuple[str, ...] = tuple(r for r in ROLES if may_export_ledger(r))
