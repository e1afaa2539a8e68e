"""`pingan run` put together from config, one marked step per part.

    1. storage    open the database; import the roster if newer; bind the configured groups;
                  WAL checkpoints in their own thread (storage/checkpoint.py)
    2. pipeline   handlers.pipeline.Pipeline; its on_queued wakes the outbox senders
    3. adapters   OneBot (QQ), wechaty (WeChat), sim; a sender per account as it connects,
                  and the group member lists bound to the roster (QQ: at each connect and
                  each join or card change; WeChat: at each login); QQ recalls withdraw
                  the reports they made (handlers/recall.py)
    4. scheduler  schedules.build_scheduler on the same clock; each run wakes the senders
    5. ops        the webhook robots' sender (ops.webhooks) and the account watch that tells
                  the admins when an account is down (bot/ops/alerts.py)
    6. web        bot.web.create_web_app on web.host:web.port, when web.enabled, with
                  /healthz and /metrics (bot/ops/endpoints.py)

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
from bot.member_events import apply_member_change
from bot.members import bind_wechat_groups, learn_qq_account
from bot.messages import MemberChange, Recall
from bot.outbox.limits import RateLimiter
from handlers.pipeline import Pipeline
from handlers.recall import withdraw
from schedules import Deps, build_scheduler
from storage.backend import is_postgres
from storage.checkpoint import Checkpointer
from storage.db import open_store
from storage.latest import latest_activity
from storage.startup import prepare

log = logging.getLogger(__name__)

WEB_SHUTDOWN_S = 2.0
WECHAT_READY_S = 60.0  # after a login, how long binding waits for the service to accept us
SIM_PER_MINUTE = 100_000


def _default_clock(config: Config) -> Clock:
    """The wall clock; with the simulator and its page, one the page can move forward."""
    if config.adapters.sim.enabled and config.web.enabled and _has_dashboard():
        from bot.web.sim_clock import SimClock

        return SimClock(config.tz)
    return SystemClock(config.tz)


def _has_dashboard() -> bool:
    return importlib.util.find_spec("bot.web") is not None


def build_app(config: Config, clock: Clock | None = None) -> App:
    clock = clock or _default_clock(config)
    # -- step 1: storage ------------------------------------------------------------------
    db = open_store(config.store_url)
    resume_after = getattr(clock, "resume_after", None)
    if resume_after is not None and (latest := latest_activity(db)) is not None:
        resume_after(latest)  # the simulator's clock never starts behind what it stored
    try:
        prepare(db, config, clock.now())
    except Exception:
        db.close()
        raise
    app = App(config, db, clock)
    _checkpoints(app)
    # -- step 2: the message pipeline (handlers/pipeline.py) -------------------------------
    # app.metrics hears of every batch: messages by outcome, handling and parse time
    pipeline = Pipeline(db, config, clock, on_queued=app.wake_senders, observer=app.metrics)
    app.pipeline = pipeline
    _parse_worker(app, pipeline)
    # -- step 3: chat adapters ------------------------------------------------------------
    _onebot(app)
    _wechaty(app)
    bridge = _sim(app)
    if len(app.components) == 2:  # the checkpointer and the parse worker only
        log.warning("no chat adapter configured: only the scheduler and dashboard run")
    # -- step 4: the scheduler ------------------------------------------------------------
    _scheduler(app)
    # -- step 5: operations: webhook robots, account-down alerts ---------------------------
    _ops(app)
    # -- step 6: the web dashboard --------------------------------------------------------
    _web(app, bridge)
    return app


def _checkpoints(app: App) -> None:
    """First to start, last to stop: the final checkpoint runs after everything wrote.
    SQLite's WAL only: PostgreSQL checkpoints itself."""
    if is_postgres(app.db):
        return
    checkpointer = Checkpointer(app.config.db_path)
    checkpointer.take_over(app.db)

    async def start() -> None:
        checkpointer.start()

    async def stop() -> None:
        await asyncio.to_thread(checkpointer.stop)

    app.components.append(Component("WAL checkpoints", start, stop))


def _parse_worker(app: App, pipeline: Pipeline) -> None:
    """Stopped after the adapters (components stop in reverse): nothing is read after it."""

    async def start() -> None:
        return None

    async def stop() -> None:
        pipeline.close()

    app.components.append(Component("parse worker", start, stop))


def _onebot(app: App) -> None:
    if not app.config.adapters.onebot:
        return
    from bot.adapters.onebot import OneBotAdapter

    def ready(account) -> None:
        app.add_transport(account)
        app.spawn(_learn_and_backfill(app, account), f"qq {account.account} groups and members")

    async def recalled(recall: Recall) -> None:
        if withdraw(app.db, recall, app.clock.now()):
            app.wake_senders()

    async def member_changed(change: MemberChange) -> None:
        apply_member_change(app.db, app.config, app.clock, change)

    adapter = OneBotAdapter(
        app.config.adapters.onebot,
        on_message=app.handle,
        on_account=ready,
        tz=app.config.tz,
        on_batch=app.handle_many,
        on_recall=recalled,
        on_member=member_changed,
    )
    app.board.add_source(adapter.states)
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

    def logged_in(adapter: WechatyAdapter) -> None:
        app.spawn(_bind_after_login(app, adapter), f"wechat {adapter.account} members")

    for n, connection in enumerate(connections):
        try:
            adapter = WechatyAdapter(connection, app.handle, tz=app.config.tz, on_login=logged_in)
        except Exception:  # a bad account entry never stops the others
            log.exception("wechaty #%d cannot run; QQ and the rest go on", n + 1)
            continue

        app.board.watch(adapter)

        async def start(adapter=adapter) -> None:
            await adapter.start()  # returns at once; connects in the background
            app.spawn(_when_ready(app, adapter), "wechat account ready")

        app.components.append(Component(f"wechaty #{n + 1}", start, adapter.stop))


async def _when_ready(app: App, adapter) -> None:
    while not await adapter.wait_ready(60):
        log.info("WeChat: still waiting for the puppet service to accept us")
    app.add_transport(adapter)


async def _bind_after_login(app: App, adapter) -> None:
    """A login event can come in before the service has accepted our Start: wait for it."""
    if await adapter.wait_ready(WECHAT_READY_S):
        await bind_wechat_groups(app, adapter)
    else:
        log.info(
            "WeChat %s logged in but not ready; members bound at the next login", adapter.account
        )


def _sim(app: App):
    """The simulated groups in real time (`adapters.sim.enabled`); returns the dashboard's
    bridge to the chat simulator page when the dashboard is in this build."""
    if not app.config.adapters.sim.enabled:
        return None
    from bot.adapters.sim.adapter import SimAdapter
    from bot.adapters.sim.campus import SimCampus
    from bot.adapters.sim.transport import SimTransport

    campus = SimCampus(app.db, app.config, app.config.adapters.sim.seed)
    # On the page's SimClock the students' waits end early when the page moves time on.
    sleep = getattr(app.clock, "sleep", asyncio.sleep)
    adapter = SimAdapter(campus, app.handle, app.clock, sleep=sleep)
    transports = [adapter.transport]
    # Staff are reached privately on QQ/WeChat; with no real account of that platform, the
    # simulator stands in (as in the demo), so those messages show in its private chat.
    real = {"qq": app.config.adapters.onebot, "wechat": app.config.adapters.wechaty}
    for platform, accounts in real.items():
        if not accounts:
            transports.append(
                SimTransport(adapter.transcript, app.clock, campus.name_of, platform=platform)
            )
    for transport in transports:
        # Simulated chats have no risk control to respect: nothing waits behind a nag.
        app.add_transport(transport).limiter = RateLimiter(0, SIM_PER_MINUTE)

    async def start() -> None:
        adapter.start()

    app.board.watch(adapter)
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
    scheduler.add_listener(  # job ids are `name@HH:MM`: one series per job, not per time
        lambda event: app.metrics.job_ran(event.job_id.split("@")[0], event.exception is not None),
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
    )
    on_jump = getattr(app.clock, "on_jump", None)
    if on_jump is not None:  # the simulator page moved the clock: run what is due now
        on_jump(scheduler.wakeup)

    async def start() -> None:
        scheduler.start()  # runs the catch-up of what was missed while down, then the jobs

    async def stop() -> None:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)

    app.components.append(Component("scheduler", start, stop))


def _ops(app: App) -> None:
    from bot.ops.alerts import AccountWatch

    async def nothing() -> None:
        return None

    if app.config.ops.webhooks:
        from bot.webhooks import WebhookTransport

        robots = WebhookTransport(app.config.ops.webhooks)
        app.add_transport(robots)
        app.components.append(Component("webhook robots", nothing, robots.close))
    watch = AccountWatch(app.db, app.config, app.clock, app.board, on_queued=app.wake_senders)

    async def start() -> None:
        app.spawn(watch.run(), "account watch")

    app.components.append(Component("account watch", start, nothing))


def _base_url(settings, runner: web.AppRunner) -> str:
    """Where a browser on this machine reaches the dashboard (the bound port, if 0 was asked)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host, port = settings.host, settings.port
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            port = address[1]
            break
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _web(app: App, bridge) -> None:
    settings = app.config.web
    if not settings.enabled:
        return
    if importlib.util.find_spec("bot.web") is None:
        log.warning("web.enabled but this build has no dashboard (bot/web); not serving it")
        return
    from bot.ops.endpoints import OpsView
    from bot.web import create_web_app, sim_url

    runner: web.AppRunner | None = None

    async def start() -> None:
        nonlocal runner
        ops = OpsView(app.db, app.clock, app.board, app.metrics, app.config.ops.metrics_token)
        site_app = create_web_app(
            app.db, app.config, app.clock, sim=bridge, wake=app.wake_senders, ops=ops
        )
        runner = web.AppRunner(
            site_app, handle_signals=False, access_log=None, shutdown_timeout=WEB_SHUTDOWN_S
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.host, settings.port).start()
        except OSError:
            await runner.cleanup()
            raise
        base = _base_url(settings, runner)
        log.info("dashboard on %s/ (log in with a link from `pingan token create`)", base)
        if bridge is not None:
            log.info("chat simulator: open %s", sim_url(site_app, base))

    async def stop() -> None:
        if runner is not None:
            await runner.cleanup()

    app.components.append(Component("web dashboard", start, stop))
