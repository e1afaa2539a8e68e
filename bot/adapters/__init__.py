"""Chat adapters, each thin, one folder per platform.

Platform events in, `IncomingMessage` out; `OutgoingMessage` in, platform actions out. Every
adapter implements the protocol of base.py and registers itself with registry.py from its
`factory.py` (docs/adapters.md).
"""
