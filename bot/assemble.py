"""`pingan run` put together from config, one marked step per part.

    1. storage    open the database; import the roster if newer; bind the configured groups;
                  WAL checkpoints in their own thread (storage/checkpoint.py)
    2. pipeline   handlers.pipeline.Pipeline; its on_queued wakes the outbox senders
    3. adapters   OneBot (QQ), wechaty (WeChat), sim; a sender per account as it connects,
                  and the group member lists bound to the roster
    4. scheduler  schedules.build_scheduler on the same clock; each run wakes the senders
    5. web        bot.web.create_web_app on web.host:web.port, when web.enabled

Parts that live on other branches (wechaty, the dashboard) are imported when present; a
config that asks for a part this build lacks is reported at start, never silently ignored.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging

from aiohttp import web

from bot.app import App, Component
from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.members import bind_wechat_groups, learn_qq_account
from handlers.pipeline import Pipeline
from schedules import Deps, build_scheduler
from storage.checkpoint import Checkpointer
from storage.db import open_db
from storage.startup import prepare

log = logging.getLogger(__name__)

WEB_SHUTDOWN_S = 2.0


def build_app(config: Config, clock: Clock | None = None) -> App:
    clock = clock or SystemClock(config.tz)
    # -- step 1: storage ------------------------------------------------------------------
    db = open_db(config.db_path)
    prepare(db, config, clock.now())
    app = App(config, db, clock)
    _checkpoints(app)
    # -- step 2: the message pipeline (handlers/pipeline.py) -------------------------------
    pipeline = Pipeline(db, config, clock, on_queued=app.wake_senders)
    app.pipeline = pipeline
    # -- step 3: chat adapters ------------------------------------------------------------
    _onebot(app)
    _wechaty(app)
    bridge = _sim(app)
    if len(app.components) == 1:  # the checkpointer only
        log.warning("no chat adapter configured: only the scheduler and dashboard run")
    # -- step 4: the scheduler ------------------------------------------------------------
    _scheduler(app)
    # -- step 5: the web dashboard --------------------------------------------------------
    _web(app, bridge)
    return app


def _checkpoints(app: App) -> None:
    """First to start, last to stop: the final checkpoint runs after everything wrote."""
    checkpointer = Checkpointer(app.config.db_path)
    checkpointer.take_over(app.db)

    async def start() -> None:
        checkpointer.start()

    async def stop() -> None:
        await asyncio.to_thread(checkpointer.stop)

    app.components.append(Component("WAL checkpoints", start, stop))


def _onebot(app: App) -> None:
    if not app.config.adapters.onebot:
        return
    from bot.adapters.onebot import OneBotAdapter

    def ready(account) -> None:
        app.add_transport(account)
        app.spawn(_learn_and_backfill(app, account), f"qq {account.account} groups and members")

    adapter = OneBotAdapter(
        app.config.adapters.onebot,
        on_message=app.handle,
        on_account=ready,
        tz=app.config.tz,
        on_batch=app.handle_many,
    )
    app.components.append(Component("OneBot (QQ)", adapter.start, adapter.stop))


async def _learn_and_backfill(app: App, account) -> None:
    """Groups and members first (routing), then the messages missed while disconnected."""
    from bot.adapters.onebot.backfill import backfill

    await learn_qq_account(app, account)
    groups = [g.chat for g in app.config.groups if g.platform == "qq"]
    joined = app.routes.groups("qq", account.account)
    if joined is not None:
        groups = [g for g in groups if g in joined]
    await backfill(app.db, account, groups, app.handle_many, app.clock.now(), app.config.tz)


def _wechaty(app: App) -> None:
    connections = app.config.adapters.wechaty
    if not connections:
        return
    if importlib.util.find_spec("bot.adapters.wechaty") is None:
        log.error("adapters.wechaty is configured but this build has no wechaty adapter")
        return
    from bot.adapters.wechaty import WechatyAdapter

    for n, connection in enumerate(connections):
        try:
            adapter = WechatyAdapter(connection, app.handle, tz=app.config.tz)
        except Exception:  # the SDK cannot load here (WechatyUnavailable on Python 3.13+)
            log.exception("wechaty #%d cannot run; QQ and the rest go on", n + 1)
            continue

        async def start(adapter=adapter) -> None:
            await adapter.start()  # returns at once; connects in the background
            app.spawn(_when_ready(app, adapter), "wechat account ready")

        app.components.append(Component(f"wechaty #{n + 1}", start, adapter.stop))


async def _when_ready(app: App, adapter) -> None:
    while not await adapter.wait_ready(60):
        log.info("WeChat: still waiting for the puppet service to accept us")
    app.add_transport(adapter)
    await bind_wechat_groups(app, adapter)


def _sim(app: App):
    """The simulated groups in real time (`adapters.sim.enabled`); returns the dashboard's
    bridge to the chat simulator page when the dashboard is in this build."""
    if not app.config.adapters.sim.enabled:
        return None
    from bot.adapters.sim.adapter import SimAdapter
    from bot.adapters.sim.campus import SimCampus

    campus = SimCampus(app.db, app.config, app.config.adapters.sim.seed)
    adapter = SimAdapter(campus, app.handle, app.clock)
    app.add_transport(adapter.transport)

    async def start() -> None:
        adapter.start()

    app.components.append(Component("sim adapter", start, adapter.stop))
    if importlib.util.find_spec("bot.web") is None:
        return None
    from bot.web import SimBridge

    return SimBridge(
        campus=campus,
        transcript=adapter.transcript,
        handle=app.pipeline.handle if isinstance(app.pipeline, Pipeline) else app.handle,
        clock=app.clock,
        wake=app.wake_senders,
    )


def _scheduler(app: App) -> None:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

    scheduler = build_scheduler(Deps(app.db, app.config, app.clock))
    scheduler.add_listener(lambda _event: app.wake_senders(), EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    async def start() -> None:
        scheduler.start()  # runs the catch-up of what was missed while down, then the jobs

    async def stop() -> None:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)

    app.components.append(Component("scheduler", start, stop))


def _web(app: App, bridge) -> None:
    settings = app.config.web
    if not settings.enabled:
        return
    if importlib.util.find_spec("bot.web") is None:
        log.warning("web.enabled but this build has no dashboard (bot/web); not serving it")
        return
    from bot.web import create_web_app

    runner: web.AppRunner | None = None

    async def start() -> None:
        nonlocal runner
        site_app = create_web_app(app.db, app.config, app.clock, sim=bridge)
        runner = web.AppRunner(
            site_app, handle_signals=False, access_log=None, shutdown_timeout=WEB_SHUTDOWN_S
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
        except OSError:
            await runner.cleanup()
            raise
        log.info("dashboard on http://%s:%s/", settings.host, settings.port)

    async def stop() -> None:
        if runner is not None:
            await runner.cleanup()

    app.components.append(Component("web dashboard", start, stop))
