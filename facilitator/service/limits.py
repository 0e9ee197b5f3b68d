"""Rate limits: whose attempts count together, and a token bucket per connection."""

from __future__ import annotations

import ipaddress


def address_key(address: str) -> str:
    """Return the key an address's attempts count under: an IPv6 address by its /64.

    One home or phone line is given a whole /64 and may use any address in it, so
    counting single IPv6 addresses would give one attacker 2**64 allowances.
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class TokenBucket:
    """Allow `burst` events at once and `rate` a second after that."""

    def __init__(self, burst: int, rate: float, now: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.at = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one; tell whether the event may go ahead."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
