"""WeChat through a wechaty puppet service (python-wechaty 0.10.7 over gRPC).

Importing this package does not import the SDK; constructing `WechatyAdapter` does, through
`compat.load()`, which raises `WechatyUnavailable` where the SDK cannot run (Python 3.13+).
"""

from .adapter import LoginHook, MessageHandler, WechatyAdapter
from .compat import WechatyUnavailable
from .session import RoomMember

__all__ = [
    "LoginHook",
    "MessageHandler",
    "RoomMember",
    "WechatyAdapter",
    "WechatyUnavailable",
]
