"""/绑定, /确认绑定, /不要提醒, /恢复提醒: a person's chat accounts and reminder choice.

Binding rules (docs/commands.md): a name typed or shown in a chat proves nothing. /绑定 and a
group-card match only ever make an unconfirmed binding, which may report for its student
and sees nothing; the class monitor, the counselor or the student (from an account already
confirmed) confirms one named account with /确认绑定. Staff (any role above 学生) are bound
by the roster's 微信/QQ columns or an admin's /确认绑定, never by /绑定.
"""

from __future__ import annotations

from core.messages import OutgoingMessage, platform_name
from handlers.commands.common import find_student, sender
from handlers.commands.registry import ANYONE, command
from handlers.context import HandlerContext
from handlers.notify import accounts_of, send_private
from handlers.permissions import (
    ADMIN,
    MONITOR,
    STAFF,
    STUDENT,
    refuse,
    responsible_counselors,
    scope,
)
from storage.account_claims import Claim, confirm_claim, pending_claims
from storage.audit import record
from storage.schools import school_of

SOURCE_NAMES = {"member_list": "群名片/昵称匹配", "/绑定": "/绑定 申请"}


def _claim_line(claim: Claim) -> str:
    platform = platform_name(claim.platform)
    how = SOURCE_NAMES.get(claim.source, claim.source)
    return f"{platform}「{claim.display_name or '无昵称'}」账号 {claim.account_id}（{how}）"


def _confirmers(ctx: HandlerContext, class_id: int | None) -> list[str]:
    """Who may confirm a student's claim: the class monitors and the counselors."""
    if class_id is None:
        return []
    monitors = [
        r[0]
        for r in ctx.db.execute(
            "SELECT id FROM people WHERE class_id = ? AND role = ? AND active = 1 ORDER BY id",
            [class_id, MONITOR],
        ).fetchall()
    ]
    return monitors + responsible_counselors(ctx.db, class_id)


@command(
    "绑定",
    roles=(ANYONE,),
    summary="申请把自己的聊天账号绑定到花名册（学号和姓名都要对上），班长或辅导员确认后生效",
    example="/绑定 2021001 张三",
)
def bind_command(ctx: HandlerContext, args: str) -> None:
    msg = ctx.message
    parts = args.split()
    if len(parts) != 2:
        ctx.reply("用法：/绑定 学号 姓名，例如 /绑定 2021001 张三")
        return
    student_id, name = parts
    now = ctx.clock.now()
    actor = f"{msg.platform}:{msg.sender_id}"
    bound = ctx.db.execute(
        "SELECT person_id, confirmed FROM accounts WHERE platform = ? AND account_id = ?",
        [msg.platform, msg.sender_id],
    ).fetchone()
    if bound is not None:
        if bound[0] == student_id:
            state = "已绑定" if bound[1] else "已提交，等待班长或辅导员确认"
            ctx.reply(f"这个账号{state}（{student_id}）。")
        else:
            refuse(ctx, "绑定", "这个账号已绑定其他同学；如需更改请联系辅导员。")
        return
    person = ctx.db.execute(
        "SELECT name, class_id, role FROM people WHERE id = ? AND active = 1", [student_id]
    ).fetchone()
    if person is None or person[0] != name:
        refuse(ctx, "绑定", "学号和姓名对不上花名册，请核对后重试。")
        return
    if person[2] != STUDENT:
        refuse(ctx, "绑定", "班干部和老师的账号按花名册绑定，或由管理员确认，不能用 /绑定。")
        return
    ctx.db.execute(
        "INSERT INTO accounts (platform, account_id, person_id, display_name, confirmed, source,"
        " created_at) VALUES (?, ?, ?, ?, 0, '/绑定', ?)",
        [msg.platform, msg.sender_id, student_id, msg.display_name, now.isoformat()],
    )
    record(ctx.db, "bind", actor, now, person=student_id, confirmed=False)
    claims = pending_claims(ctx.db, student_id)
    listed = "\n".join(f"{i}. {_claim_line(c)}" for i, c in enumerate(claims, 1))
    many = f"（共 {len(claims)} 个账号申请同一学号，请只确认本人的）" if len(claims) > 1 else ""
    for confirmer in _confirmers(ctx, person[1]):
        send_private(
            ctx.db,
            now,
            confirmer,
            f"{name}（{student_id}）有账号申请绑定{many}：\n{listed}\n"
            f"核实后回复 /确认绑定 {student_id} 账号，例如 /确认绑定 {student_id} {msg.sender_id}",
            prefer=msg.platform,
            dedup_key=f"bind:{msg.platform}:{msg.sender_id}:{confirmer}",
        )
    if accounts_of(ctx.db, student_id):  # the student, on an account already confirmed
        send_private(
            ctx.db,
            now,
            student_id,
            f"有{_claim_line(claims[-1])}申请绑定你的学号 {student_id}。如果不是你本人，"
            "请告诉班长或辅导员；是你的话，可回复 "
            f"/确认绑定 {student_id} {msg.sender_id}",
            prefer=msg.platform,
            dedup_key=f"bind-student:{msg.platform}:{msg.sender_id}:{student_id}",
        )
    ctx.reply(
        f"已提交绑定申请：{name}（{student_id}）。班长或辅导员确认前，这个账号只能报自己的平安，"
        "看不到任何人的数据。"
    )


MAX_LISTED = 40


def _list_unconfirmed(ctx: HandlerContext) -> None:
    """The students of the asker's classes whose accounts are not confirmed yet (who is
    reporting through a binding nobody has checked), privately when asked in a group."""
    mine = sorted(scope(ctx.db, sender(ctx), ctx.today.isoformat()))
    rows = ctx.db.execute(
        f"""
        SELECT p.id, p.name, count(*) FROM accounts a JOIN people p ON p.id = a.person_id
        WHERE a.confirmed = 0 AND p.active = 1 AND p.role = ?
          AND p.class_id IN ({",".join("?" * len(mine)) or "NULL"})
        GROUP BY p.id ORDER BY p.class_id, p.id
        """,
        [STUDENT, *mine],
    ).fetchall()
    if not rows:
        text = "你负责的范围内没有待确认的账号。"
    else:
        shown = "、".join(
            f"{name}（{pid}）" + (f"×{n}" if n > 1 else "") for pid, name, n in rows[:MAX_LISTED]
        )
        more = f" 等 {len(rows)} 人" if len(rows) > MAX_LISTED else ""
        text = f"账号待确认的同学：{shown}{more}。发 /确认绑定 学号 查看账号并确认。"
    ctx.reply(text, private=ctx.message.chat_type == "group")


def _may_confirm(ctx: HandlerContext, person_id: str, role: str) -> bool:
    """Students: their monitor, their counselors, admins, or themselves from a confirmed
    account (find_student checks the scope). Staff: an admin of the same school only
    (docs/schools.md)."""
    me = sender(ctx)
    if role != STUDENT:
        return me.role == ADMIN and school_of(ctx.db, me.id) == school_of(ctx.db, person_id)
    return me.id == person_id or me.role in (MONITOR, *STAFF)


@command(
    "确认绑定",
    summary="列出待确认的账号，或确认某学号的其中一个（其余同平台的申请作废）",
    example="/确认绑定 2021001 12345678",
)
def confirm_bind_command(ctx: HandlerContext, args: str) -> None:
    parts = args.split()
    if not parts and sender(ctx).role in (MONITOR, *STAFF):
        _list_unconfirmed(ctx)
        return
    if not parts or len(parts) > 2:
        ctx.reply("用法：/确认绑定 学号 查看待确认的账号；/确认绑定 学号 账号 确认其中一个")
        return
    person_id = parts[0]
    row = ctx.db.execute(
        "SELECT name, role, class_id FROM people WHERE id = ? AND active = 1", [person_id]
    ).fetchone()
    me = sender(ctx)
    if row is None or not _may_confirm(ctx, person_id, row[1]):
        who = "管理员" if row is not None and row[1] != STUDENT else "本人、班长、辅导员"
        refuse(ctx, "确认绑定", f"学号 {person_id} 的账号只能由{who}确认。")
        return
    in_scope = row[1] != STUDENT or me.id == person_id
    if not in_scope and find_student(ctx, person_id, "确认绑定") is None:
        return
    name, role, class_id = row
    private = ctx.message.chat_type == "group"  # accounts and nicknames: not for a group
    claims = pending_claims(ctx.db, person_id)
    if not claims:
        ctx.reply(f"{name}（{person_id}）没有待确认的账号。", private=private)
        return
    if len(parts) == 1:
        listed = "\n".join(f"{i}. {_claim_line(c)}" for i, c in enumerate(claims, 1))
        ctx.reply(
            f"{name}（{person_id}）待确认的账号：\n{listed}\n"
            f"核实是本人后回复 /确认绑定 {person_id} 账号（只确认一个，同平台其余申请作废）",
            private=private,
        )
        return
    done = confirm_claim(ctx.db, person_id, parts[1])
    if done is None:
        ctx.reply(
            f"{name}（{person_id}）没有这个账号的待确认申请；发 /确认绑定 {person_id} 查看。",
            private=private,
        )
        return
    claim, rejected = done
    now = ctx.clock.now()
    record(
        ctx.db,
        "bind_confirmed",
        me.id,
        now,
        person=person_id,
        account=f"{claim.platform}:{claim.account_id}",
        rejected=[f"{c.platform}:{c.account_id}" for c in rejected],
    )
    for other in rejected:
        ctx.send(
            OutgoingMessage(
                platform=other.platform,
                chat_type="private",
                target=other.account_id,
                text=f"你对学号 {person_id} 的绑定申请未通过；如有疑问请联系辅导员。",
                dedup_key=f"bind-rejected:{other.platform}:{other.account_id}:{now.isoformat()}",
            )
        )
    note = f"已确认 {name}（{person_id}）的{_claim_line(claim)}。"
    if rejected:
        note += "同一学号的其他申请已作废：" + "；".join(_claim_line(c) for c in rejected) + "。"
    ctx.reply(note, private=private)
    if rejected or role != STUDENT or me.role not in STAFF:  # oversight of cadres' choices
        counselors = responsible_counselors(ctx.db, class_id) if class_id else []
        for counselor in counselors:
            if counselor == me.id:
                continue
            send_private(
                ctx.db,
                now,
                counselor,
                f"{me.name}确认了{note.removeprefix('已确认 ')}",
                prefer=ctx.message.platform,
                dedup_key=f"bind-confirmed:{claim.platform}:{claim.account_id}:{counselor}",
            )


def _set_nags(ctx: HandlerContext, on: bool) -> None:
    me = sender(ctx)
    ctx.db.execute("UPDATE people SET private_nags = ? WHERE id = ?", [int(on), me.id])
    record(ctx.db, "nags_on" if on else "nags_off", me.id, ctx.clock.now())
    if on:
        ctx.reply("已恢复私聊提醒。")
    elif me.role == STUDENT:
        ctx.reply("好的，不再私聊提醒你；群里的提醒和未报名单照常。恢复请发 /恢复提醒")
    else:
        ctx.reply("好的，不再私聊提醒你。恢复请发 /恢复提醒")


@command("不要提醒", summary="不再接收私聊催报提醒", example="/不要提醒")
def nags_off_command(ctx: HandlerContext, args: str) -> None:
    _set_nags(ctx, False)


@command("恢复提醒", summary="恢复私聊催报提醒", example="/恢复提醒")
def nags_on_command(ctx: HandlerContext, args: str) -> None:
    _set_nags(ctx, True)
