"""The three group robots counselors already use, each as its documented HTTP API.

- WeCom 企业微信群机器人: POST `{"msgtype": "text", "text": {"content": …}}` to
  `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`; answers `{"errcode": 0,
  "errmsg": "ok"}`. Text is at most 2048 bytes (UTF-8). An image is `{"msgtype": "image",
  "image": {"base64": …, "md5": …}}`, at most 2 MB before encoding.
- DingTalk 钉钉自定义机器人: POST `{"msgtype": "text", "text": {"content": …}}` to
  `https://oapi.dingtalk.com/robot/send?access_token=T`; with 加签, `&timestamp=MS&sign=S`
  where S = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{MS}\\n{secret}"))), MS in
  milliseconds; answers `{"errcode": 0, "errmsg": "ok"}`.
- Feishu 飞书自定义机器人: POST `{"msg_type": "text", "content": {"text": …}}` to
  `https://open.feishu.cn/open-apis/bot/v2/hook/ID`; with 签名校验 the body also carries
  `"timestamp": "S"` (seconds, as a string) and `"sign": base64(HMAC-SHA256(key=f"{S}\\n{secret}",
  msg=b""))`; answers `{"code": 0, "msg": "success", …}`.

Each is send-only: no reading, no @ by chat account id, so pingan uses them for messages that
need no answer (alerts, summaries).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from core.config import Webhook

# The longest text one request may carry, in UTF-8 bytes (WeCom's documented 2048 is the
# tightest; DingTalk and Feishu take far more, kept below their limits).
MAX_BYTES = {"wecom": 2048, "dingtalk": 18000, "feishu": 28000}


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    body: dict[str, Any]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def build(webhook: Webhook, text: str, now_s: float) -> Request:
    """The request that posts `text` through this robot at unix time `now_s`."""
    if webhook.kind == "wecom":
        return Request(webhook.url, {"msgtype": "text", "text": {"content": text}})
    if webhook.kind == "dingtalk":
        url = webhook.url
        if webhook.secret:
            ms = int(now_s * 1000)
            joint = "&" if "?" in url else "?"
            url += f"{joint}timestamp={ms}&sign={dingtalk_sign(webhook.secret, ms)}"
        return Request(url, {"msgtype": "text", "text": {"content": text}})
    body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
    if webhook.secret:
        seconds = int(now_s)
        body.update(timestamp=str(seconds), sign=feishu_sign(webhook.secret, seconds))
    return Request(webhook.url, body)


WECOM_IMAGE_MAX = 2 * 1024 * 1024


def wecom_image(webhook: Webhook, content: bytes) -> Request:
    """A chart for a WeCom robot (the only one of the three whose webhook takes images)."""
    image = {"base64": base64.b64encode(content).decode(), "md5": hashlib.md5(content).hexdigest()}
    return Request(webhook.url, {"msgtype": "image", "image": image})


def refusal(kind: str, answer: Any) -> str | None:
    """None when the robot's JSON answer means "posted", else its code and message."""
    if not isinstance(answer, dict):
        return f"unexpected answer {answer!r:.80}"
    key = "code" if kind == "feishu" else "errcode"
    code = answer.get(key, answer.get("StatusCode"))
    if code == 0:
        return None
    return f"{key} {code}: {answer.get('msg') or answer.get('errmsg') or ''}".strip()


def pieces(kind: str, text: str) -> list[str]:
    """`text` split at line ends into parts each robot accepts (a long summary)."""
    limit = MAX_BYTES[kind]
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line.encode()) > limit:  # one huge line: cut it by characters
            cut = len(line.encode()[:limit].decode(errors="ignore"))
            parts.extend([current, line[:cut]] if current else [line[:cut]])
            current, line = "", line[cut:]
        if len((current + line).encode()) > limit:
            parts.append(current)
            current = ""
        current += line
    if current or not parts:
        parts.append(current)
    return [p.rstrip("\n") for p in parts]
