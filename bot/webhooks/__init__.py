"""Send-only group robots (WeCom, DingTalk, Feishu) as an outbox transport."""

from bot.webhooks.transport import WebhookTransport as WebhookTransport
