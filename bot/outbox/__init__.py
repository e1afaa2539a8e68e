"""The persistent outbox: rate limits per chat and account, routes, and the sender."""
