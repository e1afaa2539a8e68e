"""OneBot v11 frames decoded once, at the edge, into typed objects.

`decode(frame)` picks a model by `post_type` and `message_type`/`meta_event_type`/
`notice_type`, like adapter-onebot's `json_to_event`; a frame without `post_type` that
carries `echo` is an action response. Kinds pingan does not use (requests, other notices, and
`message_sent`, NapCat's report of the bot's own messages, which must never be read as input)
decode to None and are ignored; a known kind that does not match its model raises
`MalformedFrame`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from bot.adapters.onebot.message import Segment, to_segments


def _id_text(value: object) -> object:
    """QQ numbers travel as JSON integers; we keep them as text, like every platform id."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Id = Annotated[str, BeforeValidator(_id_text)]


MAX_TIME = 253402300799  # 9999-12-31: what a datetime can hold


class MalformedFrame(ValueError):
    """A frame that is not JSON, not an object, or a known event that does not fit its model."""


class Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Event(Frame):
    time: int = Field(ge=0, le=MAX_TIME, description="unix seconds")
    self_id: Id
    post_type: str


class Sender(Frame):
    user_id: Id | None = None
    nickname: str = ""
    card: str = ""
    role: str | None = None

    @field_validator("nickname", "card", mode="before")
    @classmethod
    def _none_as_empty(cls, value: object) -> object:
        return "" if value is None else value


class MessageEvent(Event):
    post_type: Literal["message"]
    message_type: str
    sub_type: str = ""
    message_id: Id
    user_id: Id
    message: list[Segment]
    raw_message: str = ""
    sender: Sender = Field(default_factory=Sender)

    @field_validator("message", mode="before")
    @classmethod
    def _either_format(cls, value: object) -> object:
        return to_segments(value)

    @property
    def display_name(self) -> str:
        """What the group sees: the group card (群名片) first, then the QQ nickname."""
        return self.sender.card.strip() or self.sender.nickname.strip() or self.user_id


class GroupMessageEvent(MessageEvent):
    message_type: Literal["group"]
    group_id: Id
    anonymous: dict[str, Any] | None = None


class PrivateMessageEvent(MessageEvent):
    message_type: Literal["private"]


class MetaEvent(Event):
    post_type: Literal["meta_event"]
    meta_event_type: str


class LifecycleMetaEvent(MetaEvent):
    meta_event_type: Literal["lifecycle"]
    sub_type: str  # enable | disable | connect


class HeartbeatMetaEvent(MetaEvent):
    meta_event_type: Literal["heartbeat"]
    status: dict[str, Any] = Field(default_factory=dict)
    interval: int = Field(default=0, ge=0, description="ms until the next heartbeat")


class NoticeEvent(Event):
    post_type: Literal["notice"]
    notice_type: str


class GroupRecallNotice(NoticeEvent):
    """v11 `notice.group_recall`: `user_id` wrote the message, `operator_id` withdrew it."""

    notice_type: Literal["group_recall"]
    group_id: Id
    user_id: Id
    operator_id: Id
    message_id: Id


class GroupIncreaseNotice(NoticeEvent):
    notice_type: Literal["group_increase"]
    sub_type: str = ""  # approve | invite
    group_id: Id
    user_id: Id


class GroupDecreaseNotice(NoticeEvent):
    notice_type: Literal["group_decrease"]
    sub_type: str = ""  # leave | kick | kick_me
    group_id: Id
    user_id: Id


class GroupCardNotice(NoticeEvent):
    """go-cqhttp's `notice.group_card` (群成员名片更新), which NapCat and Lagrange also send."""

    notice_type: Literal["group_card"]
    group_id: Id
    user_id: Id
    card_new: str = ""
    card_old: str = ""

    @field_validator("card_new", "card_old", mode="before")
    @classmethod
    def _none_as_empty(cls, value: object) -> object:
        return "" if value is None else value


MemberNotice = GroupIncreaseNotice | GroupDecreaseNotice | GroupCardNotice


class ActionResponse(Frame):
    status: str  # ok | async | failed
    retcode: int = 0
    data: Any = None
    echo: Any = None
    message: str = ""  # not in v11; NapCat and go-cqhttp explain failures here
    wording: str = ""


Decoded = (
    GroupMessageEvent
    | PrivateMessageEvent
    | LifecycleMetaEvent
    | HeartbeatMetaEvent
    | GroupRecallNotice
    | GroupIncreaseNotice
    | GroupDecreaseNotice
    | GroupCardNotice
)

_MODELS: dict[tuple[str, str], type[Event]] = {
    ("message", "group"): GroupMessageEvent,
    ("message", "private"): PrivateMessageEvent,
    ("meta_event", "lifecycle"): LifecycleMetaEvent,
    ("meta_event", "heartbeat"): HeartbeatMetaEvent,
    ("notice", "group_recall"): GroupRecallNotice,
    ("notice", "group_increase"): GroupIncreaseNotice,
    ("notice", "group_decrease"): GroupDecreaseNotice,
    ("notice", "group_card"): GroupCardNotice,
}


def parse_json(raw: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise MalformedFrame(f"not JSON: {e}") from e
    if not isinstance(data, dict):
        raise MalformedFrame(f"expected a JSON object, got {type(data).__name__}")
    return data


def decode(data: dict[str, Any]) -> Decoded | ActionResponse | None:
    """The typed form of one frame, or None for kinds pingan does not use."""
    post_type = data.get("post_type")
    try:
        if post_type is None:
            return ActionResponse.model_validate(data) if "status" in data else None
        if not isinstance(post_type, str):
            raise MalformedFrame(f"post_type is not a string: {post_type!r}")
        detail = data.get(f"{post_type}_type")
        model = _MODELS.get((post_type, detail if isinstance(detail, str) else ""))
        return None if model is None else model.model_validate(data)  # type: ignore[return-value]
    except (ValidationError, ValueError) as e:
        if isinstance(e, MalformedFrame):
            raise
        raise MalformedFrame(f"{post_type or 'response'} frame does not fit: {_brief(e)}") from e


def _brief(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{error.error_count()} problem(s), first at {where}: {first['msg']}"
    return str(error)
