"""config.yaml as one typed, validated object.

Validation happens once at start; an error names the file, the key path and what was
expected, so an admin can fix it without reading a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from core.config_messages import explain
from core.errors import ConfigError

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

TIME_EXPECTED = '时间应写成带引号的 "HH:MM"（00:00–23:59）'


def _check_hhmm(value: object) -> str:
    """A local time "HH:MM"; the error says how to write it.

    YAML 1.1 reads an unquoted 7:30 as the base-60 number 450 (and 10:00 as 600), so a time
    that arrives as a whole number gets the hint to quote it, with the time it stood for.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value >= 60:
        hours, minutes = divmod(value, 60)
        read = f"YAML 把不带引号的 {hours}:{minutes:02d} 读成了数字 {value}"
        if hours < 24:
            raise ValueError(f'{read}，请给时间加上引号，写成 "{hours:02d}:{minutes:02d}"')
        raise ValueError(f"{read}；{TIME_EXPECTED}")
    if not isinstance(value, str) or not HHMM.match(value):
        raise ValueError(f"{TIME_EXPECTED}，收到 {value!r}")
    return value


Time = Annotated[str, BeforeValidator(_check_hhmm), Field(description="local time HH:MM")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckinTimes(Strict):
    opens: Time = "07:00"
    nags: list[Time] = ["10:00", "12:00"]
    escalate: Time = "13:00"
    closes: Time = "14:00"
    summary: Time = "21:00"


class CheckinOverride(Strict):
    """Per-node times: a college may open earlier. Unset fields inherit the school's."""

    opens: Time | None = None
    nags: list[Time] | None = None
    escalate: Time | None = None
    closes: Time | None = None
    summary: Time | None = None


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
    report_requires: list[Literal["temperature", "health", "place"]] = Field(
        default=["health"], description="what a complete report carries; the hint names the rest"
    )


class Storage(Strict):
    """Where reports are kept. `path`: a SQLite file (relative to this file). `url`:
    `sqlite:///path` or `postgresql://user@host:port/dbname` (docs/postgres.md); set one."""

    path: str = "pingan.db"
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _known_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("sqlite:///") and len(value) > len("sqlite:///"):
            return value
        if value.startswith(("postgresql://", "postgres://")):
            try:
                urlsplit(value).port  # noqa: B018 - raises on a port that is not a number
            except ValueError as e:
                raise ValueError(f"not a valid PostgreSQL URL ({e})") from None
            return value
        raise ValueError(
            "expected sqlite:///path/to/pingan.db or postgresql://user@host:port/dbname"
        )

    @model_validator(mode="after")
    def _one_place(self) -> Storage:
        if self.url is not None and "path" in self.model_fields_set:
            raise ValueError("set storage.url or storage.path, not both")
        return self


class GroupBinding(Strict):
    platform: str = Field(description="a declared platform (qq, wechat, sim...) or webhook")
    chat: str
    node: str
    purpose: Literal["class", "counselor", "duty", "admin"]

    @field_validator("chat", mode="before")
    @classmethod
    def _chat_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str) -> str:
        known = platforms()
        if value not in known:
            raise ValueError(f"未知平台 {value!r}，可用：{', '.join(sorted(known))}")
        return value

    @field_validator("node")
    @classmethod
    def _node_path(cls, value: str) -> str:
        parts = value.split("/")
        if not value or any(not p.strip() for p in parts) or len(parts) > 3:
            raise ValueError(f"节点路径应像 学院/年级/班级，收到 {value!r}")
        return value

    @model_validator(mode="after")
    def _webhooks_only_listen(self) -> GroupBinding:
        """A webhook robot can post but not read or @: no class group can run on one."""
        if self.platform == "webhook" and self.purpose == "class":
            raise ValueError("a webhook is send-only: use it for counselor, duty or admin groups")
        return self


class Section(NamedTuple):
    """One `adapters.<key>` section, declared by the adapter package that reads it
    (bot/adapters/registry.py), so this module names no chat platform.

    `schema` is the section's type (a model, or a list of them); `default` its value when the
    file has none; `check` sees all sections once each is valid and says what is wrong
    between them (or None). `configured` says whether a section asks for its adapter to run;
    `accounts` splits it into one part per named account for a cluster, raising ValueError
    for an entry that names none (None: the adapter cannot run in a cluster)."""

    key: str
    platform: str
    schema: Any
    default: Callable[[], Any]
    check: Callable[[Adapters], str | None] | None = None
    configured: Callable[[Any], bool] = bool
    accounts: Callable[[Any], list[tuple[str, Any]]] | None = None


_SECTIONS: dict[str, Section] = {}
# Platforms that need no adapter section: webhook robots are configured in ops.webhooks.
_BUILT_IN_PLATFORMS = frozenset({"webhook"})


def declare_section(section: Section) -> None:
    """Make `adapters.<key>` a valid, typed section and its platform a valid group platform."""
    _SECTIONS[section.key] = section
    _rebuild()


def withdraw_section(key: str) -> None:
    """Undo declare_section (a test's own platform, once the test is over)."""
    _SECTIONS.pop(key, None)
    Adapters.model_fields.pop(key, None)
    _rebuild()


def platforms() -> frozenset[str]:
    """What `groups[].platform` may say: the declared sections' platforms and webhook."""
    return _BUILT_IN_PLATFORMS | {s.platform for s in _SECTIONS.values()}


def _rebuild() -> None:
    for section in _SECTIONS.values():
        Adapters.model_fields[section.key] = FieldInfo.from_annotated_attribute(
            section.schema, Field(default_factory=section.default)
        )
    Adapters.model_rebuild(force=True)
    Config.model_rebuild(force=True)  # it embeds the sections' schema


class Adapters(Strict):
    """`adapters:`, one section per chat platform; the fields are the declared sections."""

    def section(self, key: str) -> Any:
        """A declared section by its key (each adapter package reads its own, typed)."""
        return getattr(self, key)

    @model_validator(mode="after")
    def _sections_agree(self) -> Adapters:
        for section in _SECTIONS.values():
            if section.check is not None and (problem := section.check(self)):
                raise ValueError(problem)
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
    login_link_minutes: int = Field(
        default=10, ge=1, le=1440, description="how long a /登录 link works (once)"
    )


class Privacy(Strict):
    retention_days: int = Field(default=60, ge=1)
    purge_at: Time = Field(default="03:30", description="local time of the nightly purge")


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


class Exports(Strict):
    """Where /导出 writes workbooks, and which platforms can receive a file."""

    dir: str = "exports"
    file_platforms: list[str] = ["qq", "wechat", "sim"]


class Webhook(Strict):
    """A group robot a counselor group already has (send-only): WeCom 群机器人, DingTalk
    自定义机器人, Feishu 自定义机器人. Bind it to a node in `groups:` with platform `webhook`
    and its name as chat, and it gets what a bot account in that group would."""

    name: str = Field(min_length=1, description="how groups: and the outbox name it")
    kind: Literal["wecom", "dingtalk", "feishu"]
    url: str = Field(description="the robot's webhook address, with its key or access_token")
    secret: str = Field(default="", description="dingtalk/feishu 加签 secret; empty: unsigned")
    alerts: bool = Field(default=True, description="also receives account-down alerts")
    timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"expected an http(s):// address, got {value!r}")
        return value


class Ops(Strict):
    """Operating the bot: /healthz, /metrics, and telling admins when an account is down."""

    metrics_token: str = Field(
        default="", description="bearer token for /metrics from other hosts; empty: loopback only"
    )
    alert_after_s: float = Field(
        default=300.0, gt=0, description="an account down this long is reported to the admins"
    )
    alert_check_s: float = Field(default=30.0, gt=0, description="how often accounts are checked")
    webhooks: list[Webhook] = []

    @model_validator(mode="after")
    def _unique_names(self) -> Ops:
        names = [w.name for w in self.webhooks]
        if len(names) != len(set(names)):
            raise ValueError("webhook names must be unique")
        return self


class Care(Strict):
    """Caring replies (心理关怀): the hotlines a distressed student is given, who is paged on
    words of self-harm, and words the lexicon (handlers/care/lexicon.py) adds."""

    enabled: bool = True
    hotlines: list[str] = ["希望24热线 400-161-9995", "北京心理危机研究与干预中心 010-82951332"]
    psychologists: list[str] = Field(
        default=[], description="学号/工号 of the duty psychologists; empty = every 心理老师"
    )
    distress_words: list[str] = []
    self_harm_words: list[str] = []
    everyday_words: list[str] = []


class Quiz(Strict):
    """The epidemic-knowledge quiz (知识竞答): how a round goes out and what is shown."""

    questions: int = Field(default=5, ge=1, le=100, description="questions in a round")
    duration_minutes: int = Field(default=120, ge=1, description="a round's default length")
    delivery: Literal["group", "private"] = "group"
    public_student_ranking: bool = False
    daily_at: Time | None = None

    @field_validator("daily_at")
    @classmethod
    def _daily(cls, value: str | None) -> str | None:
        return None if value is None else _check_hhmm(value)


class Cluster(Strict):
    """Several `pingan run` processes on one database (docs/run.md, "Several processes")."""

    enabled: bool = False
    lease_s: float = Field(
        default=30.0, gt=0, description="a chat account's lease lasts this long unrenewed"
    )
    renew_s: float = Field(
        default=10.0, gt=0, description="how often leases are renewed or taken over"
    )
    prefer: list[str] | None = Field(
        default=None,
        description="accounts (platform:account, e.g. qq:10001) this process takes at once;"
        " the others only when no process took them within lease_s of its start"
        " ([]: a standby; unset: every account at once)",
    )

    @field_validator("prefer")
    @classmethod
    def _lease_names(cls, value: list[str] | None) -> list[str] | None:
        for name in value or ():
            if ":" not in name:
                raise ValueError(f"prefer 的每一项写成 平台:账号，例如 qq:10001，收到 {name!r}")
        return value

    @model_validator(mode="after")
    def _renew_well_within_lease(self) -> Cluster:
        if self.renew_s * 2 > self.lease_s:
            raise ValueError(
                f"renew_s ({self.renew_s}) 应不超过 lease_s ({self.lease_s}) 的一半，"
                "否则一次迟到的续约就会让账号被别的进程接管"
            )
        return self


class Config(Strict):
    timezone: str = "Asia/Shanghai"
    school: str = Field(
        default="本校", min_length=1, description="the default school's name (docs/schools.md)"
    )
    storage: Storage = Storage()
    roster: str | None = None
    checkin: Checkin = Checkin()
    groups: list[GroupBinding] = []
    adapters: Adapters = Field(default_factory=Adapters)
    outbox: RateLimits = RateLimits()
    web: Web = Web()
    privacy: Privacy = Privacy()
    key_groups: KeyGroups = KeyGroups()
    broadcast: BroadcastSettings = BroadcastSettings()
    followup: FollowUp = FollowUp()
    exports: Exports = Exports()
    ops: Ops = Ops()
    care: Care = Care()
    quiz: Quiz = Quiz()
    cluster: Cluster = Cluster()

    base_dir: Path = Field(default=Path("."), exclude=True)
    _source: Path = PrivateAttr(default=Path("config.yaml"))

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"应是 IANA 时区名，例如 Asia/Shanghai，收到 {value!r}") from e
        return value

    @model_validator(mode="after")
    def _webhook_groups_named(self) -> Config:
        names = {w.name for w in self.ops.webhooks}
        for group in self.groups:
            if group.platform == "webhook" and group.chat not in names:
                raise ValueError(f"groups: webhook {group.chat!r} is not in ops.webhooks")
        return self

    @model_validator(mode="after")
    def _cluster_accounts_named(self) -> Config:
        """A lease is taken on a named account before its adapter starts: each configured
        section must split into named accounts (its package says how, Section.accounts)."""
        if not self.cluster.enabled:
            return self
        for section in _SECTIONS.values():
            value = self.adapters.section(section.key)
            if not section.configured(value):
                continue
            if section.accounts is None:
                raise ValueError(
                    f"cluster.enabled: adapters.{section.key} 不能在多进程模式下运行"
                    "（它的账号不能分别租用）"
                )
            try:
                section.accounts(value)
            except ValueError as e:
                raise ValueError(f"cluster.enabled: {e}") from e
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def resolve(self, path: str) -> Path:
        """Paths in the file are relative to the file, so the bot runs from any directory."""
        p = Path(path)
        return p if p.is_absolute() else self.base_dir / p

    @property
    def db_path(self) -> Path:
        """The SQLite file (storage.path, or the file of a sqlite:/// storage.url); with
        PostgreSQL, the charts and other files still go next to where it would be."""
        url = self.storage.url
        if url is not None and url.startswith("sqlite:///"):
            return self.resolve(url.removeprefix("sqlite:///"))
        return self.resolve(self.storage.path)

    @property
    def store_url(self) -> str:
        """The store storage/db.open_store opens: storage.url, or sqlite:/// of db_path."""
        url = self.storage.url
        if url is not None and not url.startswith("sqlite:///"):
            return url
        return f"sqlite:///{self.db_path}"

    @property
    def source(self) -> Path:
        """The file the settings came from, as given: errors found later start with it too."""
        return self._source


def _key_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "（顶层）"


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raise ConfigError with file, key path and expectation."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: 文件不存在") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: 无法读取：{e}") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" 第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise ConfigError(f"{path}:{where} 不是有效的 YAML：{getattr(e, 'problem', e)}") from e
    if data is None:  # empty, or comments only: most likely a half-written file
        raise ConfigError(f"{path}: 文件里没有任何设置（是空的或只有注释）")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: 顶层应是「键: 值」形式的设置")
    try:
        config = Config.model_validate(data)
    except ValidationError as e:
        problems = [f"{path}: {_key_path(err['loc'])}: {explain(err)}" for err in e.errors()]
        raise ConfigError("\n".join(problems)) from e
    config.base_dir = path.resolve().parent
    config._source = path
    return config
