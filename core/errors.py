"""The one root of pingan's own errors, so callers can tell ours from foreign ones."""


class PinganError(Exception):
    """Base of every error pingan raises on purpose."""


class ConfigError(PinganError, ValueError):
    """config.yaml is missing, unreadable or invalid; the message names file and key path."""


class RosterError(PinganError, ValueError):
    """A roster file cannot be imported; the message lists row-numbered problems."""


class DeliveryFailed(PinganError):
    """A platform refused or did not confirm an outgoing message."""


class NotConnected(DeliveryFailed):
    """No live connection to the platform: nothing was written, so a retry cannot duplicate."""


class DeliveryUncertain(DeliveryFailed):
    """The request went out but no answer came back (disconnect, timeout): it may have been
    delivered. The outbox retries it (at-least-once) and says so in the log."""


class DeliveryRejected(DeliveryFailed):
    """The platform refused the message for a reason a retry cannot fix (bad target, action
    not supported): the outbox marks it failed at once."""


class NodeLookupError(PinganError, LookupError):
    """A node name matches no node, or several (the message lists them)."""
