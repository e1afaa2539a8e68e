"""WeCom, DingTalk and Feishu group robots on loopback, written from their public docs.

Each checks a request the way its documentation says the real one does and answers as it
does: WeCom 群机器人 (`POST /cgi-bin/webhook/send?key=K`, body `{"msgtype": "text",
"text": {"content": …}}`, content at most 2048 bytes, answer `{"errcode": 0, "errmsg":
"ok"}`); DingTalk 自定义机器人 (`POST /robot/send?access_token=T[&timestamp=MS&sign=S]`,
加签: S = urlencode(base64(HmacSHA256(secret, "MS\\nsecret"))), timestamp within an hour,
310000 when the sign does not match); Feishu 自定义机器人 (`POST
/open-apis/bot/v2/hook/ID`, body `{"msg_type": "text", "content": {"text": …}}`, 签名校验:
body `timestamp` (s) and `sign` = base64(HmacSHA256(key="S\\nsecret", msg="")), 19021 when
it fails). The signature checks are written here independently of pingan's code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK_TOKEN = "dd-token"
FEISHU_HOOK = "2ab5e4d8-feishu-hook"


@dataclass
class Robots:
    dingtalk_secret: str = ""
    feishu_secret: str = ""
    posted: dict[str, list[str]] = field(
        default_factory=lambda: {"wecom": [], "dingtalk": [], "feishu": []}
    )
    refused: list[tuple[str, Any]] = field(default_factory=list)

    async def start(self) -> int:
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self.wecom)
        app.router.add_post("/robot/send", self.dingtalk)
        app.router.add_post("/open-apis/bot/v2/hook/{hook}", self.feishu)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def close(self) -> None:
        await self._runner.cleanup()

    def urls(self) -> dict[str, str]:
        base = f"http://127.0.0.1:{self.port}"
        return {
            "wecom": f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}",
            "dingtalk": f"{base}/robot/send?access_token={DINGTALK_TOKEN}",
            "feishu": f"{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}",
        }

    def _refuse(self, kind: str, answer: dict[str, Any]) -> web.Response:
        self.refused.append((kind, answer))
        return web.json_response(answer)

    async def wecom(self, request: web.Request) -> web.Response:
        if request.query.get("key") != WECOM_KEY:
            return self._refuse("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"})
        body = await request.json()
        if body.get("msgtype") == "image":
            raw = base64.b64decode(body["image"]["base64"])
            if hashlib.md5(raw).hexdigest() != body["image"]["md5"] or len(raw) > 2 * 1024 * 1024:
                return self._refuse("wecom", {"errcode": 40009, "errmsg": "invalid image size"})
            self.posted["wecom"].append(f"[image {body['image']['md5']}]")
            return web.json_response({"errcode": 0, "errmsg": "ok"})
        content = body.get("text", {}).get("content")
        if body.get("msgtype") != "text" or not isinstance(content, str):
            return self._refuse("wecom", {"errcode": 40008, "errmsg": "invalid message type"})
        if len(content.encode()) > 2048:
            return self._refuse("wecom", {"errcode": 40058, "errmsg": "content exceed max length"})
        self.posted["wecom"].append(content)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def dingtalk(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") != DINGTALK_TOKEN:
            return self._refuse("dingtalk", {"errcode": 300001, "errmsg": "token is not exist"})
        if self.dingtalk_secret:
            stamp = request.query.get("timestamp", "")
            # aiohttp has already url-decoded the query: compare with the plain base64
            expected = base64.b64encode(
                hmac.new(
                    self.dingtalk_secret.encode("utf-8"),
                    f"{stamp}\n{self.dingtalk_secret}".encode(),
                    digestmod=hashlib.sha256,
                ).digest()
            ).decode()
            fresh = stamp.isdigit() and abs(int(stamp) / 1000 - time.time()) < 3600
            if not fresh or request.query.get("sign") != expected:
                return self._refuse("dingtalk", {"errcode": 310000, "errmsg": "sign not match"})
        body = await request.json()
        if body.get("msgtype") != "text":
            return self._refuse("dingtalk", {"errcode": 40035, "errmsg": "缺少参数 json"})
        self.posted["dingtalk"].append(body["text"]["content"])
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def feishu(self, request: web.Request) -> web.Response:
        if request.match_info["hook"] != FEISHU_HOOK:
            return self._refuse(
                "feishu",
                {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"},
            )
        body = await request.json()
        if self.feishu_secret:
            stamp = str(body.get("timestamp", ""))
            key = f"{stamp}\n{self.feishu_secret}".encode()
            expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            fresh = stamp.isdigit() and abs(int(stamp) - time.time()) < 3600
            if not fresh or body.get("sign") != expected:
                return self._refuse(
                    "feishu",
                    {
                        "code": 19021,
                        "msg": "sign match fail or timestamp is not within one hour "
                        "from current time",
                    },
                )
        if body.get("msg_type") != "text":
            return self._refuse("feishu", {"code": 9499, "msg": "Bad Request"})
        self.posted["feishu"].append(body["content"]["text"])
        return web.json_response({"code": 0, "msg": "success", "data": {}})
