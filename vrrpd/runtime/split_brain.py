"""Runs split-brain detection in the daemon: claim sockets, timers, probes and the events.

`SplitBrainWatches` is the daemon's one entry point, an observer with its own map of watches
by instance: `attach(instance, sender)` makes the instance's `SplitBrainWatch` (unless
`split_brain_after = 0` or the link has no MAC) and opens, once per (interface, family), the
ClaimSocket whose claims it hands on to the watch owning the claimed VIP; the daemon reports
transitions (`state_changed`) and the receive path accepted adverts (`advert`) to it.
The decisions are the pure SplitBrainDetector's (vrrpd.protocol.split_brain); this module
only executes them:

  * one structlog record per episode start (`split_brain`) and end (`split_brain_healed`),
    warning level, naming the other party and the cause;
  * the same as a JSON payload to `on_event(runner, payload)` (the daemon sends it to MQTT);
  * the instance's status field `split_brain` (None, or since/other/vip/cause) and its
    counter `split_brain_events`;
  * probes as single frames on the instance's FrameSender, and Announce as the instance's
    `announce()`: a GARP schedule queued behind its VIP work, so it never announces a VIP it
    dropped (and no Router action is made up outside the Router).

Claims whose address is none of our VIPs teach a MAC -> IP table (ARP replies to our
kernel, e.g. from unicast peers), used to name the other party by IP as well as by MAC.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from vrrpd import log
from vrrpd.config.model import InstanceConfig
from vrrpd.io.claims import Claim, ClaimSocket, probe_frame
from vrrpd.io.errors import VrrpIoError
from vrrpd.io.garp import FrameSink
from vrrpd.protocol.actions import State, StateChanged
from vrrpd.protocol.explain import VipClaim
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.split_brain import (
    Announce,
    IPAddress,
    Output,
    Probe,
    SplitBrainDetector,
    SplitBrainHealed,
    SplitBrainStarted,
)
from vrrpd.protocol.timing import wire_interval_to_seconds
from vrrpd.runtime.seams import Instance
from vrrpd.runtime.sockets import BatchSocket, SocketRegistry

LEARNED_MACS = 256

Payload = dict[str, object]  # one split-brain event as JSON (MQTT, logs)
EventSink = Callable[[Instance, Payload], None]
OpenClaims = Callable[[str, int, int], BatchSocket[Claim]]


def transport(cfg: InstanceConfig) -> str:
    """How the instance's adverts travel, for the cause text."""
    if cfg.unicast_peer:
        return "unicast to " + ", ".join(str(peer) for peer in cfg.unicast_peer)
    return "multicast 224.0.0.18" if cfg.family == 4 else "multicast ff02::12"


class SplitBrainWatch:
    """One instance's detector, driven by the daemon's events and its own timer."""

    def __init__(
        self,
        runner: Instance,
        *,
        send: Callable[[list[bytes]], int],
        learned: Callable[[str], IPAddress | None],
        on_event: EventSink | None = None,
    ) -> None:
        self.runner = runner
        self._send = send
        self._learned = learned
        self.on_event = on_event
        cfg = runner.cfg
        self.detector = SplitBrainDetector(cfg.advert_int, cfg.split_brain_after, transport(cfg))
        self._loop = asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None
        self._log = log.get().bind(instance=runner.name)
        self.current: Payload | None = None
        # the last claim per VIP from another host (one entry per VIP: bounded), for explain
        self.claims: dict[str, tuple[str, IPAddress | None, str, float]] = {}

    # -- events in ------------------------------------------------------------------------------
    def state_changed(self, change: StateChanged) -> None:
        """A transition of the instance."""
        cfg = self.runner.cfg
        self.detector.configure(cfg.advert_int, cfg.split_brain_after, transport(cfg))
        now = self._loop.time()
        if change.new is State.MASTER:
            self._run(self.detector.became_master(now, cfg.vips[0].address))
        elif change.old is State.MASTER:
            self._run(self.detector.left_master(now, change.reason))

    def claim(self, claim: Claim) -> None:
        """`claim.address` is one of our VIPs."""
        if claim.mac == self.runner.link.mac:
            return
        now = self._loop.time()
        learned = self._learned(claim.mac)
        self.claims[str(claim.address)] = (claim.mac, learned, claim.kind, now)
        self._run(self.detector.claim(claim.address, claim.mac, now, learned))

    def advert(self, src: IPAddress, advert: Advert) -> None:
        """An advert the instance accepted: evidence if we are still MASTER after it."""
        if self.runner.router.state is not State.MASTER or advert.priority == 0:
            return
        try:
            interval = wire_interval_to_seconds(advert.interval, advert.version)
        except ValueError:
            return  # the Router dropped it (bad interval)
        self._run(self.detector.advert(src, advert.priority, interval, self._loop.time()))

    def status(self) -> Payload | None:
        return self.current

    def claims_seen(self) -> tuple[VipClaim, ...]:
        """The last claim of each VIP by another host, most recent first."""
        now = self._loop.time()
        seen = sorted(self.claims.items(), key=lambda item: -item[1][3])
        return tuple(
            VipClaim(vip=vip, mac=mac, ip=None if ip is None else str(ip), kind=kind,
                     age=max(0.0, now - at))
            for vip, (mac, ip, kind, at) in seen
        )

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_at = None

    # -- actions out ----------------------------------------------------------------------------
    def _run(self, actions: list[Output]) -> None:
        for action in actions:
            if isinstance(action, Probe):
                self._probe(action)
            elif isinstance(action, SplitBrainStarted):
                self._started(action)
            elif isinstance(action, SplitBrainHealed):
                self._healed(action)
            elif isinstance(action, Announce):
                self.runner.announce()
        self._arm()

    def _probe(self, probe: Probe) -> None:
        runner = self.runner
        try:
            self._send([probe_frame(runner.link.mac, runner.primary_ip, probe.target, probe.mac)])
        except (VrrpIoError, ValueError, TypeError) as exc:
            self._log.debug("split-brain probe not sent", target=str(probe.target), error=str(exc))

    def _started(self, event: SplitBrainStarted) -> None:
        vip = None if event.vip is None else str(event.vip)
        since = time.time()
        other = event.other.as_dict()
        self.current = {"since": since, "other": other, "vip": vip, "cause": event.cause}
        self.runner.counters.split_brain_events += 1
        self._log.warning(
            "split_brain", other_ip=other["ip"], other_mac=other["mac"], vip=vip, cause=event.cause
        )
        self._emit(
            {
                "event": "split_brain",
                "other": other,
                "vip": vip,
                "cause": event.cause,
                "since": since,
            }
        )

    def _healed(self, event: SplitBrainHealed) -> None:
        since = self.current["since"] if self.current else None
        other = event.other.as_dict()
        self.current = None
        duration = round(event.duration, 3)
        self._log.warning(
            "split_brain_healed",
            other_ip=other["ip"],
            other_mac=other["mac"],
            reason=event.reason,
            duration=duration,
        )
        self._emit(
            {
                "event": "split_brain_healed",
                "other": other,
                "reason": event.reason,
                "since": since,
                "duration": duration,
            }
        )

    def _emit(self, payload: Payload) -> None:
        if self.on_event is None:
            return
        payload = {"instance": self.runner.name, **payload, "timestamp": time.time()}
        try:
            self.on_event(self.runner, payload)
        except Exception as exc:  # noqa: BLE001 - an observer must not break detection
            self._log.error("split-brain event observer failed", error=str(exc))

    def _arm(self) -> None:
        deadline = self.detector.deadline
        if deadline == self._timer_at:
            return
        self.close()
        if deadline is not None:
            self._timer_at = deadline
            self._timer = self._loop.call_at(deadline, self._tick)

    def _tick(self) -> None:
        self._timer = self._timer_at = None
        self._run(self.detector.tick(self._loop.time()))


class ClaimListener:
    """The watches of the instances on one claim socket (interface, family)."""

    def __init__(self) -> None:
        self.watches: list[SplitBrainWatch] = []
        self._learned: dict[str, IPAddress] = {}

    def dispatch(self, claim: Claim) -> None:
        for watch in self.watches:
            if claim.address in watch.runner.cfg.vip_addresses:
                watch.claim(claim)
                return
        self._learned.pop(claim.mac, None)
        self._learned[claim.mac] = claim.address
        if len(self._learned) > LEARNED_MACS:
            del self._learned[next(iter(self._learned))]

    def learned_ip(self, mac: str) -> IPAddress | None:
        return self._learned.get(mac)


class SplitBrainWatches:
    """Every watch (by instance) and claim socket of the daemon."""

    def __init__(
        self,
        on_event: EventSink | None = None,
        open_socket: OpenClaims = ClaimSocket,
    ) -> None:
        self._on_event = on_event
        self._open = open_socket
        self._watches: dict[Instance, SplitBrainWatch] = {}
        self._listeners: dict[tuple[int, int], ClaimListener] = {}
        self._sockets: SocketRegistry[Claim] = SocketRegistry(
            VrrpIoError, "receiving ARP/NA failed"
        )

    def attach(self, runner: Instance, sender: FrameSink) -> SplitBrainWatch | None:
        """Make `runner`'s watch; None when detection is off for it."""
        cfg, link = runner.cfg, runner.link
        if not cfg.split_brain_after or not link.mac:
            return None
        key = (link.index, cfg.family)
        listener = self._listeners.get(key)
        if listener is None:
            try:
                sock = self._open(cfg.interface, link.index, cfg.family)
            except VrrpIoError as exc:  # diagnostics only: VRRP itself runs on without it
                log.get().error(
                    "split-brain detection off: cannot watch ARP/NA",
                    instance=runner.name,
                    error=str(exc),
                )
                return None
            listener = self._listeners[key] = ClaimListener()
            self._sockets.add(key, sock, listener.dispatch)
        watch = SplitBrainWatch(
            runner, send=sender.send, learned=listener.learned_ip, on_event=self._on_event
        )
        listener.watches.append(watch)
        self._watches[runner] = watch
        return watch

    def watch_of(self, runner: Instance) -> SplitBrainWatch | None:
        return self._watches.get(runner)

    def status_of(self, runner: Instance) -> Payload | None:
        """The instance's `split_brain` status field: None, or since/other/vip/cause."""
        watch = self._watches.get(runner)
        return watch.status() if watch is not None else None

    def state_changed(self, runner: Instance, change: StateChanged) -> None:
        watch = self._watches.get(runner)
        if watch is not None:
            watch.state_changed(change)

    def advert(self, runner: Instance, src: IPAddress, advert: Advert) -> None:
        """An advert the receive path handed to `runner`."""
        watch = self._watches.get(runner)
        if watch is not None:
            watch.advert(src, advert)

    def detach(self, runner: Instance) -> None:
        watch = self._watches.pop(runner, None)
        if watch is None:
            return
        watch.close()
        for key, listener in list(self._listeners.items()):
            if watch in listener.watches:
                listener.watches.remove(watch)
            if not listener.watches:
                del self._listeners[key]
                self._sockets.close(key)

    def close(self) -> None:
        for watch in self._watches.values():
            watch.close()
        self._watches.clear()
        self._listeners.clear()
        self._sockets.close_all()
