"""`pingan token create|list|revoke`: dashboard logins for counselors and admins.

`create` prints the login link for a browser and, alone on the last line, the token itself,
so a script can take it with `tail -n1`. The token is shown once; only its hash is kept.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from urllib.parse import quote

from bot.cli.args import add_config
from core.clock import SystemClock
from core.config import Config, load_config
from storage.db import open_store
from storage.tokens import create_token, list_tokens, revoke_person, revoke_token

HELP = "看板登录令牌：生成、列出、吊销"
STATES = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config(parser)
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="给一个人生成新令牌（只显示一次）")
    create.add_argument("person_id", metavar="PERSON_ID", help="花名册里的学号/工号")
    create.add_argument("--days", type=_days, default=30, help="有效 N 天（默认 30）")
    create.add_argument("--label", default="", help="备注，`token list` 时显示")
    listing = sub.add_parser("list", help="列出令牌及其人员、有效期和状态")
    listing.add_argument("--person", metavar="PERSON_ID", help="只列这个人的令牌")
    revoke = sub.add_parser("revoke", help="按编号吊销一个令牌，或吊销某人的全部令牌")
    target = revoke.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "token_id", nargs="?", type=int, metavar="TOKEN_ID", help="token list 里的编号"
    )
    target.add_argument("--person", metavar="PERSON_ID", help="这个人的全部令牌")
    for action in (create, listing, revoke):
        add_config(action, inherited=True)


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"天数应是不小于 1 的整数，收到 {text!r}")
    return value


def _base_url(config: Config) -> str:
    if config.web.public_url:
        return config.web.public_url.rstrip("/")
    host = config.web.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{config.web.port}"


def _local(stamp: str | None, config: Config) -> str:
    if not stamp:
        return "-"
    return f"{datetime.fromisoformat(stamp).astimezone(config.tz):%Y-%m-%d %H:%M}"


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    clock = SystemClock(config.tz)
    db = open_store(config.store_url)
    try:
        now = clock.now()
        if args.action == "create":
            with db.atomic():
                token_id, token = create_token(
                    db, args.person_id, now, days=args.days, label=args.label
                )
            row = next(t for t in list_tokens(db, person_id=args.person_id) if t.id == token_id)
            print(
                f"令牌 #{token_id}：{row.person_name}（{row.person_id}），"
                f"有效期至 {_local(row.expires_at, config)}"
            )
            print(f"登录链接：{_base_url(config)}/login?token={quote(token)}")
            print(token)
        elif args.action == "list":
            rows = list_tokens(db, person_id=args.person)
            print("编号\t学号/工号\t姓名\t状态\t有效期至\t最近使用\t备注")
            for t in rows:
                print(
                    f"{t.id}\t{t.person_id}\t{t.person_name}\t{STATES[t.state(now)]}\t"
                    f"{_local(t.expires_at, config)}\t{_local(t.last_used_at, config)}\t{t.label}"
                )
        elif args.person:
            with db.atomic():
                count = revoke_person(db, args.person, now)
            print(f"已吊销 {args.person} 的 {count} 个令牌")
        else:
            with db.atomic():
                changed = revoke_token(db, args.token_id, now)
            print(f"令牌 #{args.token_id} " + ("已吊销" if changed else "早已吊销"))
    finally:
        db.close()
    return 0
