"""The web dashboard and the chat simulator page (aiohttp, server-rendered)."""

from bot.web.app import create_web_app as create_web_app
from bot.web.sim import sim_url as sim_url
from bot.web.sim_bridge import SimBridge as SimBridge
