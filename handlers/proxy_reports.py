"""代报 made visible: the counselor hears of one that turns a report abnormal or normal, or
that was kept aside because the student had reported otherwise; the student is asked
privately to confirm what someone else reported for them. A report from an account whose
binding nobody confirmed is treated the same way: it may be the student, or someone posing
as them.

A 代报 (a report written by another account than the student's own confirmed one) is
stored with its writer (storage/reports.py) and never replaces the student's own report of
the day; only a counselor's `/更正 学号 内容` does. Health details go only privately: to the
counselors responsible for the student's class, and to the student's confirmed accounts.
"""

from __future__ import annotations

from datetime import date, datetime

from core.messages import account_label
from handlers.notify import accounts_of, send_private
from handlers.permissions import responsible_counselors
from storage.backend import Database
from storage.people import student_of
from storage.prompts import first_today
from storage.reports import Upserted

STORED = {"self": "本人报告", "corrected": "辅导员更正的报告", "unconfirmed": "未确认账号的报告"}


def verdict(abnormal: bool | None) -> str:
    return "未写健康状况" if abnormal is None else ("异常" if abnormal else "正常")


def _md(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}月{d.day}日"


def poster_label(
    db: Database,
    posted_by: str | None,
    posted_account: str | None,
    display_name: str | None = None,
) -> str:
    """How a counselor or the student sees the writer: a confirmed person by name, anyone
    else by the nickname and account they posted from."""
    if posted_by:
        row = db.execute("SELECT name, role FROM people WHERE id = ?", [posted_by]).fetchone()
        if row is not None:
            return row[0] if row[1] == "学生" else f"{row[0]}（{row[1]}）"
    if posted_account:
        shown = f"「{display_name}」" if display_name else ""
        return f"未确认账号{shown}（{account_label(posted_account)}）"
    return "他人"


def report_poster(db: Database, report: dict) -> str:
    """The writer of a stored report, with the nickname of the message it came from."""
    display = None
    platform, _, message_id = (report.get("message_key") or "").partition(":")
    if report.get("posted_account") and message_id:
        row = db.execute(
            "SELECT display_name FROM raw_messages WHERE platform = ? AND message_id = ?",
            [platform, message_id],
        ).fetchone()
        display = row[0] if row else None
    return poster_label(db, report.get("posted_by"), report.get("posted_account"), display)


def after_proxy(
    db: Database,
    now: datetime,
    *,
    person_id: str,
    day: str,
    said: bool | None,
    result: Upserted,
    poster: str,
    summary: str,
    dedup: str,
    prefer: str | None = None,
    writer: str | None = None,
) -> None:
    """Tell whom it concerns about one 代报 just handled (`said`: its health verdict;
    `dedup`: what makes it the same 代报 again, e.g. a 接龙 line reposted; `writer`: the
    writer's person, who is not told what they did themselves)."""
    name, class_id, class_name = student_of(db, person_id)
    who = f"{class_name} {name}（{person_id}）{_md(day)}"
    note = None
    if result.outcome == "kept" and said is not None and said != result.before:
        kept = STORED.get(result.stored_author or "", "已有报告")
        note = (
            f"【代报未采用】{who}：{poster}代报「{verdict(said)}」，与{kept}"
            f"（{verdict(result.before)}）不一致，已保留{kept}。"
            f"如需修改请回复 /更正 {person_id} 内容"
        )
    elif result.changed and result.before is not None and result.abnormal != result.before:
        note = (
            f"【代报】{who}：{poster}代报后由「{verdict(result.before)}」改为"
            f"「{verdict(result.abnormal)}」（{summary}），已私聊请本人确认。"
        )
    if note is not None:
        for counselor in responsible_counselors(db, class_id) if class_id else []:
            if counselor == writer:
                continue
            send_private(
                db, now, counselor, note, prefer=prefer,
                dedup_key=f"proxy:{dedup}:{person_id}:{counselor}",
            )  # fmt: skip
    # A student with no confirmed account cannot be asked (nor is that worth a warning).
    if (
        result.changed
        and said is not None
        and accounts_of(db, person_id)
        and first_today(db, person_id, day, "proxy_confirm")
    ):
        send_private(
            db,
            now,
            person_id,
            f"【代报确认】{poster}替你报了{_md(day)}的平安：{summary}。如不属实，请直接回复"
            "你自己的报告（例如「36.5 正常 在校」），本人报告会取代代报。",
            prefer=prefer,
            dedup_key=f"proxy-confirm:{person_id}:{day}",
        )
