"""The web dashboard and the chat simulator page (aiohttp, server-rendered)."""

from bot.web.app import create_web_app as create_web_app
