"""Configuration values for the emulator: plain frozen dataclasses, validated early.

Everything that makes a run reproducible lives here: the seed, the number of records
per resource, the accepted keys, the rate-limit window and the latency. Two emulators
built from equal configurations serve byte-identical data.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_SIZES",
    "DEFAULT_TAIL_SIZE",
    "EmulatorConfig",
    "RateLimitConfig",
    "check_loopback",
]

#: The key accepted when the caller names none, so that ``katana emulator`` works
#: with a documented key out of the box.
DEFAULT_API_KEY = "test-key"

# Small enough to seed instantly, large enough that every list needs several pages
# at Katana's default page size of 50.
# Child records (order rows, addresses, inventory) follow their parents' counts.
DEFAULT_SIZES: Mapping[str, int] = MappingProxyType(
    {
        "products": 120, "variants": 250, "materials": 60, "services": 10,
        "locations": 3, "suppliers": 39, "customers": 40, "sales_orders": 60,
        "purchase_orders": 30, "manufacturing_orders": 25, "stock_adjustments": 10,
    }
)  # fmt: skip

#: The size of every other listable resource, seeded generically from its model.
DEFAULT_TAIL_SIZE = 5


@dataclass(frozen=True)
class RateLimitConfig:
    """Requests allowed per API key within one window.

    The defaults are Katana's documented quota: 60 requests per 60 seconds. A fixed
    window starts with the first request and resets ``window_s`` later; a sliding
    window counts the requests of the last ``window_s`` seconds.
    """

    limit: int = 60
    window_s: float = 60.0
    sliding: bool = False

    def __post_init__(self) -> None:
        if self.limit < 1:
            raise ValueError(f"rate limit must be at least 1, got {self.limit}")

        if not self.window_s > 0:
            raise ValueError(f"window_s must be positive, got {self.window_s}")


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything an emulator run depends on.

    ``sizes`` maps resource names to record counts; resources it leaves out get
    their default size. ``api_keys`` lists the accepted Bearer keys; an empty tuple
    switches the key check off. ``rate_limit=None`` switches rate limiting off (the
    ``X-Ratelimit-*`` headers are then omitted). ``latency_s`` is added before every
    response, plus a uniform draw from ``[0, jitter_s)`` taken from the seed.
    ``fault_rate`` is the probability that a request without a scripted fault gets
    a random one (see ``FaultQueue``), drawn from the seed.
    ``quirks=True`` renders Katana's real payload quirks (see ``quirks``): ``{}``
    for an absent nested object, null SKUs, decimals as strings, enum values the
    documentation lacks and ``"null"`` in date fields.
    ``host`` must be a loopback address: the emulator never listens elsewhere.
    """

    seed: int = 0
    sizes: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    rate_limit: RateLimitConfig | None = field(default_factory=RateLimitConfig)
    latency_s: float = 0.0
    jitter_s: float = 0.0
    fault_rate: float = 0.0
    quirks: bool = False
    host: str = "127.0.0.1"
    port: int = 0

    def __post_init__(self) -> None:
        check_loopback(self.host)
        for name, size in self.sizes.items():
            if size < 0:
                raise ValueError(f"size of {name!r} must not be negative, got {size}")

        if self.latency_s < 0 or self.jitter_s < 0:
            raise ValueError("latency_s and jitter_s must not be negative")

        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError(f"fault_rate must be within 0..1, got {self.fault_rate}")

        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be within 0..65535, got {self.port}")

    def size_of(self, resource: str) -> int:
        """The number of records to seed for ``resource``."""
        return self.sizes.get(resource, DEFAULT_SIZES.get(resource, DEFAULT_TAIL_SIZE))


def check_loopback(host: str) -> None:
    """Raise ``ValueError`` unless ``host`` is a literal loopback address.

    Names other than ``localhost`` are refused rather than resolved: resolving could
    reach a name server, and a name could point anywhere.
    """
    if host == "localhost":
        return

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"the emulator binds loopback addresses only; {host!r} is not an IP address"
        ) from None

    if not address.is_loopback:
        raise ValueError(
            f"the emulator binds loopback addresses only; {host!r} is not loopback"
        )
