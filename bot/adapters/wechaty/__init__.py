"""WeChat through a wechaty puppet service, spoken to directly with wechaty_grpc's stubs."""

from .adapter import LoginHook, MessageHandler, WechatyAdapter
from .session import RoomMember

__all__ = ["LoginHook", "MessageHandler", "RoomMember", "WechatyAdapter"]
