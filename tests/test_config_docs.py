"""docs/config.md keeps up with core/config.py: every key a config file can set is in its
tables, with the model's default, and the tables name no key the models lack."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from core.config import Config, load_config
from tests.conftest import REPO

DOC = REPO / "docs" / "config.md"
ROW = re.compile(r"^\| `([^`]+)` \| [^|]+ \| ([^|]+) \|", re.M)


def _nested(annotation: object) -> tuple[type[BaseModel] | None, str]:
    """The model inside a field, and how its keys are written: `a.b`, `a[].b`, `a.<node>.b`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, "."
    args = typing.get_args(annotation)
    inner = args[-1] if args else None
    if not (isinstance(inner, type) and issubclass(inner, BaseModel)):
        return None, ""
    return inner, "[]." if typing.get_origin(annotation) is list else ".<node>."


def config_keys(
    model: type[BaseModel] = Config, prefix: str = ""
) -> Iterator[tuple[str, FieldInfo]]:
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        path = prefix + name
        inner, joint = _nested(field.annotation)
        if inner is None or joint != ".":
            yield path, field  # a leaf, or a list/mapping documented as a whole too
        if inner is not None:
            yield from config_keys(inner, path + joint)


def documented() -> dict[str, str]:
    return {key: default.strip() for key, default in ROW.findall(DOC.read_text("utf-8"))}


def _shown(field: FieldInfo) -> str:
    if field.is_required():
        return "*required*"
    value = field.get_default(call_default_factory=True)
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def test_every_config_key_is_documented_with_its_default():
    docs = documented()
    keys = dict(config_keys())
    assert len(keys) > 60
    missing = sorted(set(keys) - set(docs))
    assert not missing, f"keys of core/config.py missing from docs/config.md: {missing}"
    wrong = {k: (docs[k], _shown(f)) for k, f in keys.items() if docs[k] != _shown(f)}
    assert not wrong, f"documented default differs from the model's (doc, model): {wrong}"


def test_docs_name_no_key_the_models_lack():
    stale = sorted(set(documented()) - dict(config_keys()).keys())
    assert not stale, f"docs/config.md documents keys core/config.py does not have: {stale}"


def test_the_repository_config_shows_defaults_where_it_says_nothing_else():
    """config.yaml is an example a new admin copies: apart from the sample's groups, roster
    and simulator, the values it shows are the defaults documented in docs/config.md."""
    sample = {"roster": True, "groups": True, "adapters": {"sim"}}
    shown = load_config(REPO / "config.yaml").model_dump(exclude=sample)
    assert shown == Config().model_dump(exclude=sample)
