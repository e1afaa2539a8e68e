"""A reply that quotes a notice is that notice's 收到.

Quoting (QQ's reply segment, `IncomingMessage.reply_to`) is the clearest sign someone read a
particular notice, whatever the words ("好的老师", "知道了", a question about it): it counts for
the quoted notice, or the notice its reminder was about, while its window is open, and for
no other. A plain 收到 without a quote still counts for every open notice (handlers/ack.py).
"""

from __future__ import annotations

from handlers.context import HandlerContext
from storage import broadcasts

# Outbox dedup keys of a notice and of its reminder: `broadcast:<id>:…`, `broadcast-remind:<id>:…`
NOTICE_KEYS = ("broadcast:", "broadcast-remind:")


def quoted_notice(ctx: HandlerContext) -> int | None:
    """The broadcast whose notice (or reminder) in this chat the message quotes."""
    msg = ctx.message
    row = ctx.db.execute(
        "SELECT dedup_key FROM outbox WHERE platform = ? AND target = ? "
        "AND platform_message_id = ? AND (dedup_key LIKE 'broadcast:%' "
        "OR dedup_key LIKE 'broadcast-remind:%') LIMIT 1",
        [msg.platform, msg.chat_id, msg.reply_to],
    ).fetchone()
    if row is None:
        return None
    number = row[0].split(":")[1]
    return int(number) if number.isdigit() else None


def ack_by_reply(ctx: HandlerContext) -> bool:
    """Record the sender's 收到 of the quoted notice; True when one was recorded."""
    msg = ctx.message
    if not msg.reply_to or msg.chat_type != "group" or ctx.sender is None:
        return False
    broadcast_id = quoted_notice(ctx)
    now = ctx.clock.now()
    if broadcast_id is None or broadcast_id not in broadcasts.open_in_chat(
        ctx.db, msg.platform, msg.chat_id, now
    ):
        return False
    return broadcasts.record_ack(ctx.db, broadcast_id, ctx.sender.id, now, msg.key)
