"""An instance's outgoing advertisements: encoded once per priority, sent at once on the
loop, and a new master's first one held until its VIPs are announced (bounded).

A preempted master that hears our first advert releases the VIP at once, so clients must
already be on our MAC by then: the InstanceRunner holds that advert and releases it from its
VIP worker right after the GARP, or after ADVERT_HOLD_MAX, whichever comes first.
"""

from __future__ import annotations

import asyncio
import dataclasses
from ipaddress import ip_address

from vrrpd.config.model import InstanceConfig
from vrrpd.io.errors import SendFailed
from vrrpd.log import Logger
from vrrpd.protocol.actions import State
from vrrpd.protocol.packet import encode
from vrrpd.protocol.router import Router
from vrrpd.runtime.counters import Counters
from vrrpd.runtime.seams import AdvertSocket, IPAddress

VRRP_GROUP = {4: ip_address("224.0.0.18"), 6: ip_address("ff02::12")}
ADVERT_HOLD_MAX = 0.02
CACHED_PRIORITIES = 4  # the cache is cleared when it would hold more


class Adverts:
    """Sends one instance's adverts to its destinations (multicast group or unicast peers)."""

    def __init__(self, cfg: InstanceConfig, *, router: Router, sock: AdvertSocket,
                 primary_ip: IPAddress, counters: Counters, log: Logger,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.cfg = cfg
        self._router = router
        self.sock = sock
        self._primary_ip = primary_ip
        self._counters = counters
        self._log = log
        self._loop = loop
        self._held: tuple[int, asyncio.TimerHandle] | None = None
        self._cache: dict[int, list[tuple[bytes, IPAddress]]] = {}

    @property
    def destinations(self) -> list[IPAddress]:
        if self.cfg.unicast_peer:
            return list(self.cfg.unicast_peer)
        return [VRRP_GROUP[self.cfg.family]]

    @property
    def holding(self) -> bool:
        return self._held is not None

    def reconfigure(self, cfg: InstanceConfig) -> None:
        self.cfg = cfg
        self._cache.clear()

    def send(self, priority: int) -> None:
        for payload, dst in self._encoded(priority):
            try:
                self.sock.send(payload, dst, self._primary_ip, ttl=self.cfg.unicast_ttl)
                self._counters.adverts_sent += 1
            except (OSError, SendFailed) as exc:  # e.g. the interface was just deleted
                self._counters.send_errors += 1
                self._log.warning("advert send failed", dst=str(dst), error=str(exc))

    def hold(self, priority: int) -> None:
        """Keep a new master's first advert until release() (or ADVERT_HOLD_MAX)."""
        self.cancel_hold()
        handle = self._loop.call_later(ADVERT_HOLD_MAX, self.release)
        self._held = (priority, handle)

    def release(self) -> None:
        """Send the held first advert (VIPs announced, or ADVERT_HOLD_MAX passed)."""
        if self._held is None:
            return
        priority, handle = self._held
        self._held = None
        handle.cancel()
        if self._router.state is State.MASTER:
            self.send(priority)

    def cancel_hold(self) -> None:
        if self._held is not None:
            self._held[1].cancel()
            self._held = None

    def _encoded(self, priority: int) -> list[tuple[bytes, IPAddress]]:
        cached = self._cache.get(priority)
        if cached is None:
            advert = self._router.advert(priority)
            if self.cfg.version == 2 and self.cfg.auth_type:
                advert = dataclasses.replace(advert, auth_type=self.cfg.auth_type,
                                             auth_data=self.cfg.auth_password)
            cached = [(encode(advert, self._primary_ip, dst,
                              pseudo_header=self.cfg.checksum_pseudo_header), dst)
                      for dst in self.destinations]
            self._cache = {priority: cached} | (
                {} if len(self._cache) > CACHED_PRIORITIES else self._cache)
        return cached
