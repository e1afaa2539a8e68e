"""A caring reply that reaches a person: distress in a private message or a check-in gets a
kind private answer with the hotlines and the counselor's contact; words of self-harm also
page the counselor, the duty counselor and the psychologists and open a 心理 case.

Called by the message path after a message is handled, inside its transaction. Nothing is
ever said in a group, and no message text is written to the audit log or the logs: only
that a reply or a page went out, to whom, and at what level.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from handlers.care import people
from handlers.care.lexicon import Finding, Lexicon
from handlers.care.operators import alert_operators
from handlers.context import HandlerContext
from handlers.notify import send_private
from storage import care
from storage.audit import record
from storage.prompts import first_today

if TYPE_CHECKING:
    from core.config import Config

log = logging.getLogger(__name__)

#: Message kinds read for distress: a check-in anywhere, anything else only in private
#: (a command is an order to the bot, a 接龙 carries other people's lines).
READ_IN_GROUPS = ("checkin",)
READ_IN_PRIVATE = ("checkin", "other")
MAX_CHARS = 2_000


def lexicon_for(config: Config) -> Lexicon:
    return Lexicon(
        distress=config.care.distress_words,
        self_harm=config.care.self_harm_words,
        everyday=config.care.everyday_words,
    )


def _hotlines(ctx: HandlerContext) -> str:
    return "\n".join(f"· {line}" for line in ctx.config.care.hotlines)


def _student_text(ctx: HandlerContext, finding: Finding, counselor: str | None) -> str:
    name = f"{ctx.sender.name}同学，" if ctx.sender else ""
    lines = _hotlines(ctx)
    if finding.level == "self_harm":
        text = (
            f"{name}谢谢你告诉我们，你的感受很重要，你并不是一个人。"
            f"现在就可以拨打这些电话，有专业的老师陪你聊：\n{lines}\n"
        )
        text += (
            f"辅导员{counselor}和心理老师会尽快联系你。" if counselor else "心理老师会尽快联系你。"
        )
        return text + "如果你现在有危险，请立即拨打 110 或 120，或告诉身边的人。"
    text = (
        f"{name}这段时间辛苦了。焦虑、睡不好、压力大都是很常见的感受，说出来就是很好的一步。"
        f"想找人聊聊的话：\n{lines}"
    )
    if counselor:
        text += f"\n你的辅导员{counselor}也随时愿意听你说。"
    return text


def _page(ctx: HandlerContext, day: str) -> None:
    """Page everyone who must know, open (or extend) the student's 心理 case, tell operators."""
    msg, now, sender = ctx.message, ctx.clock.now(), ctx.sender
    if sender is not None:
        case_id, new = care.open_or_extend(ctx.db, sender.id, day, now)
        where = ctx.db.execute(
            "SELECT coalesce(name, '') FROM nodes WHERE id = ?", [sender.class_id]
        ).fetchone()
        who = f"{where[0] if where else ''} {sender.name}（{sender.id}）".strip()
        ref = f"心理 #{case_id}"
    else:
        case_id, new = None, False
        who = f"未绑定账号 {msg.platform}:{msg.sender_id}"
        ref = "未建档"
    paged = people.to_page(ctx.db, ctx.config, sender.class_id if sender else None, day)
    text = (
        f"【心理预警·请立即联系】{who} 私信/报告中出现自伤相关的话语（{ref}）。"
        "已私聊发送心理热线。请尽快当面或电话联系本人；处理后回复 /关怀 结案 编号 说明。"
    )
    for person_id in paged:
        queued = send_private(
            ctx.db,
            now,
            person_id,
            text,
            prefer=msg.platform,
            dedup_key=f"care-page:{case_id or msg.key}:{day}:{person_id}",
        )
        if queued is not None:
            ctx.sent.append(queued)
    routes = alert_operators(
        ctx.db,
        ctx.config,
        now,
        f"【心理预警】{ref}：一名学生需要立即关注，已通知辅导员、值班辅导员和心理老师。",
        dedup=f"{case_id or msg.key}:{day}",
    )
    who = sender.id if sender else f"{msg.platform}:{msg.sender_id}"
    # The student goes in the detail, the free text the retention purge redacts; the actor
    # is sealed into the audit chain for good, so it names no distressed student.
    record(
        ctx.db,
        "care_page",
        None,
        now,
        person=who,
        case=case_id,
        new=new,
        paged=paged,
        routes=routes,
    )
    log.warning("care: self-harm page (case %s) to %d people", case_id, len(paged))
    log.debug("care: the page of case %s is about %s", case_id, who)


def notice_distress(ctx: HandlerContext, kind: str, text: str, lexicon: Lexicon) -> None:
    """Read one handled message for distress and answer as the module docstring says."""
    msg = ctx.message
    wanted = READ_IN_PRIVATE if msg.chat_type == "private" else READ_IN_GROUPS
    if kind not in wanted or len(text) > MAX_CHARS:
        return
    finding = lexicon.read(text)
    if finding.level is None:
        return
    day = ctx.today.isoformat()
    key = ctx.sender.id if ctx.sender else f"{msg.platform}:{msg.sender_id}"
    if finding.level == "self_harm" and first_today(ctx.db, key, day, "care_page"):
        _page(ctx, day)
    # One caring reply a day; words of self-harm get theirs even after a distress reply.
    reply_kind = "care_self_harm" if finding.level == "self_harm" else "care"
    if not first_today(ctx.db, key, day, reply_kind):
        return
    if reply_kind == "care_self_harm":
        first_today(ctx.db, key, day, "care")  # and no gentler reply after it the same day
    counselors = people.counselors_of(ctx.db, ctx.sender.class_id) if ctx.sender else []
    counselor = people.contact(ctx.db, counselors[0], msg.platform) if counselors else None
    ctx.reply(_student_text(ctx, finding, counselor), private=True)
    record(
        ctx.db,
        "care_reply",
        None,
        ctx.clock.now(),
        person=key,
        level=finding.level,
        chat=msg.chat_type,
    )  # the student in the detail, which the purge redacts
    log.info("care: one %s reply sent", finding.level)
    log.debug("care: %s reply to %s", finding.level, key)
