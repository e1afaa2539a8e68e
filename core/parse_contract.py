"""The parser's stable output, exactly as parse-contract.md fixes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["checkin", "chain", "other"]
Isolation = Literal["home", "central", "unspecified"]

CANONICAL_SYMPTOMS: tuple[str, ...] = (
    "发热",
    "咳嗽",
    "乏力",
    "咽痛",
    "流涕",
    "鼻塞",
    "腹泻",
    "头痛",
    "肌肉酸痛",
    "呼吸困难",
    "嗅觉味觉减退",
    "呕吐",
)


@dataclass(slots=True)
class Entry:
    """One person's report as read from text; fields are null when the text says nothing."""

    name: str | None = None
    temperature: float | None = None
    abnormal: bool | None = None
    symptoms: list[str] = field(default_factory=list)
    on_campus: bool | None = None
    province: str | None = None
    isolation: Isolation | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "temperature": self.temperature,
            "abnormal": self.abnormal,
            "symptoms": list(self.symptoms),
            "on_campus": self.on_campus,
            "province": self.province,
            "isolation": self.isolation,
        }

    @property
    def says_anything(self) -> bool:
        """True when the entry carries any report field beyond the name."""
        return (
            self.temperature is not None
            or self.abnormal is not None
            or bool(self.symptoms)
            or self.on_campus is not None
            or self.province is not None
            or self.isolation is not None
        )


@dataclass(slots=True)
class ParseResult:
    kind: Kind
    entries: list[Entry] = field(default_factory=list)

    def to_json(self, message_id: Any = None) -> dict[str, Any]:
        return {"id": message_id, "kind": self.kind, "entries": [e.to_json() for e in self.entries]}
