"""/绑定, /确认绑定, /不要提醒, /恢复提醒: a person's chat accounts and reminder choice."""

from __future__ import annotations

from handlers.commands.common import find_student, sender
from handlers.commands.registry import ANYONE, command
from handlers.context import HandlerContext
from handlers.notify import send_private
from handlers.permissions import STAFF, STUDENT, refuse, responsible_counselors
from storage.audit import record

PLATFORM_NAMES = {"qq": "QQ", "wechat": "微信", "sim": "模拟"}


@command(
    "绑定",
    roles=(ANYONE,),
    summary="把自己的聊天账号绑定到花名册（学号和姓名都要对上）",
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
            state = "已绑定" if bound[1] else "已提交，等待辅导员确认"
            ctx.reply(f"这个账号{state}（{student_id}）。")
        else:
            refuse(ctx, "绑定", "这个账号已绑定其他同学；如需更改请联系辅导员。")
        return
    person = ctx.db.execute(
        "SELECT name, class_id FROM people WHERE id = ? AND active = 1", [student_id]
    ).fetchone()
    if person is None or person[0] != name:
        refuse(ctx, "绑定", "学号和姓名对不上花名册，请核对后重试。")
        return
    existing = ctx.db.execute(
        "SELECT count(*) FROM accounts WHERE person_id = ? AND confirmed = 1", [student_id]
    ).fetchone()[0]
    confirmed = existing == 0
    ctx.db.execute(
        "INSERT INTO accounts (platform, account_id, person_id, display_name, confirmed, source,"
        " created_at) VALUES (?, ?, ?, ?, ?, '/绑定', ?)",
        [
            msg.platform,
            msg.sender_id,
            student_id,
            msg.display_name,
            int(confirmed),
            now.isoformat(),
        ],
    )
    record(ctx.db, "bind", actor, now, person=student_id, confirmed=confirmed)
    if confirmed:
        ctx.reply(f"绑定成功：{name}（{student_id}）。")
        return
    platform = PLATFORM_NAMES.get(msg.platform, msg.platform)
    for counselor in responsible_counselors(ctx.db, person[1]) if person[1] else []:
        send_private(
            ctx.db,
            now,
            counselor,
            f"{name}（{student_id}）申请绑定另一个{platform}账号「{msg.display_name}」"
            f"（{msg.sender_id}）。确认请回复 /确认绑定 {student_id}",
            prefer=msg.platform,
            dedup_key=f"bind:{msg.platform}:{msg.sender_id}",
        )
    ctx.reply(f"{name}已有绑定的账号，这个账号需要辅导员确认后生效，已通知辅导员。")


@command(
    "确认绑定",
    roles=STAFF,
    summary="确认学生申请绑定的另一个账号",
    example="/确认绑定 2021001",
)
def confirm_bind_command(ctx: HandlerContext, args: str) -> None:
    student_id = args.strip()
    if not student_id:
        ctx.reply("用法：/确认绑定 学号")
        return
    student = find_student(ctx, student_id, "确认绑定")
    if student is None:
        return
    cursor = ctx.db.execute(
        "UPDATE accounts SET confirmed = 1 WHERE person_id = ? AND confirmed = 0", [student.id]
    )
    if cursor.rowcount == 0:
        ctx.reply(f"{student.name}（{student.id}）没有待确认的账号。")
        return
    record(ctx.db, "bind_confirmed", sender(ctx).id, ctx.clock.now(), person=student.id)
    ctx.reply(f"已确认 {student.name}（{student.id}）的 {cursor.rowcount} 个账号。")


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
