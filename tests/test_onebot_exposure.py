"""A OneBot reverse server open to the network with no access_token is refused at start-up.

Without a token, anyone who reaches the port connects as a QQ account: they post as any
student and read every reply. Loopback may stay open (the implementation runs beside pingan).
"""

from __future__ import annotations

import asyncio

import pytest

from bot.adapters.onebot import OneBotAdapter
from bot.adapters.onebot.settings import OneBotConnection
from bot.cli import main
from core.errors import ConfigError
from tests.onebot_peer import OneBotPeer, text, until

OPEN_HOSTS = ["0.0.0.0", "::", "192.168.1.20", "bot.example.edu"]


@pytest.mark.parametrize("host", OPEN_HOSTS)
def test_pingan_run_refuses_the_config_with_a_clear_error(tmp_path, capsys, host):
    config = tmp_path / "config.yaml"
    config.write_text(
        f'adapters:\n  onebot:\n    - mode: reverse_ws\n      host: "{host}"\n      port: 8080\n',
        encoding="utf-8",
    )
    assert main(["run", "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert "adapters.onebot[0]" in err or "adapters.onebot.0" in err
    assert f"listens on {host}" in err
    assert "access_token" in err


@pytest.mark.parametrize("host", OPEN_HOSTS)
async def test_the_server_itself_refuses_to_listen(host):
    """Config built in code (model_copy skips validation) meets the same check at start."""
    safe = OneBotConnection(mode="reverse_ws", port=0)
    exposed = safe.model_copy(update={"host": host})
    adapter = OneBotAdapter([exposed], on_message=lambda _m: asyncio.sleep(0))
    try:
        with pytest.raises(ConfigError, match="access_token"):
            await adapter.start()
        assert adapter.servers == []  # nothing was bound
    finally:
        await asyncio.wait_for(adapter.stop(), 5)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_loopback_and_any_token_are_accepted(host):
    assert OneBotConnection(mode="reverse_ws", host=host).exposure_problem() is None
    token = OneBotConnection(mode="reverse_ws", host="0.0.0.0", access_token="long-secret")
    assert token.exposure_problem() is None
    forward = OneBotConnection(mode="forward_ws", url="ws://10.0.0.5:3001")
    assert forward.exposure_problem() is None


async def test_loopback_without_a_token_still_serves():
    received = []

    async def core(message) -> None:
        received.append(message)

    adapter = OneBotAdapter([OneBotConnection(mode="reverse_ws", port=0)], on_message=core)
    await adapter.start()
    peer = OneBotPeer()
    try:
        await peer.connect(f"ws://127.0.0.1:{adapter.servers[0].port}/onebot/v11/ws")
        await peer.push(peer.private_message(20003, [text("hi")]))
        await until(lambda: received)
    finally:
        await peer.close()
        await asyncio.wait_for(adapter.stop(), 5)
