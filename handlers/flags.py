"""After a report is stored: is it late, does it contradict itself or the student's key
group? Flags go to the counselor (summaries, dashboard, ledger); a contradiction also gets
one private question to the student, never a word in the group.

- 迟报: first recorded after the class's window closed (`checkin.closes`, overrides too),
  on a day the bot did open that window (storage/opened.py);
- contradiction: a normal temperature (below 37.3℃) reported together with 发热;
- tag conflict: the student's key group says where they are and the report says otherwise:
  留校 but not on campus, 在琼 but in another province (the defaults of key_groups.tags;
  a renamed tag is not checked).
"""

from __future__ import annotations

import json
from datetime import datetime

from core.checkin_times import times_for
from core.config import Config
from core.parse_contract import Entry
from handlers.chain.state import Line
from handlers.notify import send_private
from storage.backend import Database
from storage.keygroups import ACTIVE
from storage.opened import opened_classes
from storage.report_flags import (
    CONTRADICTION,
    LATE,
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


def _hm(hhmm: str) -> tuple[int, int]:
    return int(hhmm[:2]), int(hhmm[3:5])


def late_detail(config: Config, class_path: str, day: str, when: datetime) -> str | None:
    """ "14:00 截止后 15:20 报" when `when` is after the class's window closed on `day`."""
    c = config.checkin
    closes = times_for(config, class_path).closes if c.overrides else c.closes
    local = when.astimezone(config.tz)
    hhmm = f"{local:%H:%M}"
    if local.date().isoformat() <= day and hhmm < closes:  # the message path: text compares
        return None
    return f"{closes} 截止后 {hhmm} 报"


def content_flags(report: dict, tags: list[str]) -> dict[str, str]:
    """The contradiction and tag-conflict flags of a stored report, with what to ask."""
    out: dict[str, str] = {}
    temperature = report["temperature"]
    symptoms = report["symptoms"]
    if isinstance(symptoms, str):  # as stored: a JSON list
        symptoms = json.loads(symptoms or "[]")
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


def _class_path(db: Database, person_id: str) -> str | None:
    row = db.conn.execute(
        "SELECT n.path FROM people p JOIN nodes n ON n.id = p.class_id WHERE p.id = ?",
        [person_id],
    ).fetchone()
    return row[0] if row else None


def _maybe_late(
    db: Database,
    config: Config,
    person_id: str,
    day: str,
    when: datetime,
    now: datetime,
    path: str | None,
) -> None:
    """Mark 迟报 when `when` is past the class's close, on a day the bot opened its window.
    Before the school's close, with no per-node times, nothing is read (the message path)."""
    c = config.checkin
    local = when.astimezone(config.tz)
    before_close = (local.hour, local.minute) < _hm(c.closes)
    if not c.overrides and before_close and local.date().isoformat() <= day:
        return
    path = path or _class_path(db, person_id)
    if path is None:
        return
    detail = late_detail(config, path, day, when)
    if detail and path in opened_classes(db, day):
        mark_late(db, person_id, day, detail, now)


def _tags(db: Database, person_id: str, day: str) -> list[str]:
    return [
        tag
        for (tag,) in db.conn.execute(
            f"SELECT t.tag FROM tags t WHERE t.person_id = :person AND {ACTIVE}",
            {"person": person_id, "day": day},
        )
    ]


def check_report(
    db: Database,
    config: Config,
    *,
    person_id: str,
    name: str,
    day: str,
    when: datetime,
    now: datetime,
    created: bool | None,
    prefer: str | None,
    entry: Entry | None = None,
) -> None:
    """Flag the stored report of (person, day); ask the student about a new contradiction.

    `created`: whether this message recorded the day's first report (None: it did when the
    report was created at `now`). With `created` and the `entry` it was made from, the
    report is the entry and has no flags yet: the common case reads nothing."""
    if created and entry is not None:
        _maybe_late(db, config, person_id, day, when, now, None)
        report = {
            "temperature": entry.temperature,
            "symptoms": entry.symptoms,
            "on_campus": entry.on_campus,
            "province": entry.province,
        }
        placed = entry.on_campus is False or entry.province is not None
        flags = content_flags(report, _tags(db, person_id, day) if placed else [])
        if not flags:
            return
    else:
        row = db.conn.execute(
            f"""SELECT r.temperature, r.symptoms, r.on_campus, r.province, n.path, r.created_at,
                   (SELECT group_concat(t.tag, '|') FROM tags t
                    WHERE t.person_id = r.person_id AND {ACTIVE}),
                   EXISTS (SELECT 1 FROM report_flags f WHERE f.person_id = r.person_id
                           AND f.day = r.day AND f.flag != '{LATE}')
               FROM reports r LEFT JOIN nodes n ON n.id = r.class_id
               WHERE r.person_id = :person AND r.day = :day""",
            {"person": person_id, "day": day},
        ).fetchone()
        if row is None:
            return
        temperature, symptoms, on_campus, province, path, created_at, tags, flagged = row
        if created is None:
            created = created_at == now.isoformat()
        if created:
            _maybe_late(db, config, person_id, day, when, now, path)
        stored = {
            "temperature": temperature,
            "symptoms": symptoms,
            "on_campus": on_campus,
            "province": province,
        }
        flags = content_flags(stored, tags.split("|") if tags else [])
        if not flags and not flagged:
            return
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
    db: Database,
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
