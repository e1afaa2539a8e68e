"""The web dashboard and the chat simulator page (aiohttp, server-rendered)."""

from bot.web.app import create_web_app as create_web_app
from bot.web.sim import SimBridge as SimBridge
from bot.web.sim import sim_url as sim_url
