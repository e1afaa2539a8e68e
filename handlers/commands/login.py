"""/登录: a staff member on a phone asks the bot, privately, for a dashboard login link.

The link goes only to a chat account the roster (or an admin) vouches for as a staff
member's, only in a private chat, works once and for `web.login_link_minutes`: a forwarded
or screenshotted link is of no use to anyone a few minutes later, and a student who typed a
counselor's 工号 into /绑定 gets nothing.
"""

from __future__ import annotations

from handlers.commands.registry import command
from handlers.context import HandlerContext
from handlers.permissions import STAFF, refuse
from storage.audit import record
from storage.login_links import confirmed_staff_account, create_link


@command(
    "登录",
    roles=STAFF,
    summary="私聊获取控制台的一次性登录链接（手机上直接打开）",
    example="/登录",
)
def login_link_command(ctx: HandlerContext, args: str) -> None:
    msg = ctx.message
    if msg.chat_type != "private":
        ctx.reply("登录链接只在私聊里发送：请私聊我发 /登录。")
        return
    staff = confirmed_staff_account(ctx.db, msg.platform, msg.sender_id)
    if staff is None:
        refuse(
            ctx,
            "登录",
            "这个账号不是名单登记或管理员确认过的教职工账号，不能发登录链接；请联系管理员。",
        )
        return
    base = (ctx.config.web.public_url or "").rstrip("/")
    if not base:
        ctx.reply(
            "控制台的访问地址还没有配置（web.public_url），暂时发不了登录链接，请联系管理员。"
        )
        return
    minutes = ctx.config.web.login_link_minutes
    now = ctx.clock.now()
    secret = create_link(ctx.db, staff[0], msg.platform, now, minutes)
    record(ctx.db, "login_link", staff[0], now, platform=msg.platform)
    ctx.reply(
        f"{staff[1]}，控制台登录链接（{minutes} 分钟内有效，只能打开一次，请勿转发）：\n"
        f"{base}/login?link={secret}"
    )
