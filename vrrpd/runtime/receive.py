"""The receive path: packets from one raw socket per (interface, family) (read by
vrrpd.runtime.sockets) checked and demultiplexed by VRID to their instance; every rejected
packet is counted by reason and logged at most once per LOG_EVERY seconds per (instance,
reason). Accepted adverts also go to the observer (the split-brain driver), if any."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from vrrpd import log
from vrrpd.config.model import InstanceConfig
from vrrpd.io.rawsock import Received
from vrrpd.protocol.packet import IPV4_GROUP, IPV6_GROUP, Advert, PacketError, check_auth, decode
from vrrpd.protocol.vocabulary import DropReason
from vrrpd.runtime.peers import PeerTable
from vrrpd.runtime.seams import Instance, IPAddress

VRRP_TTL = 255
LOG_EVERY = 10.0
GROUPS = {4: IPV4_GROUP, 6: IPV6_GROUP}  # by IP version


class Receiver(Instance, Protocol):
    """An instance as the receive path hands it adverts (InstanceRunner)."""

    @property
    def peer_table(self) -> PeerTable: ...

    def accepts_source(self, src: IPAddress) -> bool: ...

    def advert_received(self, src: IPAddress, advert: Advert) -> None: ...


AdvertObserver = Callable[[Instance, IPAddress, Advert], None]


def min_ttl(cfg: InstanceConfig, dst: IPAddress) -> int:
    """The lowest TTL / hop limit an advert to `dst` may arrive with: 255, sent on this link
    (RFC 5798 §5.1.1.3), unless it came unicast to an instance with routed unicast peers
    (`unicast_min_ttl`). Multicast always needs 255."""
    if cfg.unicast_peer and not dst.is_multicast:
        return cfg.unicast_min_ttl
    return VRRP_TTL


class LogLimiter:
    """At most one log line per key every LOG_EVERY seconds; counts what it held back."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, str], float] = {}
        self._held: Counter[tuple[str, str]] = Counter()

    def __call__(
        self,
        key: tuple[str, str],
        emit: Callable[..., object],
        message: str = "dropped invalid packet",
        **fields: object,
    ) -> None:
        now = time.monotonic()
        if now - self._last.get(key, -LOG_EVERY) < LOG_EVERY:
            self._held[key] += 1
            return
        self._last[key] = now
        emit(message, suppressed=self._held.pop(key, 0), **fields)


@dataclass
class Listener:
    """The instances on one raw socket (interface, family), by VRID."""

    ifindex: int
    family: int
    by_vrid: dict[int, Receiver] = field(default_factory=dict)
    own: set[IPAddress] = field(default_factory=set)  # our primary addresses on it
    dropped: Counter[str] = field(default_factory=Counter)
    limit: LogLimiter = field(default_factory=LogLimiter)
    on_advert: AdvertObserver | None = None
    # per VRID, the last accepted advert with its bytes: a master repeats the same bytes, and
    # decoding and checking them again would give the same Advert (decode is a pure function)
    last: dict[int, tuple[bytes, IPAddress, IPAddress, Receiver, Advert]] = field(
        default_factory=dict)

    def dispatch(self, pkt: Received) -> None:
        """Validate one received packet and hand it to the instance of its VRID."""
        data = pkt.payload
        runner = self.by_vrid.get(data[1]) if len(data) > 1 else None
        if runner is None:
            self.dropped[DropReason.UNKNOWN_VRID.value] += 1
            return
        reason: DropReason | None = None
        if pkt.src in self.own:
            # Multicast loop is off, so this is another box on our address (or a network that
            # reflects our adverts): counted and logged, as it can hide a second master.
            reason = DropReason.OWN_ADDRESS
        elif pkt.ttl < min_ttl(runner.cfg, pkt.dst):
            reason = DropReason.BAD_TTL
        elif not runner.accepts_source(pkt.src):
            reason = DropReason.UNKNOWN_PEER
        elif not runner.cfg.unicast_peer and pkt.dst != GROUPS[pkt.dst.version]:
            reason = DropReason.WRONG_DESTINATION  # a multicast instance hears only the group
        last = self.last.get(data[1])
        if reason is None and last is not None and last[0] == data and last[1] == pkt.src \
                and last[2] == pkt.dst and last[3] is runner:
            advert = last[4]  # the master's advert again, byte for byte: already checked
        elif reason is None:
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
            runner.peer_table.dropped(pkt.src, reason)
            self.limit(
                (runner.name, reason.value),
                log.get().warning,
                instance=runner.name,
                reason=reason.value,
                src=str(pkt.src),
                dst=str(pkt.dst),
            )
            return
        self.last[data[1]] = (data, pkt.src, pkt.dst, runner, advert)
        runner.advert_received(pkt.src, advert)
        if self.on_advert is not None:
            self.on_advert(runner, pkt.src, advert)
