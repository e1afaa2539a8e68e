"""A group member whose card or nickname is a staff member's name: the admins decide.

Anyone can set a group card to "周建国". Staff accounts give /异常, /补报, /广播 and every
【异常】 alert, so they bind only from the roster's 微信/QQ columns or an admin's /确认绑定;
a card match is only a claim, and the admins hear of it once per account.
"""

from __future__ import annotations

from datetime import datetime

from core.messages import platform_name
from handlers.notify import send_private
from handlers.permissions import ADMIN
from storage.backend import Database


def ask_admins_about_staff_claim(
    db: Database,
    now: datetime,
    platform: str,
    chat_id: str,
    account_id: str,
    display_name: str,
    person_id: str,
    bound: bool,
) -> None:
    """`bound`: the claim was recorded (unconfirmed) and /确认绑定 can confirm it; otherwise
    the staff member already has an account there and only the roster can change that."""
    row = db.execute("SELECT name, role FROM people WHERE id = ?", [person_id]).fetchone()
    where = platform_name(platform)
    then = (
        f"核实确是本人后可回复 /确认绑定 {person_id} {account_id}"
        if bound
        else f"{row[0]}已有绑定的{where}账号；若这是本人的新账号，请在花名册中更新后重新导入"
    )
    text = (
        f"{where}群 {chat_id} 里的账号 {account_id}「{display_name}」的群名片/昵称与"
        f"{row[1]} {row[0]}（{person_id}）相同。工作人员账号只按花名册绑定，"
        f"这个账号目前没有任何权限。{then}"
    )
    for (admin,) in db.execute(  # the admins of the staff member's own school
        "SELECT id FROM people WHERE role = ? AND active = 1"
        " AND school_id = (SELECT school_id FROM people WHERE id = ?) ORDER BY id",
        [ADMIN, person_id],
    ).fetchall():
        send_private(
            db, now, admin, text, prefer=platform,
            dedup_key=f"staff-claim:{platform}:{account_id}:{admin}",
        )  # fmt: skip
