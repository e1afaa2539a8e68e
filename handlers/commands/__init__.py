"""Chat commands (/统计, /未报, /补报 …): importing this package registers every command."""

from handlers.care import command as care
from handlers.commands import (
    account,
    export,
    followup,
    help,
    login,
    notices,
    reports,
    status,
)
from handlers.quiz import command as quiz

__all__ = [
    "account",
    "care",
    "export",
    "followup",
    "help",
    "login",
    "notices",
    "quiz",
    "reports",
    "status",
]
