"""The receive path: one raw socket per (interface, family), packets checked and
demultiplexed by VRID to their instance; every rejected packet is counted by reason and
logged at most once per LOG_EVERY seconds per (instance, reason)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vrrpd import log
from vrrpd.protocol.packet import PacketError, check_auth, decode
from vrrpd.protocol.vocabulary import DropReason

RECV_BATCH = 64
LOG_EVERY = 10.0


class LogLimiter:
    """At most one log line per key every LOG_EVERY seconds; counts what it held back."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}
        self._held: Counter[tuple[str, str]] = Counter()

    def __call__(self, key: tuple[str, str], emit: Any, **fields: Any) -> None:
        now = time.monotonic()
        if now - self._last.get(key, -LOG_EVERY) < LOG_EVERY:
            self._held[key] += 1
            return
        self._last[key] = now
        emit("dropped invalid packet", suppressed=self._held.pop(key, 0), **fields)


@dataclass
class Listener:
    """One raw socket per (interface, family) shared by the instances on it."""

    sock: Any
    ifindex: int
    family: int
    by_vrid: dict[int, Any] = field(default_factory=dict)
    own: set[Any] = field(default_factory=set)
    dropped: Counter[str] = field(default_factory=Counter)
    limit: LogLimiter = field(default_factory=LogLimiter)

    def on_readable(self) -> None:
        """Drain the socket (bounded per wake-up, so a flood cannot starve the loop)."""
        for _ in range(RECV_BATCH):
            try:
                pkt = self.sock.recv()
            except OSError as exc:
                log.get().warning("receive failed", error=str(exc))
                return
            if pkt is None:
                return
            self.dispatch(pkt)

    def dispatch(self, pkt: Any) -> None:
        """Validate one received packet and hand it to the instance of its VRID."""
        if pkt.src in self.own:
            return  # our own advert (looped back or another instance of ours)
        data = pkt.payload
        runner = self.by_vrid.get(data[1]) if len(data) > 1 else None
        if runner is None:
            self.dropped[DropReason.UNKNOWN_VRID.value] += 1
            return
        reason: DropReason | None = None
        if pkt.ttl != 255:
            reason = DropReason.BAD_TTL
        elif not runner.accepts_source(pkt.src):
            reason = DropReason.UNKNOWN_PEER
        if reason is None:
            try:
                advert = decode(data, pkt.src, pkt.dst)
                if advert.version != runner.cfg.version:
                    reason = DropReason.VERSION_MISMATCH
                elif advert.version == 2:
                    check_auth(advert, runner.cfg.auth_type, runner.cfg.auth_password)
            except PacketError as exc:
                reason = exc.reason
        if reason is not None:
            runner.counters.drop(reason)
            self.limit(
                (runner.name, reason.value),
                log.get().warning,
                instance=runner.name,
                reason=reason.value,
                src=str(pkt.src),
            )
            return
        runner.advert_received(pkt.src, advert)
        if runner.split_brain is not None:
            runner.split_brain.advert(pkt.src, advert)
