"""`pingan run`: the bot itself, until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from bot import logtime
from core.clock import Clock
from core.config import Config, load_config

HELP = "运行机器人：聊天适配器、发件箱、定时任务和网页看板，直到 SIGINT/SIGTERM"

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="config.yaml", help="配置文件（默认 ./config.yaml）")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    logtime.use_zone(config.tz)  # 07:00 jobs log as 07:00+08:00, not 23:00 on a UTC server
    root = logging.getLogger()
    if root.level > logging.INFO:  # a service says what it is doing; -v gives DEBUG
        root.setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)  # a line per job added
    return asyncio.run(serve(config))


async def serve(
    config: Config, stop: asyncio.Event | None = None, clock: Clock | None = None
) -> int:
    """Start everything, wait for a stop signal (or `stop`), stop everything.

    `clock` defaults to the wall clock in the configured zone (tests pin a day with one)."""
    from bot.assemble import build_app  # imports the whole bot: only when it runs

    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = build_app(config, clock)
    try:
        await app.start()
        log.info("pingan running; SIGINT or SIGTERM stops it")
        await stop.wait()
        log.info("stopping")
    finally:
        await app.stop()
        app.db.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("stopped cleanly")
    return 0
