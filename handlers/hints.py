"""One short private hint when a reply looks like a check-in but is not a complete one.

What a complete report carries is config (`checkin.report_requires`: `temperature`,
`health` — a temperature or a health word —, `place`); the hint names what the message
lacked, against that, and shows the expected form. It goes privately to the sender (never in
the group: a group only ever sees who is missing), at most once per person and day. Three
cases:

- a check-in that was stored but lacks a required fact (`李四 在校` lacks health): the part
  that was read is kept, the hint asks for the rest;
- a bare whereabouts (`在家`) or a bare "done" (`已报`, often from a 班长 meaning "I did") from
  a student who has not reported today: nothing is recorded, the hint says why;
- the parser's own "looks like a report but I could not read it" (`张三 体温 3 6 5`).

Nagging is unchanged: the nags name exactly those still without a report, hinted or not.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.parse_contract import Entry
from handlers.context import HandlerContext
from handlers.parse import Parser, prompt_text
from handlers.parse.kind import REPORTED
from handlers.parse.normalise import to_simplified
from handlers.parse.parser import EXPECTED_FORM
from storage.prompts import first_today

#: What each requirement asks for, in the hint's words.
ASKS = {
    "temperature": "体温（如 36.5）",
    "health": "体温或身体状况（如 36.5 正常）",
    "place": "所在地（在校，或在家及城市）",
}
#: A bare "done" or whereabouts is a short reply; anything longer is conversation.
SHORT_REPLY = 12


def lacking(report: dict, requires: Sequence[str]) -> list[str]:
    """The requirements a stored report (or a read entry, as a dict) does not meet."""
    has = {
        "temperature": report.get("temperature") is not None,
        "health": report.get("temperature") is not None or report.get("abnormal") is not None,
        "place": any(report.get(k) is not None for k in ("on_campus", "province", "isolation")),
    }
    out = [r for r in requires if not has[r]]
    if "temperature" in out and "health" in out:
        out.remove("health")  # the temperature asked for already answers health
    return out


def _as_report(entry: Entry) -> dict:
    fields = ("temperature", "abnormal", "on_campus", "province", "isolation")
    return {k: getattr(entry, k) for k in fields}


def hint_text(missing: list[str]) -> str:
    asks = "、".join(ASKS[m] for m in missing)
    return f"你好，刚才的平安报告还缺{asks}～请补发一条完整的：{EXPECTED_FORM}"


def not_recorded_text() -> str:
    return f"你好，刚才的回复没有记成平安报告～请按格式发送：{EXPECTED_FORM}"


def claimed_done_text() -> str:
    return f"你好，只回复「已报」系统记不上你的报告～请发送你自己的平安报告：{EXPECTED_FORM}"


def stored_report(ctx: HandlerContext, person_id: str, day: str) -> dict | None:
    cursor = ctx.db.execute(
        "SELECT temperature, abnormal, on_campus, province, isolation FROM reports"
        " WHERE person_id = ? AND day = ?",
        [person_id, day],
    )
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def _once(ctx: HandlerContext, day: str) -> bool:
    msg = ctx.message
    key = ctx.sender.id if ctx.sender else f"{msg.platform}:{msg.sender_id}"
    return first_today(ctx.db, key, day, "unreadable")


def send_hint(ctx: HandlerContext, day: str, text: str) -> None:
    if _once(ctx, day):
        ctx.reply(text, private=True)


def after_checkin(ctx: HandlerContext, entry: Entry, person_id: str, day: str) -> None:
    """A check-in was stored for the person: hint at what the config still requires (the
    stored report, merged with earlier messages, is read only when this one lacks some)."""
    requires = ctx.config.checkin.report_requires
    if entry.temperature is not None and requires == ["health"]:
        return  # the default, met by any temperature: the message path reads nothing
    if not lacking(_as_report(entry), requires):
        return
    report = stored_report(ctx, person_id, day)
    if report is None:
        return
    missing = lacking(report, requires)
    if missing:
        send_hint(ctx, day, hint_text(missing))


def for_other(
    ctx: HandlerContext, parser: Parser, text: str, unreadable: str | None, day: str
) -> None:
    """A reply that is not a check-in: hint when it looks like an attempt at one."""
    if unreadable is not None:
        send_hint(ctx, day, prompt_text(unreadable))
        return
    student = ctx.sender
    if student is None or student.class_id is None or len(text.strip()) > SHORT_REPLY:
        return
    if stored_report(ctx, student.id, day) is not None:
        return  # they have reported today: "已报" is true
    if REPORTED.search(to_simplified(text)):
        send_hint(ctx, day, claimed_done_text())
        return
    read = parser.parse_entry(text, in_chain=False)
    if read.says_anything:
        missing = lacking(_as_report(read), ctx.config.checkin.report_requires)
        send_hint(ctx, day, hint_text(missing) if missing else not_recorded_text())
