"""`pingan run` on the default config: the log names the simulator's address, and it opens."""

from __future__ import annotations

import asyncio
import logging
import re

import aiohttp

from bot.cli.run import serve
from core.config import Storage, Web, load_config
from tests.web_helpers import REPO

WAIT_S = 20.0


async def test_the_printed_simulator_link_opens_the_page(tmp_path, caplog):
    config = load_config(REPO / "config.yaml")
    config = config.model_copy(
        update={
            "storage": Storage(path=str(tmp_path / "pingan.db")),
            "web": Web(host="127.0.0.1", port=0),
        }
    )
    stop = asyncio.Event()
    caplog.set_level(logging.INFO)
    running = asyncio.create_task(serve(config, stop))
    try:
        link = None
        async with asyncio.timeout(WAIT_S):
            while link is None:
                await asyncio.sleep(0.05)
                found = re.search(r"chat simulator: open (\S+)", caplog.text)
                link = found.group(1) if found else None
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/sim/enter\?key=[\w-]+", link)
        # unsafe=True: aiohttp keeps cookies of an IP-address host only when told to
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(link) as resp:
                assert resp.status == 200
                assert str(resp.url).endswith("/sim")
                html = await resp.text()
            assert "计算机学院 2021级 计科1班 班级群" in html
            async with session.get(link.replace("key=", "key=x")) as resp:
                assert resp.status == 403
    finally:
        stop.set()
        assert await asyncio.wait_for(running, WAIT_S) == 0
