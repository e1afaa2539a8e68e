"""Chat commands (/统计, /未报, /补报 …): importing this package registers every command."""

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

__all__ = ["account", "export", "followup", "help", "login", "notices", "reports", "status"]
