"""Chat transports, each thin.

Platform events in, `IncomingMessage` out; `OutgoingMessage` in, platform actions out.
"""
