"""Where a puppet service lives when the config gives only its token.

Wechaty's community directory answers `GET https://api.chatie.io/v0/hosties/<token>` with
`{"host": ..., "port": ...}` (`"ip"` in older answers) and 404 for an unknown token. The SDK
does this with blocking `requests`; we do it with aiohttp and a timeout, so a slow directory
never freezes the other adapters.
"""

from __future__ import annotations

import aiohttp

from core.errors import PinganError

DISCOVERY_TIMEOUT_S = 10.0


class DiscoveryFailed(PinganError):
    """The token could not be resolved to a puppet service endpoint."""


def sni_from_token(token: str) -> str | None:
    """Gateways >= 0.30 name their TLS certificate after the token's prefix: `insecure_<uuid>`."""
    prefix, sep, _ = token.rpartition("_")
    return prefix.lower() if sep and prefix else None


async def discover_endpoint(url_template: str, token: str) -> str:
    """Resolve `token` through the directory at `url_template` (with `{token}`) to host:port."""
    url = url_template.format(token=token)
    timeout = aiohttp.ClientTimeout(total=DISCOVERY_TIMEOUT_S)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(url) as response,
        ):
            if 400 <= response.status < 500:
                raise DiscoveryFailed(
                    "the directory does not know this token: is it correct and in service?"
                )
            if response.status != 200:
                raise DiscoveryFailed(f"the directory answered HTTP {response.status}")
            data = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as e:
        raise DiscoveryFailed(f"cannot reach the token directory: {e!r}") from e
    host = data.get("host") or data.get("ip") if isinstance(data, dict) else None
    port = data.get("port") if isinstance(data, dict) else None
    if not host or host == "0.0.0.0" or not isinstance(port, int | str) or not str(port).isdigit():
        raise DiscoveryFailed("the directory has no endpoint for this token")
    return f"{host}:{port}"
