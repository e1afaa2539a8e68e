"""What the bot does with a message: routing, parsing, 接龙 chains, commands, permissions."""
