"""The outbox's transport for platform `webhook`: one sender for every configured robot.

An outbox row with platform `webhook` names its robot in `target` (the `name` in
`ops.webhooks`). Delivery is confirmed by the robot's JSON answer; a refusal is retried
with the outbox's backoff (rate limits, a robot removed and added again), a wrong address
or a file is not.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import aiohttp

from bot.webhooks.robots import WECOM_IMAGE_MAX, Request, build, pieces, refusal, wecom_image
from core.config import Webhook
from core.errors import DeliveryFailed, DeliveryRejected, DeliveryUncertain
from core.messages import OutgoingMessage

log = logging.getLogger(__name__)

PLATFORM = "webhook"


class WebhookTransport:
    """Implements bot.transport.Transport for the robots in `ops.webhooks`."""

    platform = PLATFORM
    account = ""
    connected = True  # nothing to log in to: a robot is an address
    last_seen = None

    def __init__(self, webhooks: list[Webhook]) -> None:
        self.webhooks = {w.name: w for w in webhooks}
        self._session: aiohttp.ClientSession | None = None

    async def send(self, message: OutgoingMessage) -> str:
        webhook = self.webhooks.get(message.target)
        if webhook is None:
            raise DeliveryRejected(f"no webhook named {message.target!r} in ops.webhooks")
        if message.file_path:
            raise DeliveryRejected(f"webhook {webhook.name}: a group robot cannot carry files")
        for part in pieces(webhook.kind, message.text):
            await self._post(webhook, build(webhook, part, time.time()))
        if message.image_path:
            await self._image(webhook, Path(message.image_path))
        return ""

    async def _image(self, webhook: Webhook, path: Path) -> None:
        """WeCom robots show the chart; DingTalk's and Feishu's webhooks take no images."""
        if webhook.kind != "wecom":
            log.debug("webhook %s (%s): chart left out", webhook.name, webhook.kind)
            return
        try:
            content = path.read_bytes()
        except OSError as e:
            log.warning("webhook %s: chart %s unreadable (%s); text only", webhook.name, path, e)
            return
        if len(content) > WECOM_IMAGE_MAX:
            log.warning("webhook %s: chart over 2 MB; text only", webhook.name)
            return
        await self._post(webhook, wecom_image(webhook, content))

    async def _post(self, webhook: Webhook, request: Request) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        timeout = aiohttp.ClientTimeout(total=webhook.timeout_s)
        try:
            async with self._session.post(request.url, json=request.body, timeout=timeout) as r:
                if r.status in (404, 410):
                    raise DeliveryRejected(
                        f"webhook {webhook.name}: HTTP {r.status}, no such robot"
                    )
                if r.status >= 400:
                    raise DeliveryFailed(f"webhook {webhook.name}: HTTP {r.status}")
                answer = await r.json(content_type=None)
        except TimeoutError as e:
            raise DeliveryUncertain(f"webhook {webhook.name}: no answer in time") from e
        except (aiohttp.ClientError, ValueError) as e:
            raise DeliveryFailed(f"webhook {webhook.name}: {e}") from e
        problem = refusal(webhook.kind, answer)
        if problem is not None:
            log.warning("webhook %s refused a message: %s", webhook.name, problem)
            raise DeliveryFailed(f"webhook {webhook.name}: {problem}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await asyncio.sleep(0)
