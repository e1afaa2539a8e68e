"""pydantic's validation errors in Chinese, for config.yaml messages an admin reads.

pydantic words its errors in English; the config's own checks raise Chinese text (shown as
is). The common kinds are translated here by error type, with the value that was given.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails

# error type -> message; {input} is the value given, other names come from the error's ctx.
MESSAGES: dict[str, str] = {
    "extra_forbidden": "未知的键",
    "missing": "缺少这一项",
    "string_type": "应是文字，收到 {input!r}",
    "int_type": "应是整数，收到 {input!r}",
    "int_parsing": "应是整数，收到 {input!r}",
    "int_from_float": "应是整数，收到 {input!r}",
    "float_type": "应是数字，收到 {input!r}",
    "float_parsing": "应是数字，收到 {input!r}",
    "bool_type": "应是 true 或 false，收到 {input!r}",
    "bool_parsing": "应是 true 或 false，收到 {input!r}",
    "literal_error": "应是 {expected} 之一，收到 {input!r}",
    "greater_than": "应大于 {gt}，收到 {input!r}",
    "greater_than_equal": "应不小于 {ge}，收到 {input!r}",
    "less_than": "应小于 {lt}，收到 {input!r}",
    "less_than_equal": "应不大于 {le}，收到 {input!r}",
    "list_type": "应是列表（- 开头的各行，或 [a, b]），收到 {input!r}",
    "dict_type": "应是「键: 值」形式的设置，收到 {input!r}",
    "model_type": "应是「键: 值」形式的设置，收到 {input!r}",
    "model_attributes_type": "应是「键: 值」形式的设置，收到 {input!r}",
    "date_type": "应是日期 YYYY-MM-DD，收到 {input!r}",
    "date_parsing": "应是日期 YYYY-MM-DD，收到 {input!r}",
    "date_from_datetime_parsing": "应是日期 YYYY-MM-DD，收到 {input!r}",
    "too_short": "至少要有 {min_length} 项",
    "string_too_short": "不能为空",
}


def explain(error: ErrorDetails) -> str:
    """One error in Chinese: a config check's own message, or the translated pydantic one."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    template = MESSAGES.get(error["type"])
    if template is None:
        return error["msg"]
    context: dict[str, Any] = {k: v for k, v in error.get("ctx", {}).items()}
    if "expected" in context:
        context["expected"] = str(context["expected"]).replace(" or ", ", ")
    try:
        return template.format(input=error.get("input"), **context)
    except (KeyError, IndexError):
        return error["msg"]
