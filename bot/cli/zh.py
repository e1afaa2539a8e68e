"""argparse's own words in Chinese, so usage lines and argument errors read like the rest of
the command line (`用法：…`, `错误：缺少参数：PERSON_ID`).

argparse looks its messages up through a module-level gettext `_` at the moment it needs
them; `install` puts a lookup there that answers the messages below in Chinese and passes
any other one on unchanged (a newer Python's new message stays readable English).
"""

from __future__ import annotations

import argparse

MESSAGES = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "optional arguments": "选项",
    "show this help message and exit": "显示帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "the following arguments are required: %s": "缺少参数：%s",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "expected one argument": "后面要跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少跟一个值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 有歧义，可能是 %(matches)s"
    ),
    "invalid %(type)s value: %(value)r": "值 %(value)r 不对（应为 %(type)s）",
    "invalid choice: %(value)r (choose from %(choices)s)": "不认识 %(value)r（可选：%(choices)s）",
    "ignored explicit argument %r": "多余的值 %r",
}


def _chinese(message: str) -> str:
    return MESSAGES.get(message, message)


def install() -> None:
    """Answer argparse's messages in Chinese from now on (the CLI calls it once)."""
    argparse._ = _chinese  # type: ignore[attr-defined]
