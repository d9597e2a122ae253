"""Runs split-brain detection in the daemon: claim sockets, timers, probes and the events.

`SplitBrainWatches` is the daemon's one entry point: `attach(runner, sender)` gives an
InstanceRunner its `SplitBrainWatch` (unless `split_brain_after = 0` or the link has no MAC)
and opens, once per (interface, family), the ClaimSocket whose claims it hands on to the
instance owning the claimed VIP. The decisions are the pure SplitBrainDetector's
(vrrpd.protocol.split_brain); this module only executes them:

  * one structlog record per episode start (`split_brain`) and end (`split_brain_healed`),
    warning level, naming the other party and the cause;
  * the same as a JSON payload to `on_event(runner, payload)` (the daemon sends it to MQTT);
  * the instance's status field `split_brain` (None, or since/other/vip/cause) and its
    counter `split_brain_events`;
  * probes as single frames on the instance's FrameSender, and Announce as a GARP schedule
    queued behind the instance's VIP work (SendGarp), so it never announces a VIP it dropped.

Claims whose address is none of our VIPs teach a MAC -> IP table (ARP replies to our
kernel, e.g. from unicast peers), used to name the other party by IP as well as by MAC.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from vrrpd import log
from vrrpd.io.claims import Claim, ClaimSocket, probe_frame
from vrrpd.io.errors import VrrpIoError
from vrrpd.protocol.actions import SendGarp, State
from vrrpd.protocol.split_brain import (
    Announce,
    IPAddress,
    Probe,
    SplitBrainDetector,
    SplitBrainHealed,
    SplitBrainStarted,
)
from vrrpd.protocol.timing import wire_interval_to_seconds

RECV_BATCH = 64
LEARNED_MACS = 256

EventSink = Callable[[Any, dict[str, Any]], None]


def transport(cfg: Any) -> str:
    """How the instance's adverts travel, for the cause text."""
    if cfg.unicast_peer:
        return "unicast to " + ", ".join(str(peer) for peer in cfg.unicast_peer)
    return "multicast 224.0.0.18" if cfg.family == 4 else "multicast ff02::12"


class SplitBrainWatch:
    """One instance's detector, driven by the daemon's events and its own timer."""

    def __init__(
        self,
        runner: Any,
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
        self.current: dict[str, Any] | None = None

    # -- events in ------------------------------------------------------------------------------
    def state_changed(self, change: Any) -> None:
        """A transition of the instance (an act.StateChanged)."""
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
        self._run(self.detector.claim(claim.address, claim.mac, now, self._learned(claim.mac)))

    def advert(self, src: IPAddress, advert: Any) -> None:
        """An advert the instance accepted: evidence if we are still MASTER after it."""
        if self.runner.router.state is not State.MASTER or advert.priority == 0:
            return
        try:
            interval = wire_interval_to_seconds(advert.interval, advert.version)
        except ValueError:
            return  # the Router dropped it (bad interval)
        self._run(self.detector.advert(src, advert.priority, interval, self._loop.time()))

    def status(self) -> dict[str, Any] | None:
        return self.current

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._timer_at = None

    # -- actions out ----------------------------------------------------------------------------
    def _run(self, actions: list[Any]) -> None:
        for action in actions:
            if isinstance(action, Probe):
                self._probe(action)
            elif isinstance(action, SplitBrainStarted):
                self._started(action)
            elif isinstance(action, SplitBrainHealed):
                self._healed(action)
            elif isinstance(action, Announce):
                self.runner.apply([SendGarp(reason="became-master")])
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

    def _emit(self, payload: dict[str, Any]) -> None:
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
    """One ClaimSocket (interface, family) and the watches of the instances on it."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock
        self.watches: list[SplitBrainWatch] = []
        self._learned: dict[str, IPAddress] = {}
        self._log = log.get()

    def on_readable(self) -> None:
        for _ in range(RECV_BATCH):
            try:
                claim = self.sock.recv()
            except VrrpIoError as exc:
                self._log.warning("receiving ARP/NA failed", error=str(exc))
                return
            if claim is None:
                return
            self.dispatch(claim)

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
    """Every watch and claim socket of the daemon."""

    def __init__(
        self,
        on_event: EventSink | None = None,
        open_socket: Callable[[str, int, int], Any] = ClaimSocket,
    ) -> None:
        self._on_event = on_event
        self._open = open_socket
        self._listeners: dict[tuple[int, int], ClaimListener] = {}

    def attach(self, runner: Any, sender: Any) -> SplitBrainWatch | None:
        """Give `runner` its watch (runner.split_brain); None when detection is off for it."""
        cfg, link = runner.cfg, runner.link
        if not cfg.split_brain_after or not link.mac:
            return None
        key = (link.index, cfg.family)
        listener = self._listeners.get(key)
        if listener is None:
            try:
                listener = ClaimListener(self._open(cfg.interface, link.index, cfg.family))
            except VrrpIoError as exc:  # diagnostics only: VRRP itself runs on without it
                log.get().error(
                    "split-brain detection off: cannot watch ARP/NA",
                    instance=runner.name,
                    error=str(exc),
                )
                return None
            self._listeners[key] = listener
            asyncio.get_running_loop().add_reader(listener.sock.fileno(), listener.on_readable)
        watch = SplitBrainWatch(
            runner, send=sender.send, learned=listener.learned_ip, on_event=self._on_event
        )
        listener.watches.append(watch)
        runner.split_brain = watch
        return watch

    def detach(self, runner: Any) -> None:
        watch = getattr(runner, "split_brain", None)
        if watch is None:
            return
        watch.close()
        for key, listener in list(self._listeners.items()):
            if watch in listener.watches:
                listener.watches.remove(watch)
            if not listener.watches:
                self._close_listener(key)

    def close(self) -> None:
        for key, listener in list(self._listeners.items()):
            for watch in listener.watches:
                watch.close()
            self._close_listener(key)

    def _close_listener(self, key: tuple[int, int]) -> None:
        listener = self._listeners.pop(key)
        asyncio.get_running_loop().remove_reader(listener.sock.fileno())
        listener.sock.close()
