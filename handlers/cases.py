"""Abnormal report → follow-up case: alert the counselor at once, ask the student next morning,
close on /结案 or after N normal days.

`after_report` is called by the message path (and by /补报, /更正) after a report is stored;
`morning` is the daily job. Health details travel only in private messages to the student
and to the counselors responsible for the student's class.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.config import Config
from core.parse_contract import Entry
from handlers.notify import send_private
from handlers.permissions import responsible_counselors
from handlers.proxy_reports import report_poster
from storage import cases
from storage.audit import record
from storage.backend import Database
from storage.keygroups import end_expired
from storage.ledger import ISOLATION_LABELS, place
from storage.people import student_of
from storage.prompts import first_today
from storage.reports import entry_fields

log = logging.getLogger(__name__)


def describe(report: dict) -> str:
    """37.8℃，发热、咳嗽，居家隔离: the health part of a report in one line."""
    parts = []
    if report.get("temperature") is not None:
        parts.append(f"{report['temperature']:.1f}℃")
    symptoms = report.get("symptoms") or []
    if isinstance(symptoms, str):
        symptoms = json.loads(symptoms)
    if symptoms:
        parts.append("、".join(symptoms))
    if report.get("isolation"):
        parts.append(ISOLATION_LABELS.get(report["isolation"], report["isolation"]))
    if not parts and report.get("abnormal") == 1:
        parts.append("自述身体不适")
    return "，".join(parts)


def summarise(entry: Entry) -> str:
    """36.8℃，正常，在家: what one message or command said, for a private reply."""
    stored = entry_fields(entry)
    verdict = {True: "异常", False: "正常", None: ""}[entry.abnormal]
    parts = (describe({**stored, "abnormal": None}), verdict, place(stored))
    return "，".join(p for p in parts if p) or "已记录"


def _report(db: Database, person_id: str, day: str) -> dict | None:
    cursor = db.execute("SELECT * FROM reports WHERE person_id = ? AND day = ?", [person_id, day])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


def _md(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}月{d.day}日"


def after_report(
    db: Database, now: datetime, person_id: str, day: str, prefer: str | None = None
) -> int | None:
    """Open or extend a case when the stored report is abnormal or says 隔离; alert once a day.

    Returns the case id when the report needs follow-up, else None.
    """
    report = _report(db, person_id, day)
    if report is None or not (report["abnormal"] == 1 or report["isolation"]):
        return None
    reason = describe(report)
    case, new = cases.open_or_extend(db, person_id, day, reason, now)
    if not first_today(db, person_id, day, "case_alert"):
        return case.id
    name, class_id, class_name = student_of(db, person_id)
    head = "【异常】" if new else "【异常·持续】"
    proxy = ""
    if report["author"] == "corrected":
        proxy = f"（{report_poster(db, report)}更正）"
    elif report["proxy"]:
        proxy = f"（{report_poster(db, report)}代报）"
    elif report["author"] == "unconfirmed":  # the student's, if that binding is who it says
        proxy = f"（由{report_poster(db, report)}报告）"
    text = (
        f"{head}{class_name} {name}（{person_id}）{_md(day)}：{reason}{proxy}。"
        + (f"已建立跟踪 #{case.id}，明早将私聊询问本人。" if new else f"跟踪 #{case.id} 继续。")
        + f"处理完请回复 /结案 {person_id} 说明"
    )
    for counselor in responsible_counselors(db, class_id) if class_id else []:
        send_private(
            db, now, counselor, text, prefer=prefer, dedup_key=f"case:{case.id}:{day}:{counselor}"
        )
    # Who has a case is a health fact about a named person: the id at DEBUG only.
    log.debug("case %s for %s on %s (%s)", case.id, person_id, day, "new" if new else "continued")
    return case.id


@dataclass(slots=True)
class MorningRun:
    asked: list[str]
    closed: list[str]
    tags_ended: list[tuple[str, str, str]]


def close_case(
    db: Database, now: datetime, case: cases.OpenCase, by: str, note: str
) -> None:
    cases.close(db, case.id, by, note, now)
    record(db, "case_closed", by, now, case=case.id, person=case.person_id, note=note)


def morning(
    db: Database,
    config: Config,
    now: datetime,
    is_checkin_day: Callable[[date], bool] = lambda _day: True,
) -> MorningRun:
    """The daily follow-up job (at followup.ask_at); safe to run twice the same day.

    Ends key-group observations whose period is over, closes cases with N consecutive normal
    reports (days off, per `is_checkin_day`, neither count nor break the run), and asks every
    other student with an open case how they are today.
    """
    today = now.astimezone(config.tz).date().isoformat()
    run = MorningRun([], [], end_expired(db, today))
    for person_id, tag, ended in run.tags_ended:
        name, class_id, class_name = student_of(db, person_id)
        last = _md((date.fromisoformat(ended) - timedelta(days=1)).isoformat())
        for counselor in responsible_counselors(db, class_id) if class_id else []:
            send_private(
                db,
                now,
                counselor,
                f"{class_name} {name}（{person_id}）「{tag}」观察期已于{last}期满，自动结束。",
                dedup_key=f"tag-ended:{person_id}:{tag}:{ended}:{counselor}",
            )
    needed = config.followup.close_after_normal_days
    for case in cases.all_open(db):
        normal = cases.normal_days_since(
            db, case.person_id, case.last_abnormal_day, today, is_checkin_day
        )
        if normal >= needed:
            close_case(db, now, case, "auto", f"连续{needed}天报告正常，自动结案")
            run.closed.append(case.person_id)
            name, class_id, class_name = student_of(db, case.person_id)
            for counselor in responsible_counselors(db, class_id) if class_id else []:
                send_private(
                    db,
                    now,
                    counselor,
                    f"跟踪 #{case.id} {class_name} {name}（{case.person_id}）"
                    f"已连续{needed}天报告正常，自动结案。",
                    dedup_key=f"case-closed:{case.id}:{counselor}",
                )
            continue
        if case.opened_day >= today or not first_today(db, case.person_id, today, "followup"):
            continue
        name, _, _ = student_of(db, case.person_id)
        yesterday = (date.fromisoformat(today) - timedelta(days=1)).isoformat()
        when = "昨天" if case.last_abnormal_day == yesterday else _md(case.last_abnormal_day)
        latest = _report(db, case.person_id, case.last_abnormal_day)
        said = describe(latest) if latest else case.reason
        send_private(
            db,
            now,
            case.person_id,
            f"{name}同学早上好：{when}你报告{said}。今天身体怎么样？"
            "请直接回复今天的体温和情况，例如「36.6 正常 在校」。",
            dedup_key=f"followup:{case.id}:{today}",
        )
        run.asked.append(case.person_id)
    return run
