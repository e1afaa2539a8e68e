"""The one root of pingan's own errors, so callers can tell ours from foreign ones."""


class PinganError(Exception):
    """Base of every error pingan raises on purpose."""


class ConfigError(PinganError, ValueError):
    """config.yaml is missing, unreadable or invalid; the message names file and key path."""


class RosterError(PinganError, ValueError):
    """A roster file cannot be imported; the message lists row-numbered problems."""


class DeliveryFailed(PinganError):
    """A platform refused or did not confirm an outgoing message."""
