"""After a report is stored: is it late, does it contradict itself or the student's key
group? Flags go to the counselor (summaries, dashboard, ledger); a contradiction also gets
one private question to the student, never a word in the group.

- 迟报: first recorded after the class's window closed (`checkin.closes`, overrides too),
  on a day the bot did open that window (schedules/opened.py);
- contradiction: a normal temperature (below 37.3℃) reported together with 发热;
- tag conflict: the student's key group says where they are and the report says otherwise:
  留校 but not on campus, 在琼 but in another province (the defaults of key_groups.tags;
  a renamed tag is not checked).
"""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlite_utils

from bot.config import Config
from handlers.chain.state import Line
from handlers.notify import send_private
from schedules.opened import opened_classes
from schedules.plan import at, times_for
from storage.keygroups import ACTIVE
from storage.report_flags import (
    CONTRADICTION,
    TAG_CONFLICT,
    mark_late,
    replace_content_flags,
)

FEVER_FROM = 37.3
FEVER = "发热"
#: Key groups that say where the student is: tag → (on campus?, province) expected.
PLACE_TAGS: dict[str, tuple[bool | None, str | None]] = {
    "留校": (True, None),
    "在琼": (None, "海南"),
}
CORRECTION_EXAMPLE = "/更正 36.5 正常 在校"


def late_detail(config: Config, class_path: str, day: str, when: datetime) -> str | None:
    """ "14:00 后 15:20" when `when` is after the class's window closed on `day`, else None."""
    closes = times_for(config, class_path).closes
    if when < at(config, date.fromisoformat(day), closes):
        return None
    return f"{closes} 截止后 {when.astimezone(config.tz):%H:%M} 报"


def content_flags(report: dict, tags: list[str]) -> dict[str, str]:
    """The contradiction and tag-conflict flags of a stored report, with what to ask."""
    out: dict[str, str] = {}
    temperature = report["temperature"]
    symptoms = json.loads(report["symptoms"] or "[]")
    if temperature is not None and temperature < FEVER_FROM and FEVER in symptoms:
        out[CONTRADICTION] = f"体温 {temperature:.1f}℃ 却报{FEVER}"
    for tag in tags:
        expected = PLACE_TAGS.get(tag)
        if expected is None:
            continue
        on_campus, province = expected
        if on_campus is True and report["on_campus"] == 0:
            where = " ".join(p for p in ("在家", report["province"]) if p)
            out[TAG_CONFLICT] = f"{tag}，但报{where}"
        elif province and report["province"] and report["province"] != province:
            out[TAG_CONFLICT] = f"{tag}，但报在{report['province']}"
    return out


def _question(name: str, flag: str, detail: str) -> str:
    if flag == CONTRADICTION:
        return (
            f"{name}同学，你今天的报告{detail}，请确认一下：现在有没有发热？"
            f"请回复更正，例如「{CORRECTION_EXAMPLE}」。"
        )
    return (
        f"{name}同学，你今天报告的所在地与登记的情况不一致（{detail}）。"
        f"请确认后回复更正，例如「{CORRECTION_EXAMPLE}」；如情况确有变化，请告诉辅导员。"
    )


def check_report(
    db: sqlite_utils.Database,
    config: Config,
    *,
    person_id: str,
    name: str,
    day: str,
    when: datetime,
    now: datetime,
    created: bool | None,
    prefer: str | None,
) -> None:
    """Flag the stored report of (person, day); ask the student about a new contradiction.

    `created`: whether this message recorded the day's first report (None: it did when the
    report was created at `now`)."""
    row = db.execute(
        """SELECT r.temperature, r.symptoms, r.on_campus, r.province, n.path, r.created_at
           FROM reports r LEFT JOIN nodes n ON n.id = r.class_id
           WHERE r.person_id = ? AND r.day = ?""",
        [person_id, day],
    ).fetchone()
    if row is None:
        return
    keys = ("temperature", "symptoms", "on_campus", "province", "path", "created_at")
    report = dict(zip(keys, row, strict=True))
    if created is None:
        created = report["created_at"] == now.isoformat()
    if created and report["path"]:
        detail = late_detail(config, report["path"], day, when)
        if detail and report["path"] in opened_classes(db, day):  # a window the bot opened
            mark_late(db, person_id, day, detail, now)
    tags = [
        tag
        for (tag,) in db.execute(
            f"SELECT t.tag FROM tags t WHERE t.person_id = :person AND {ACTIVE}",
            {"person": person_id, "day": day},
        )
    ]
    flags = content_flags(report, tags)
    for flag in replace_content_flags(db, person_id, day, flags, now):
        send_private(
            db,
            now,
            person_id,
            _question(name, flag, flags[flag]),
            prefer=prefer,
            dedup_key=f"flag:{flag}:{person_id}:{day}:{flags[flag]}",
        )


def check_chain_lines(
    db: sqlite_utils.Database,
    config: Config,
    lines: list[Line],
    *,
    day: str,
    when: datetime,
    now: datetime,
    prefer: str | None,
) -> None:
    """The 接龙 lines a repost added or corrected, flagged like any other report."""
    for line in lines:
        if line.person_id is None or not line.entry.says_anything:
            continue
        check_report(
            db,
            config,
            person_id=line.person_id,
            name=line.name or "",
            day=day,
            when=when,
            now=now,
            created=None,
            prefer=prefer,
        )
