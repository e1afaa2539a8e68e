"""Operating pingan: account states, /healthz, /metrics, and account-down alerts."""

from bot.ops.accounts import AccountBoard as AccountBoard
from bot.ops.accounts import AccountState as AccountState
from bot.ops.metrics import Metrics as Metrics
