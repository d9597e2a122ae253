"""Who an instance hears: a small, bounded table of the other routers on its VRID.

Fed by the receive path (accepted adverts and drops, by source) and read by `vrrpd explain`.
At most MAX_PEERS sources per instance, least recently heard evicted first, so a flood of
spoofed sources costs a fixed amount of memory.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address

from vrrpd.protocol.explain import Peer
from vrrpd.protocol.timing import wire_interval_to_seconds

MAX_PEERS = 16
Source = IPv4Address | IPv6Address


@dataclass(slots=True)
class _Entry:
    priority: int | None = None
    interval: float | None = None
    heard_at: float | None = None
    adverts: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


class PeerTable:
    def __init__(self, limit: int = MAX_PEERS) -> None:
        self._limit = limit
        self._peers: OrderedDict[str, _Entry] = OrderedDict()

    def _entry(self, src: Source) -> _Entry:
        key = str(src)
        entry = self._peers.pop(key, None) or _Entry()
        self._peers[key] = entry  # most recent last
        while len(self._peers) > self._limit:
            self._peers.popitem(last=False)
        return entry

    def heard(self, src: Source, priority: int, wire_interval: int, version: int,
              now: float) -> None:
        """An advert from `src` passed the receive checks (the Router may still drop it)."""
        entry = self._entry(src)
        entry.priority = priority
        try:
            entry.interval = wire_interval_to_seconds(wire_interval, version)
        except ValueError:
            entry.interval = None
        entry.heard_at = now
        entry.adverts += 1

    def dropped(self, src: Source, reason: str) -> None:
        self._entry(src).dropped[str(reason)] += 1  # a StrEnum counts under its value

    def __len__(self) -> int:
        return len(self._peers)

    def snapshot(self, now: float) -> tuple[Peer, ...]:
        """Most recently heard first."""
        return tuple(
            Peer(
                address=address,
                priority=e.priority,
                interval=e.interval,
                age=None if e.heard_at is None else max(0.0, now - e.heard_at),
                adverts=e.adverts,
                dropped=dict(sorted(e.dropped.items())),
            )
            for address, e in reversed(self._peers.items())
        )
