"""config.yaml as one typed, validated object.

Validation happens once at start; an error names the file, the key path and what was
expected, so an admin can fix it without reading a traceback.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.errors import ConfigError

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
ENDPOINT = re.compile(
    r"^(?:[A-Za-z0-9][A-Za-z0-9.\-]*|\[[0-9A-Fa-f:.]+\]):"
    r"(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$"
)


def _check_hhmm(value: str) -> str:
    if not isinstance(value, str) or not HHMM.match(value):
        raise ValueError(f"expected a time HH:MM (00:00–23:59), got {value!r}")
    return value


Time = Annotated[str, Field(description="local time HH:MM")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckinTimes(Strict):
    opens: Time = "07:00"
    nags: list[Time] = ["10:00", "12:00"]
    escalate: Time = "13:00"
    closes: Time = "14:00"
    summary: Time = "21:00"

    _times = field_validator("opens", "escalate", "closes", "summary")(_check_hhmm)

    @field_validator("nags")
    @classmethod
    def _nags(cls, value: list[str]) -> list[str]:
        return [_check_hhmm(v) for v in value]


class CheckinOverride(Strict):
    """Per-node times: a college may open earlier. Unset fields inherit the school's."""

    opens: Time | None = None
    nags: list[Time] | None = None
    escalate: Time | None = None
    closes: Time | None = None
    summary: Time | None = None

    _times = field_validator("opens", "escalate", "closes", "summary")(
        lambda v: v if v is None else _check_hhmm(v)
    )

    @field_validator("nags")
    @classmethod
    def _nags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_check_hhmm(v) for v in value]


class Checkin(CheckinTimes):
    days: Literal["every_day", "weekdays"] = "every_day"
    holidays: list[date] = []
    workdays: list[date] = Field(default=[], description="weekend days that are on (调休)")
    overrides: dict[str, CheckinOverride] = {}
    grace_minutes: int = Field(default=120, ge=0, description="catch-up window after downtime")
    charts: bool = Field(default=True, description="attach a completion chart to summaries")
    chart_days: int = Field(default=14, ge=2, le=60, description="days shown in the chart")
    open_chain: bool = Field(
        default=False, description="at opens, the bot also posts the day's 接龙 in class groups"
    )


class Storage(Strict):
    path: str = "pingan.db"


class GroupBinding(Strict):
    platform: Literal["qq", "wechat", "sim"]
    chat: str
    node: str
    purpose: Literal["class", "counselor", "duty", "admin"]

    @field_validator("chat", mode="before")
    @classmethod
    def _chat_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("node")
    @classmethod
    def _node_path(cls, value: str) -> str:
        parts = value.split("/")
        if not value or any(not p.strip() for p in parts) or len(parts) > 3:
            raise ValueError(f"expected a node path like 学院/年级/班级, got {value!r}")
        return value


class SimAdapter(Strict):
    enabled: bool = False
    seed: int = 2020
    web_remote: bool = Field(
        default=False, description="serve the /sim page to other machines, not only loopback"
    )
    with_real_accounts: bool = Field(
        default=False, description="allow the simulator beside real QQ/WeChat accounts"
    )


class OneBotConnection(Strict):
    """One OneBot v11 link: a reverse WebSocket server (the implementation connects to us)
    or a forward WebSocket client (we connect to the implementation).

    A reverse server accepts several accounts at once (each says who it is in X-Self-ID).
    `access_token` empty means no authentication: only sensible on 127.0.0.1.
    """

    mode: Literal["reverse_ws", "forward_ws"]
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535, description="0: any free port (tests)")
    path: str = Field(default="/onebot/v11/ws", description="also serves PATH/api, PATH/event")
    url: str | None = Field(default=None, description="forward_ws: ws://host:port of the peer")
    access_token: str = ""
    self_id: str | None = Field(default=None, description="forward_ws: expected QQ number")
    heartbeat_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="after the first heartbeat, silence this long (or 2 intervals) = dead",
    )
    api_timeout_s: float = Field(default=30.0, gt=0)
    max_frame_bytes: int = Field(
        default=8 * 1024 * 1024, ge=1024, description="larger frames close the connection"
    )
    reconnect_initial_s: float = Field(default=1.0, gt=0)
    reconnect_max_s: float = Field(default=60.0, gt=0)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError(f"expected a URL path starting with /, got {value!r}")
        return value.rstrip("/") or "/"

    @field_validator("self_id", mode="before")
    @classmethod
    def _self_id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @model_validator(mode="after")
    def _forward_needs_url(self) -> OneBotConnection:
        if self.mode == "forward_ws" and not self.url:
            raise ValueError("forward_ws needs url, e.g. ws://127.0.0.1:3001")
        return self


class WechatyConnection(Strict):
    """One WeChat account behind a wechaty puppet service (docs/wechat.md)."""

    token: str = Field(min_length=1, description="the puppet service token")
    endpoint: str | None = Field(
        default=None, description="host:port of the service; unset: discovered from the token"
    )
    account: str | None = Field(
        default=None, description="stable name of this account in the outbox; default: its wxid"
    )
    tls: bool = Field(
        default=False, description="TLS to the service (gateways >= 0.30 without NO_TLS)"
    )
    tls_ca_cert: str | None = Field(default=None, description="CA file for tls; unset: system CAs")
    tls_server_name: str | None = Field(
        default=None,
        description="TLS name (SNI) to check; unset: the token's prefix before its last '_'",
    )
    discovery_url: str = Field(
        default="https://api.chatie.io/v0/hosties/{token}",
        description="where a token without endpoint is resolved to host and port",
    )
    rpc_timeout_s: float = Field(default=30.0, gt=0)
    silence_limit_s: float = Field(
        default=40.0,
        gt=0,
        description="no event (not even the Dong of a Ding) for this long: the link is "
        "redialled; a Ding goes out every third of it",
    )

    @field_validator("endpoint")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is not None and not ENDPOINT.match(value.strip()):
            raise ValueError(f"expected host:port like 127.0.0.1:8788, got {value!r}")
        return value


class Adapters(Strict):
    sim: SimAdapter = SimAdapter()
    onebot: list[OneBotConnection] = []
    wechaty: list[WechatyConnection] = []

    @model_validator(mode="after")
    def _sim_alone(self) -> Adapters:
        """Simulated students must not report into a real deployment by accident."""
        if self.sim.enabled and (self.onebot or self.wechaty) and not self.sim.with_real_accounts:
            raise ValueError(
                "sim.enabled together with real QQ/WeChat accounts: turn the simulator off, "
                "or set sim.with_real_accounts: true if that is really meant"
            )
        return self


class RateLimits(Strict):
    """The outbox's pace: defaults keep a QQ/WeChat account out of risk control (风控)."""

    per_group_interval_s: float = Field(default=1.0, ge=0, description="per chat, groups too")
    per_account_per_minute: int = Field(default=20, ge=1)
    max_mentions: int = Field(default=20, ge=1, description="@ per message before splitting")
    max_attempts: int = Field(default=8, ge=1)
    backoff_initial_s: float = Field(default=5.0, gt=0, description="first retry delay")
    backoff_max_s: float = Field(default=900.0, gt=0, description="retry delay cap")
    poll_s: float = Field(default=1.0, gt=0, description="how often the sender looks for work")


class Web(Strict):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: str | None = None
    secure_cookies: bool | None = Field(
        default=None, description="Secure cookies; unset: when public_url or the request is https"
    )
    session_days: int = Field(default=7, ge=1, description="a browser login lasts at most this")


class Privacy(Strict):
    retention_days: int = Field(default=60, ge=1)
    purge_at: Time = Field(default="03:30", description="local time of the nightly purge")

    _times = field_validator("purge_at")(_check_hhmm)


DEFAULT_TAGS = ["湖北籍", "留校", "14天内途经湖北", "14天内接触湖北人员", "在琼", "实习隔离"]


class KeyGroups(Strict):
    """Key groups (重点群体): the tags a student may carry and how long observation lasts."""

    tags: list[str] = Field(default=DEFAULT_TAGS, min_length=1)
    period_days: int = Field(default=14, ge=0, description="observation days; 0 = no end")
    periods: dict[str, int] = Field(default={}, description="per-tag period, overrides the default")

    def period_for(self, tag: str) -> int:
        return self.periods.get(tag, self.period_days)


class BroadcastSettings(Strict):
    """Notices with acknowledgement (/广播, /回执)."""

    ack_window_hours: float = Field(default=24, gt=0, description="how long 收到 counts")
    remind_after_minutes: int | None = Field(
        default=120, ge=1, description="one @-reminder of the missing; null = never"
    )


class FollowUp(Strict):
    """Abnormal-report cases: the morning question and automatic closing."""

    ask_at: Time = "08:30"
    close_after_normal_days: int = Field(default=3, ge=1)

    _times = field_validator("ask_at")(_check_hhmm)


class Exports(Strict):
    """Where /导出 writes workbooks, and which platforms can receive a file."""

    dir: str = "exports"
    file_platforms: list[str] = ["qq", "wechat", "sim"]


class Config(Strict):
    timezone: str = "Asia/Shanghai"
    storage: Storage = Storage()
    roster: str | None = None
    checkin: Checkin = Checkin()
    groups: list[GroupBinding] = []
    adapters: Adapters = Adapters()
    outbox: RateLimits = RateLimits()
    web: Web = Web()
    privacy: Privacy = Privacy()
    key_groups: KeyGroups = KeyGroups()
    broadcast: BroadcastSettings = BroadcastSettings()
    followup: FollowUp = FollowUp()
    exports: Exports = Exports()

    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"expected an IANA time zone like Asia/Shanghai, got {value!r}") from e
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolve(self, path: str) -> Path:
        """Paths in the file are relative to the file, so the bot runs from any directory."""
        p = Path(path)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def db_path(self) -> Path:
        return self.resolve(self.storage.path)


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raise ConfigError with file, key path and expectation."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} not valid YAML: {getattr(e, 'problem', e)}") from e
    if data is None:  # empty, or comments only: most likely a half-written file
        raise ConfigError(f"{path}: the file holds no settings (empty or only comments)")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            problems.append(f"{path}: {_key_path(err['loc'])}: {msg}")
        raise ConfigError("\n".join(problems)) from e
    config.base_dir = path.resolve().parent
    return config
