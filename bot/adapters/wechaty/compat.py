"""Every workaround python-wechaty 0.10.7 needs, in one place, each with its reason.

`wechaty` 0.10.7 (2022) is the last release on PyPI and is unmaintained; its dependencies
moved on. Nothing else in pingan imports `wechaty`, `wechaty_puppet` or
`wechaty_puppet_service` directly: call `load()` and use what it returns, so the patches below
are always applied first and in the right order.

1. Python 3.11+: `wechaty.WechatyOptions` declares `puppet_options: PuppetOptions =
   PuppetOptions()`. PuppetOptions is a non-frozen dataclass, hence unhashable, and since 3.11
   `dataclasses` refuses an unhashable default ("mutable default ... use default_factory"), so
   `import wechaty` fails. We give PuppetOptions identity hashing before the import. The default
   instance is then shared by every WechatyOptions(), and Wechaty() writes the token into it:
   pingan therefore always passes its own PuppetOptions per account.
2. `urllib3` 2 removed `urllib3.get_host`, which `wechaty.user.url_link` imports at module
   level (only to parse GitHub links, which pingan never uses). Instead of pinning urllib3<2
   (which would clash with requests/selenium elsewhere in the project) we restore that one
   function, implemented exactly as urllib3 1.26 did, on top of `urllib3.util.parse_url`.
3. `pyee` 9 moved `AsyncIOEventEmitter` out of the package root (importing it from there
   warns) and pyee 12 removed that path, which wechaty and wechaty-puppet-service use;
   pyproject pins `pyee<12` (checked: importable with 8.2.2, 9.1.1, 11.1.1; not with 13.0.1).
4. `telnetlib` (removed in Python 3.13) is imported at module level by `wechaty.plugin` and
   `wechaty_puppet_service.utils`: the wechaty adapter runs on Python 3.11 and 3.12 only, and
   pyproject installs the wechaty packages only there (`python_version < "3.13"`).
5. Importing `wechaty` creates `./.wechaty/` (a plugin cache evaluated at class definition);
   we point `CACHE_DIR` at a private temporary directory unless the admin set it.
6. wechaty's `get_logger()` gives every module logger its own stderr handler at INFO with
   propagation off, and the SDK logs message texts at INFO (`Room say <text>`, `receive
   message <text>`): health data in the log. We route those loggers back through the root
   logger at WARNING, unless `WECHATY_LOG` asks for more.
7. `Contact`, `Room` and `Message` keep process-wide caches keyed by id (`_pool`), shared by
   every Wechaty instance: with two WeChat accounts in one process, a Room loaded by account A
   would send through account B's puppet. `isolate_pools()` gives one bot's classes their own.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any

from bot.errors import PinganError

log = logging.getLogger(__name__)

MIN_PYTHON = (3, 11)
MAX_PYTHON_EXCLUSIVE = (3, 13)  # telnetlib is gone in 3.13
SDK_LOGGERS_LEVEL = logging.WARNING


class WechatyUnavailable(PinganError, ImportError):
    """The wechaty SDK cannot be imported here (wrong Python, or not installed)."""


@dataclass(frozen=True, slots=True)
class Sdk:
    """The few SDK names pingan uses, imported after the patches."""

    Wechaty: type
    WechatyOptions: type
    PuppetOptions: type
    PuppetService: type
    MessageType: Any
    PuppetStub: type
    EventType: Any
    FileBox: type


_sdk: Sdk | None = None


def _patch_puppet_options() -> None:
    from wechaty_puppet.schemas.puppet import PuppetOptions

    if PuppetOptions.__hash__ is None:
        PuppetOptions.__hash__ = object.__hash__  # type: ignore[method-assign]


def _patch_urllib3() -> None:
    import urllib3

    if hasattr(urllib3, "get_host"):
        return
    from urllib3.util import parse_url

    def get_host(url: str) -> tuple[str, str | None, int | None]:
        """urllib3 1.26's get_host: (scheme, host, port), scheme defaulting to http."""
        p = parse_url(url)
        return p.scheme or "http", p.hostname, p.port

    urllib3.get_host = get_host  # type: ignore[attr-defined]


def _private_cache_dir() -> None:
    if "CACHE_DIR" not in os.environ:
        os.environ["CACHE_DIR"] = os.path.join(tempfile.gettempdir(), "pingan-wechaty-cache")


def _quiet_sdk_loggers(names: set[str]) -> None:
    wanted = os.environ.get("WECHATY_LOG", "").lower()
    level = logging.DEBUG if wanted in ("verbose", "silly") else SDK_LOGGERS_LEVEL
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
        logger.setLevel(level)
    # FileBox warns "mimeType will be deprecated" from its own code on every file sent.
    logging.getLogger("FileBox").setLevel(max(level, logging.ERROR))


def load() -> Sdk:
    """Apply the workarounds once and import the SDK; raise WechatyUnavailable if impossible."""
    global _sdk
    if _sdk is not None:
        return _sdk
    if not (MIN_PYTHON <= sys.version_info[:2] < MAX_PYTHON_EXCLUSIVE):
        raise WechatyUnavailable(
            "the wechaty adapter needs Python 3.11 or 3.12 (python-wechaty 0.10.7 imports "
            f"telnetlib, removed in 3.13); this is Python {sys.version.split()[0]}"
        )
    before = set(logging.root.manager.loggerDict)
    try:
        _patch_urllib3()
        _patch_puppet_options()
        _private_cache_dir()
        with warnings.catch_warnings():
            # Known and explained above (items 3 and 4); not news at every start.
            warnings.filterwarnings("ignore", message=".*telnetlib", category=DeprecationWarning)
            warnings.filterwarnings("ignore", message=".*pyee.asyncio", category=DeprecationWarning)
            import wechaty
            import wechaty_puppet_service
            from wechaty_grpc.wechaty import PuppetStub
            from wechaty_grpc.wechaty.puppet import EventType
            from wechaty_puppet import FileBox, MessageType
            from wechaty_puppet.schemas.puppet import PuppetOptions
    except ImportError as e:
        raise WechatyUnavailable(
            f"cannot import the wechaty SDK ({e}); install pingan with its wechaty extras: "
            "pip install 'wechaty==0.10.7' 'pyee<12'"
        ) from e
    _quiet_sdk_loggers(set(logging.root.manager.loggerDict) - before)
    _sdk = Sdk(
        Wechaty=wechaty.Wechaty,
        WechatyOptions=wechaty.WechatyOptions,
        PuppetOptions=PuppetOptions,
        PuppetService=wechaty_puppet_service.PuppetService,
        MessageType=MessageType,
        PuppetStub=PuppetStub,
        EventType=EventType,
        FileBox=FileBox,
    )
    return _sdk


def isolate_pools(bot: Any) -> None:
    """Give one Wechaty instance's accessory classes their own id caches (see 7 above).

    Call after `bot.init_puppet()`, which creates the per-bot subclasses; a reconnect calls it
    again, so cached payloads (room names, member lists) are also refreshed then.
    """
    for name in ("Contact", "ContactSelf", "Room"):
        cls = getattr(bot, name)
        cls._pool = {}
