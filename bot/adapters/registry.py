"""Which chat platforms this build has: platform name → adapter factory and config section.

Every package under bot/adapters/ with a `factory` module is found by `discover()`; importing
that module registers it (`register`), which also declares its `adapters.<name>` section and
its platform to config validation (core/config.py `declare_section`). So a new platform is one
new folder: nothing in assembly, config or the core names it (docs/adapters.md).

`discover()` runs before a config is read (the CLI, `build_app`, the test suite): a group
bound to a platform no package registered is a config error, not a silent no-op.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import bot.adapters
from bot.adapters.base import Adapter, AdapterContext
from core.clock import Clock
from core.config import Adapters, Config, Section, declare_section, withdraw_section


@dataclass(frozen=True, slots=True)
class AdapterSpec:
    """What a package registers.

    `name` is its config key (`adapters.<name>`) and `settings` that section's type (a model
    or a list of them) with `default` its value when the file has none; `configured` says
    whether a section asks for the adapter to run. `check` sees every section (a conflict
    between them, or None). `default_clock`, when given, may offer the clock `pingan run`
    runs on when this adapter is configured (the simulator's page can move time on).

    `accounts`, for a cluster (several processes on one database, docs/run.md), splits the
    section into one section per account, each with the account's name: `build` on such a
    part makes an adapter of that one account, which a process runs while it holds the lease
    `platform:account` (bot/cluster.py). It raises ValueError naming an entry that does not
    say which account it is. An adapter without it (the simulator) cannot run in a cluster.
    """

    name: str
    platform: str
    settings: Any
    default: Callable[[], Any]
    configured: Callable[[Any], bool]
    build: Callable[[AdapterContext], Adapter]
    check: Callable[[Adapters], str | None] | None = None
    default_clock: Callable[[Config], Clock | None] | None = None
    accounts: Callable[[Any], list[tuple[str, Any]]] | None = None


def one_account_per_entry(
    section: str, named_by: str, wanted: str
) -> Callable[[list[Any]], list[tuple[str, list[Any]]]]:
    """`AdapterSpec.accounts` for a section that is a list of entries, one account each, named
    by the entry's attribute `named_by`; an entry without it is refused (`wanted` says what
    the user must write) because a lease needs a name."""

    def accounts(entries: list[Any]) -> list[tuple[str, list[Any]]]:
        split = []
        for n, entry in enumerate(entries):
            name = getattr(entry, named_by)
            if not name:
                raise ValueError(f"adapters.{section}[{n}] 需要 {wanted}")
            split.append((name, [entry]))
        return split

    return accounts


_specs: dict[str, AdapterSpec] = {}


def register(spec: AdapterSpec) -> None:
    """Add (or replace) a platform; its section is validated from now on."""
    _specs[spec.name] = spec
    declare_section(
        Section(
            spec.name,
            spec.platform,
            spec.settings,
            spec.default,
            spec.check,
            configured=spec.configured,
            accounts=spec.accounts,
        )
    )


def unregister(name: str) -> None:
    """Remove a platform again (a test's own)."""
    _specs.pop(name, None)
    withdraw_section(name)


def specs() -> list[AdapterSpec]:
    return list(_specs.values())


def configured(config: Config) -> list[AdapterSpec]:
    """The registered adapters this config asks to run, in registration order."""
    return [s for s in _specs.values() if s.configured(config.adapters.section(s.name))]


def discover() -> None:
    """Import every adapter package's factory (each registers itself); idempotent."""
    for found in pkgutil.iter_modules(bot.adapters.__path__):
        if found.ispkg:
            module = f"bot.adapters.{found.name}.factory"
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
