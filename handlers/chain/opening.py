"""The bot opens the day's 接龙 itself at window open, so every class starts the same list.

The schedules job calls `open_day_chain` for each class group when the check-in window
opens and puts the returned message in the outbox; its dedup key makes a re-run harmless.
"""

from __future__ import annotations

from datetime import date, datetime

from core.messages import OutgoingMessage
from handlers.chain.cache import day_chain
from handlers.chain.state import save_day
from storage.backend import Database

EXAMPLE = "姓名 体温 状况 在校/在家"


def _day(day: date | str) -> date:
    return day if isinstance(day, date) else date.fromisoformat(day)


def opening_title(class_name: str, day: date | str) -> str:
    d = _day(day)
    return f"{class_name} {d.month}月{d.day}日 平安报告"


def opening_chain_text(class_name: str, day: date | str) -> str:
    """`#接龙`, the title, and the example line students copy: the list itself is theirs."""
    return f"#接龙\n{opening_title(class_name, day)}\n例 {EXAMPLE}"


def open_day_chain(
    db: Database,
    *,
    platform: str,
    chat_id: str,
    class_name: str,
    day: date | str,
    now: datetime,
    account: str = "",
) -> OutgoingMessage:
    """Record the bot-opened chain for the chat-day and return the message to enqueue.

    Runs in the caller's transaction; the caller enqueues the message (storage.outbox).
    """
    day_text = _day(day).isoformat()
    state = day_chain(db, platform, chat_id, day_text)
    state.title = opening_title(class_name, day)
    state.example = EXAMPLE
    state.opened_by_bot = True
    save_day(db, state, now)
    return OutgoingMessage(
        platform=platform,
        chat_type="group",
        target=chat_id,
        text=opening_chain_text(class_name, day),
        dedup_key=f"chain-open:{platform}:{chat_id}:{day_text}",
        account=account,
    )
