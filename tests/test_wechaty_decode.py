"""The wechaty adapter's pure parts: payload and event decoding, discovery, config, no SDK."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from wechaty_grpc.wechaty.puppet import EventType

from bot.adapters.wechaty.decode import (
    mention_prefix,
    message_time,
    parse_solitaire,
    strip_self_mention,
)
from bot.adapters.wechaty.discovery import DiscoveryFailed, discover_endpoint, sni_from_token
from bot.adapters.wechaty.puppet import PuppetEvent, decode_event, file_box_json
from bot.adapters.wechaty.settings import WechatyConnection

TZ = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[1]

# The shape of a real 接龙 appmsg (from a WeChat export): a sender prefix, an @ and an emoji
# before the list (ranges count UTF-16 units), and multi-line entries.
TITLE = (
    "@班长  平安#接龙\n\n6月26日 报平安💪🏻\n例 张三 36.5 正常\n\n"
    "1. 赵敏 36.4 正常\n在校\n2. 周芷若 36.6 正常\n3. 小昭 36.5"
)


def _range(entry: str) -> str:
    units = TITLE.encode("utf-16-le")
    start = units.find(entry.encode("utf-16-le")) // 2
    return f"{start}-{len(entry.encode('utf-16-le')) // 2}"


REAL_SHAPED = (
    'zwg964848042:\n<?xml version="1.0"?>\n<msg>\n\t<appmsg appid="" sdkver="0">\n'
    f"\t\t<title>{TITLE}</title>\n\t\t<des />\n\t\t<type>53</type>\n"
    "\t\t<extinfo>\n\t\t\t<solitaire_info><![CDATA[<solitaire><tt>0-40</tt><s>.</s>"
    "<au>wxid_raa06</au><hrt>1</hrt><loss>0</loss><content><s>3</s>"
    f"<i><u>wxid_raa06</u><h>0</h><s>.</s><t>1687786648</t><r>{_range('赵敏 36.4 正常')}</r></i>"
    f"<i><u>wxid_6xtgy</u><h>0</h><s>.</s><t>1687787631</t><r>{_range('周芷若 36.6 正常')}</r></i>"
    f"<i><u>zwg964848042</u><h>0</h><s>.</s><t>1687793742</t><r>{_range('小昭 36.5')}</r></i>"
    "</content></solitaire>]]></solitaire_info>\n\t\t</extinfo>\n\t</appmsg>\n"
    "\t<fromusername>zwg964848042</fromusername>\n</msg>\n"
)


def test_solitaire_text_and_authors_from_a_real_shaped_appmsg():
    chain = parse_solitaire(REAL_SHAPED)
    assert chain is not None
    assert chain.text == TITLE
    assert chain.line_authors == {1: "wxid_raa06", 2: "wxid_6xtgy", 3: "zwg964848042"}


def test_solitaire_numbers_come_from_the_text_not_the_item_order():
    # a puppet that lists items out of order still maps each entry to its author
    text = REAL_SHAPED.replace(
        f"<r>{_range('赵敏 36.4 正常')}</r>", f"<r>{_range('小昭 36.5')}</r>", 1
    ).replace("zwg964848042</u>", "wxid_third</u>")
    chain = parse_solitaire(text)
    assert chain is not None
    assert chain.line_authors[3] == "wxid_raa06"


@pytest.mark.parametrize(
    "text",
    [
        "张三 36.5 正常",
        "<msg><appmsg><title>链接</title><type>5</type></appmsg></msg>",  # a shared link
        "<msg><appmsg><title>#接龙</title><type>53</type>",  # cut off: not XML
        "<msg>" + "x" * 1_000_001 + "</msg>appmsg",
    ],
)
def test_non_solitaire_texts_are_not_chains(text):
    assert parse_solitaire(text) is None


def test_solitaire_without_info_still_gives_the_list_text():
    xml = "<msg><appmsg><title>#接龙\n1. 张三</title><type>53</type></appmsg></msg>"
    chain = parse_solitaire(xml)
    assert chain is not None and chain.text == "#接龙\n1. 张三" and chain.line_authors == {}


def test_message_time_accepts_seconds_and_milliseconds():
    assert message_time(1581292800, TZ) == datetime(2020, 2, 10, 8, 0, tzinfo=TZ)
    assert message_time(1581292800500, TZ) == datetime(2020, 2, 10, 8, 0, 0, 500000, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@平安小助手\u2005/缺报", "/缺报"),
        ("@小助手 张三 36.5", "张三 36.5"),
        ("@平安小助手张三", "@平安小助手张三"),  # not a mention boundary: left alone
        ("@李四\u2005你报了吗", "@李四\u2005你报了吗"),  # someone else's @ stays
    ],
)
def test_strip_self_mention(text, expected):
    assert strip_self_mention(text, ["平安小助手", "小助手"]) == expected


def test_mention_prefix_is_what_wechat_shows():
    assert mention_prefix(["张三", "李四"]) == "@张三\u2005@李四\u2005"


def test_sni_comes_from_the_token_prefix():
    assert sni_from_token("insecure_2b6a7b9c-1111") == "insecure"
    assert sni_from_token("puppet_paimon_uuid") == "puppet_paimon"
    assert sni_from_token("2b6a7b9c-1111") is None


@pytest.fixture
async def directory():
    async def hosties(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token == "known":
            return web.json_response({"host": "10.0.0.8", "port": 8788})
        if token == "old":
            return web.json_response({"ip": "10.0.0.9", "port": 9001})
        if token == "parked":
            return web.json_response({"ip": "0.0.0.0", "port": 0})
        return web.Response(status=404)

    app = web.Application()
    app.router.add_get("/v0/hosties/{token}", hosties)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/v0/hosties/{{token}}"
    await runner.cleanup()


async def test_discovery_resolves_a_token_to_an_endpoint(directory):
    assert await discover_endpoint(directory, "known") == "10.0.0.8:8788"
    assert await discover_endpoint(directory, "old") == "10.0.0.9:9001"
    with pytest.raises(DiscoveryFailed, match="does not know this token"):
        await discover_endpoint(directory, "unknown")
    with pytest.raises(DiscoveryFailed, match="no endpoint"):
        await discover_endpoint(directory, "parked")


def test_config_takes_tls_options_and_refuses_an_empty_token():
    conn = WechatyConnection(token="t", endpoint="gw:8788", tls=True, tls_ca_cert="ca.pem")
    assert conn.tls and conn.tls_ca_cert == "ca.pem" and conn.rpc_timeout_s == 30
    assert conn.silence_limit_s == 40  # detected by 40 + 40/3 s: redialled within a minute
    with pytest.raises(ValueError):
        WechatyConnection(token="")
    assert WechatyConnection(token="t", endpoint="[::1]:8788").endpoint == "[::1]:8788"
    for bad in ("127.0.0.1", "gw:0", "gw:70000", "http://gw:8788"):
        with pytest.raises(ValueError, match="应写成 主机:端口"):
            WechatyConnection(token="t", endpoint=bad)


def test_the_adapter_runs_without_any_wechaty_sdk(tmp_path):
    """Only the gRPC stubs are needed: importing the adapter loads no SDK module, and the
    pyproject no longer asks for one (so WeChat runs on Python 3.13 too)."""
    probe = (
        "import sys, bot.adapters.wechaty, bot.adapters.wechaty.puppet\n"
        "sdk = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('wechaty', 'wechaty_puppet', 'wechaty_puppet_service'))\n"
        "print(sdk)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]"
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=;\s\[]", d, maxsplit=1)[0].lower() for d in dependencies}
    assert "wechaty-grpc" in names
    assert not names & {"wechaty", "wechaty-puppet", "wechaty-puppet-service", "pyee"}


def test_events_are_decoded_one_by_one():
    assert decode_event(EventType.EVENT_TYPE_DONG, '{"data": "pingan-3"}') == PuppetEvent(
        "dong", {"data": "pingan-3"}
    )
    assert decode_event(EventType.EVENT_TYPE_HEARTBEAT, "") == PuppetEvent("heartbeat", {})
    assert decode_event(EventType.EVENT_TYPE_MESSAGE, "not json") is None
    assert decode_event(EventType.EVENT_TYPE_MESSAGE, "[1, 2]") is None
    assert decode_event(999, "{}") is None


def test_a_file_goes_out_as_base64_file_box_json(tmp_path):
    summary = tmp_path / "汇总.xlsx"
    summary.write_bytes(b"PK\x03\x04 workbook")
    box = json.loads(file_box_json(str(summary)))
    # file-box >= 1.0 reads `type`, older services `boxType`: 1 is base64 in both
    assert (box["type"], box["boxType"], box["name"]) == (1, 1, "汇总.xlsx")
    assert base64.b64decode(box["base64"]) == b"PK\x03\x04 workbook"
