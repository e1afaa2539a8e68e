"""Registers the simulator: `adapters.sim` (settings.py)."""

from __future__ import annotations

import importlib.util

from bot.adapters.base import AdapterContext
from bot.adapters.registry import AdapterSpec, register, specs
from core.clock import Clock
from core.config import Adapters, Config

from .platform import SimPlatform
from .settings import SimSettings

PLATFORM = "sim"


def build(context: AdapterContext) -> SimPlatform:
    """Staff are reached privately on the real platforms; one with no account configured
    gets a simulated stand-in, so those messages show in the simulator's private chat."""
    config = context.config.adapters
    missing = [s.platform for s in specs()
               if s.platform != PLATFORM and not s.configured(config.section(s.name))]  # fmt: skip
    return SimPlatform(context, missing)


def _alone(adapters: Adapters) -> str | None:
    """Simulated students must not report into a real deployment by accident."""
    sim = adapters.section("sim")
    real = [s for s in specs() if s.platform != PLATFORM]
    if not sim.enabled or sim.with_real_accounts:
        return None
    if any(s.configured(adapters.section(s.name)) for s in real):
        return (
            "sim.enabled 与真实的 QQ/微信账号同时开启：请关闭模拟器，"
            "或确实需要时设置 sim.with_real_accounts: true"
        )
    return None


def _clock(config: Config) -> Clock | None:
    """With the simulator and its page, a clock the page can move forward."""
    if not config.web.enabled or importlib.util.find_spec("bot.web") is None:
        return None
    from bot.web.sim_clock import SimClock

    return SimClock(config.tz)


register(
    AdapterSpec(
        name="sim",
        platform=PLATFORM,
        settings=SimSettings,
        default=SimSettings,
        configured=lambda settings: settings.enabled,
        build=build,
        check=_alone,
        default_clock=_clock,
    )
)
