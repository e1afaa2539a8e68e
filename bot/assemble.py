"""`pingan run` put together from config, one marked step per part.

    1. storage    open the database; import the roster if newer; bind the configured groups;
                  WAL checkpoints in their own thread (storage/checkpoint.py)
    2. pipeline   handlers.pipeline.Pipeline; its on_queued wakes the outbox senders
    3. adapters   every configured adapter the registry has (bot/adapters/registry.py:
                  OneBot (QQ), wechaty (WeChat), sim...), each built by its package's
                  factory from one context; a sender per account as the adapter announces
                  it, then the group member lists bound to the roster (bot/members.py) and
                  the messages missed while away (bot/backfill.py); recalls withdraw the
                  reports they made (handlers/recall.py), member changes bind joiners
    4. scheduler  schedules.build_scheduler on the same clock; each run wakes the senders
    5. ops        the webhook robots' sender (ops.webhooks) and the account watch that tells
                  the admins when an account is down (bot/ops/alerts.py)
    6. web        bot.web.create_web_app on web.host:web.port, when web.enabled, with
                  /healthz and /metrics (bot/ops/endpoints.py)

Parts that live on other branches (wechaty, the dashboard) are imported when present; a
config that asks for a part this build lacks is reported at start, never silently ignored.

With `cluster.enabled` (several processes on one database, docs/run.md) the chat accounts
and the webhook robots are not started with the rest: each configured adapter is split into
one adapter per account (the registry's `accounts`), and bot/cluster.py connects each one
while this process holds its lease; every outbox row is claimed before it is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import web

from bot.adapters import registry
from bot.adapters.base import Account, AdapterContext
from bot.app import App, Component
from bot.backfill import backfill
from bot.cluster import lease_account, lease_robots, start_cluster
from bot.member_events import apply_member_change
from bot.members import learn_account
from bot.outbox.limits import RateLimiter
from bot.ownership import Ownership
from core.clock import Clock, SystemClock
from core.config import Config
from core.messages import MemberChange, Recall
from handlers.pipeline import Pipeline
from handlers.recall import withdraw
from schedules import Deps, build_scheduler
from storage.backend import is_postgres
from storage.checkpoint import Checkpointer
from storage.db import open_store
from storage.latest import latest_activity
from storage.startup import prepare
from storage.txn import patient

log = logging.getLogger(__name__)

WEB_SHUTDOWN_S = 2.0
UNPACED_PER_MINUTE = 100_000  # simulated chats: no risk control to respect


def _default_clock(config: Config) -> Clock:
    """The wall clock, unless a configured adapter offers its own (the simulator's page
    moves its clock forward)."""
    for spec in registry.configured(config):
        if spec.default_clock is not None and (clock := spec.default_clock(config)) is not None:
            return clock
    return SystemClock(config.tz)


def build_app(config: Config, clock: Clock | None = None) -> App:
    registry.discover()
    clock = clock or _default_clock(config)
    # -- step 1: storage ------------------------------------------------------------------
    db = open_store(config.store_url)
    resume_after = getattr(clock, "resume_after", None)
    if resume_after is not None and (latest := latest_activity(db)) is not None:
        resume_after(latest)  # the simulator's clock never starts behind what it stored
    try:
        # Processes of a cluster starting together import the roster once, one at a time.
        with patient(db) if config.cluster.enabled else contextlib.nullcontext():
            prepare(db, config, clock.now())
    except Exception:
        db.close()
        raise
    app = App(config, db, clock)
    _checkpoints(app)
    ownership = start_cluster(app)
    # -- step 2: the message pipeline (handlers/pipeline.py) -------------------------------
    # app.metrics hears of every batch: messages by outcome, handling and parse time
    pipeline = Pipeline(db, config, clock, on_queued=app.wake_senders, observer=app.metrics)
    app.pipeline = pipeline
    _parse_worker(app, pipeline)
    # -- step 3: chat adapters ------------------------------------------------------------
    bridge = _adapters(app, ownership)
    if not registry.configured(config):
        log.warning("no chat adapter configured: only the scheduler and dashboard run")
    # -- step 4: the scheduler ------------------------------------------------------------
    _scheduler(app)
    # -- step 5: operations: webhook robots, account-down alerts ---------------------------
    _ops(app, ownership)
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


def _adapters(app: App, ownership: Ownership | None) -> Any:
    """Every configured adapter the registry has (bot/adapters/registry.py), built through its
    factory with the same context; returns the first web page one offers (the simulator's).
    In a cluster each is split into one adapter per account, each started on its lease."""
    page = None
    for spec in registry.configured(app.config):
        if ownership is not None:
            _leased(app, ownership, spec)
            continue
        try:
            adapter = spec.build(_context(app, app.config.adapters.section(spec.name)))
        except Exception:  # a broken adapter never stops the others
            log.exception("adapter %s cannot run; the others go on", spec.name)
            continue
        app.board.add_source(adapter.states)
        app.components.append(Component(adapter.label, adapter.start, adapter.stop))
        page = page if page is not None else adapter.web_page()
    return page


def _leased(app: App, ownership: Ownership, spec: registry.AdapterSpec) -> None:
    """One adapter per account of the section (config validation made sure every entry says
    which account it is, and refused adapters that cannot be split), built afresh each time
    this process gains the account's lease."""
    assert spec.accounts is not None  # core/config.py refuses such a section in a cluster
    for account, settings in spec.accounts(app.config.adapters.section(spec.name)):
        context = _context(app, settings)
        lease_account(app, ownership, spec.platform, account, partial(spec.build, context))


def _context(app: App, settings: Any) -> AdapterContext:
    """The context a factory builds from; `settings` is the adapter's section (in a cluster,
    the one account's part of it)."""

    def ready(account: Account) -> None:
        connected = app.clock.now()  # before any live message of this connection is kept
        sender = app.add_transport(account)
        if not account.paced:
            sender.limiter = RateLimiter(0, UNPACED_PER_MINUTE)
        app.spawn(_learn_and_backfill(app, account, connected),
                  f"{account.platform} {account.account} groups and members")  # fmt: skip

    async def recalled(recall: Recall) -> None:
        if withdraw(app.db, recall, app.clock.now()):
            app.wake_senders()

    async def member_changed(change: MemberChange) -> None:
        apply_member_change(app.db, app.config, app.clock, change)

    return AdapterContext(
        config=app.config,
        settings=settings,
        db=app.db,
        clock=app.clock,
        on_batch=app.handle_many,
        on_account=ready,
        on_recall=recalled,
        on_member=member_changed,
        handle=app.pipeline.handle if isinstance(app.pipeline, Pipeline) else app.handle,
        wake=app.wake_senders,
    )


async def _learn_and_backfill(app: App, account: Account, connected: datetime) -> None:
    """Groups and members first (routing), then the messages missed while disconnected:
    those written before `connected` and not kept (what arrives live meanwhile is kept, and
    must not hide the gap before it)."""
    await learn_account(app, account)
    groups = [g.chat for g in app.config.groups if g.platform == account.platform]
    joined = app.routes.groups(account.platform, account.account)
    if joined is not None:
        groups = [g for g in groups if g in joined]
    await backfill(app.db, account, groups, app.handle_many, connected)


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


def _ops(app: App, ownership: Ownership | None) -> None:
    from bot.ops.alerts import AccountWatch

    async def nothing() -> None:
        return None

    if app.config.ops.webhooks and ownership is not None:
        lease_robots(app, ownership)
    elif app.config.ops.webhooks:
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
