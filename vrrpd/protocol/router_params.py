"""RouterParams: the validated, frozen settings one VRRP instance's state machine runs on.

Validation happens here, once, so the Router never meets a value the RFC has no answer for
(config errors are reported earlier and with key paths by the config layer; these checks are the
last line that keeps the pure core honest when it is driven directly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address

from vrrpd.protocol.timing import seconds_to_wire_interval

IPAddress = IPv4Address | IPv6Address
MAX_ADDRESSES = 255  # the advert's Count IPvX Addr field is 8 bits


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class RouterParams:
    """One instance as the state machine sees it.

    `priority` is the base (configured) priority, 255 meaning address owner. `advert_int` is in
    seconds: multiples of 0.01 in 0.01..40.95 for v3, whole seconds 1..255 for v2. `addresses`
    are the VIPs (no prefix) carried in adverts; `primary_ip` is our own source address, used in
    the equal-priority tie-break between two masters. `startup_delay` (seconds, from the first
    Startup) keeps the router a backup that never takes over, so a freshly booted node hears the
    current master before it decides anything (keepalived's vrrp_startup_delay).
    """

    name: str
    vrid: int
    priority: int
    advert_int: float
    version: int
    addresses: tuple[IPAddress, ...]
    primary_ip: IPAddress
    preempt: bool = True
    preempt_delay: float = 0.0
    startup_delay: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, not {self.name!r}")
        if not _is_int(self.vrid) or not 1 <= self.vrid <= 255:
            raise ValueError(f"{self.name}: vrid must be 1..255, not {self.vrid!r}")
        if not _is_int(self.priority) or not 1 <= self.priority <= 255:
            raise ValueError(f"{self.name}: priority must be 1..255, not {self.priority!r}")
        if self.version not in (2, 3) or not _is_int(self.version):
            raise ValueError(f"{self.name}: version must be 2 or 3, not {self.version!r}")
        try:
            seconds_to_wire_interval(self.advert_int, self.version)
        except ValueError as error:
            raise ValueError(f"{self.name}: advert_int: {error}") from None
        self._check_addresses()
        if not isinstance(self.preempt, bool):
            raise ValueError(f"{self.name}: preempt must be a bool, not {self.preempt!r}")
        self._check_seconds("preempt_delay", self.preempt_delay)
        self._check_seconds("startup_delay", self.startup_delay)

    def _check_seconds(self, key: str, delay: object) -> None:
        if not isinstance(delay, int | float) or isinstance(delay, bool):
            raise ValueError(f"{self.name}: {key} must be seconds, not {delay!r}")
        if not math.isfinite(delay) or delay < 0:
            raise ValueError(f"{self.name}: {key} must be >= 0 and finite, not {delay!r}")

    def _check_addresses(self) -> None:
        if not isinstance(self.primary_ip, IPv4Address | IPv6Address):
            raise ValueError(
                f"{self.name}: primary_ip must be an IP address, not {self.primary_ip!r}"
            )
        if self.version == 2 and self.primary_ip.version != 4:
            raise ValueError(f"{self.name}: VRRP v2 (RFC 3768) is IPv4 only")
        if not isinstance(self.addresses, tuple) or not self.addresses:
            raise ValueError(f"{self.name}: addresses must be a non-empty tuple of IP addresses")
        if len(self.addresses) > MAX_ADDRESSES:
            raise ValueError(f"{self.name}: at most {MAX_ADDRESSES} addresses fit in an advert")
        for address in self.addresses:
            if not isinstance(address, IPv4Address | IPv6Address):
                raise ValueError(f"{self.name}: {address!r} is not an IP address")
            if address.version != self.primary_ip.version:
                raise ValueError(
                    f"{self.name}: {address} is not IPv{self.primary_ip.version} like primary_ip;"
                    " one address family per instance"
                )
        if len(set(self.addresses)) != len(self.addresses):
            raise ValueError(f"{self.name}: addresses repeat")
