"""接龙 chains: recognising the list text, and diffing each repost against the day's state."""
