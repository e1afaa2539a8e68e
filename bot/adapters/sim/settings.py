"""`adapters.sim`: the simulator's settings, declared here and validated through the
registry (bot/adapters/registry.py)."""

from __future__ import annotations

from pydantic import Field

from core.config import Config, Strict


class SimSettings(Strict):
    enabled: bool = False
    seed: int = 2020
    web_remote: bool = Field(
        default=False, description="serve the /sim page to other machines, not only loopback"
    )
    with_real_accounts: bool = Field(
        default=False, description="allow the simulator beside real QQ/WeChat accounts"
    )


def sim_settings(config: Config) -> SimSettings:
    """This config's `adapters.sim`, typed."""
    section = config.adapters.section("sim")
    assert isinstance(section, SimSettings)
    return section
