"""What a chat stands for: one row of chat_bindings as every layer reads it.

Here rather than beside the handlers' context because storage builds these rows
(storage/chats.py) and must not import the handlers above it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChatBinding:
    """The node a chat stands for, and what it is for (class, counselor, duty, admin)."""

    platform: str
    chat_id: str
    node_id: int
    node_path: str
    purpose: str
