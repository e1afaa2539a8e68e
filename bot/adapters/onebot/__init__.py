"""QQ through any OneBot v11 implementation (NapCat, Lagrange.OneBot, LLOneBot...)."""

from bot.adapters.onebot.account import GroupMember as GroupMember
from bot.adapters.onebot.account import OneBotAccount as OneBotAccount
from bot.adapters.onebot.adapter import OneBotAdapter as OneBotAdapter
