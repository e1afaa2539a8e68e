"""`pingan demo [--days N] [--db PATH] [--seed S]`: the embedded default, end to end."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bot.adapters.sim.demo import DemoResult, run_demo
from bot.adapters.sim.settings import sim_settings
from bot.adapters.sim.transcript import PRIVATE
from bot.defaults import DEMO_CONFIG
from core.config import load_config

HELP = "用自带的示例名单模拟完整的一天（或 N 天）"
# The message path's outcomes (handlers.pipeline.Outcome), as the footer names them.
OUTCOME_LABELS = {
    "checkin": "报送",
    "chain": "接龙",
    "list": "多人报送",
    "command": "命令",
    "other": "其他消息",
    "duplicate": "重复消息",
    "error": "出错",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=1, help="模拟几天（默认 1）")
    parser.add_argument(
        "--db", default="pingan-demo.db", help="要（重新）建立的 SQLite 文件（默认 pingan-demo.db）"
    )
    parser.add_argument("--seed", type=int, default=None, help="模拟的随机种子（默认取配置）")
    parser.add_argument(
        "--config", default=str(DEMO_CONFIG), help="配置文件（默认包内自带的示例配置）"
    )


def render(result: DemoResult) -> str:
    titles = {**result.titles, PRIVATE: "私聊（机器人发给个人）"}
    out = [result.transcript.render(titles)]
    out.append("== 汇总核对（直接查询 SQLite）==")
    for day, counts in result.counts.items():
        for c in counts:
            out.append(
                f"{day} {c.path}: 应报 {c.expected} 实报 {c.reported} "
                f"未报 {c.missing} 异常 {c.abnormal}"
            )
    handled = "，".join(
        f"{label} {result.outcomes[kind]} 条"
        for kind, label in OUTCOME_LABELS.items()
        if kind in result.outcomes
    )
    out.append(f"消息处理：{handled}")
    out.append(f"数据库: {result.db_path}（可用 sqlite3 查看 reports、outbox、raw_messages）")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    if args.days < 1:
        print("pingan demo: --days 至少为 1", file=sys.stderr)
        return 2
    config = load_config(args.config)
    seed = sim_settings(config).seed if args.seed is None else args.seed
    started = time.monotonic()
    result = asyncio.run(run_demo(config, Path(args.db), days=args.days, seed=seed))
    print(render(result))
    print(f"用时 {time.monotonic() - started:.1f} 秒", file=sys.stderr)
    return 0
