"""One VRRP instance at run time: a pure Router plus the io needed to obey it.

The Router decides; this class executes its actions. Adverts go out at once
(synchronously, on the loop); VIP changes and GARP bursts run in order on one
worker task per instance, so a slow netlink answer can never reorder
"add VIPs, then announce them" nor delay an advert. The same worker installs the
instance's virtual routes and rules after its VIPs (vrrpd.runtime.egress) and hands each
transition's notify hooks to their own runner (vrrpd.io.hooks) once its VIP work is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import time
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any

from vrrpd import log
from vrrpd.io.hooks import HookJob, HookRunner
from vrrpd.protocol import actions as act
from vrrpd.protocol.events import AdvertReceived, Event, Shutdown, Startup, Timer, TimerFired
from vrrpd.protocol.packet import Advert, encode
from vrrpd.protocol.router import Router, RouterParams
from vrrpd.runtime.counters import Counters
from vrrpd.runtime.egress import Egress
from vrrpd.runtime.notify import rx_lower_job, transition_job

VRRP_GROUP = {4: ip_address("224.0.0.18"), 6: ip_address("ff02::12")}
NETLINK_TIMEOUT = 5.0
# Linux lets a poll/epoll timeout expire late by 0.1% of its length (select_estimate_accuracy),
# on top of epoll's whole milliseconds: 3.6 ms on a VRRPv2 Master_Down_Interval. Timers ask to
# be woken that much early; a firing more than TIMER_TOLERANCE early is re-armed by the Router
# for the same deadline, and that short wait has next to no slack.
EPOLL_SLACK = 0.001
# On becoming master the first advert waits until the VIPs are up and announced (bounded):
# a preempted master that hears it releases the VIP at once, and clients must already be
# on our MAC by then, or their packets land on a host that just dropped the address.
ADVERT_HOLD_MAX = 0.02
# A master stopping cleanly keeps serving its VIPs after the priority-0 advert until the new
# master's first advert arrives (it follows that master's GARP, see ADVERT_HOLD_MAX), at
# most HANDOVER_MAX_S (or one advert interval + 0.2 s, a backup's longest Skew_Time, if
# shorter): clients move over without a gap instead of hitting a host that has let go.
HANDOVER_MAX_S = 3.0
EGRESS_TIMEOUT = 10.0  # one pass over an instance's routes and rules
HOOK_GRACE_AT_STOP = 5.0  # queued hooks (the last transition's) may finish at a clean stop

Transition = Callable[["InstanceRunner", act.StateChanged], None]


def router_params(cfg: Any, primary_ip: IPv4Address | IPv6Address,
                  startup_delay: float = 0.0) -> RouterParams:
    return RouterParams(
        name=cfg.name,
        vrid=cfg.virtual_router_id,
        priority=cfg.priority,
        advert_int=cfg.advert_int,
        version=cfg.version,
        addresses=tuple(v.interface.ip for v in cfg.vips),
        primary_ip=primary_ip,
        preempt=cfg.preempt,
        preempt_delay=cfg.preempt_delay,
        startup_delay=startup_delay,
    )


class InstanceRunner:
    """Runs one configured instance on one interface."""

    def __init__(self, cfg: Any, *, link: Any, primary_ip: IPv4Address | IPv6Address,
                 sock: Any, netlink: Any, garp_factory: Callable[[Any], Any],
                 on_transition: Transition | None = None, routes: Any = None,
                 global_config: Callable[[], Any] | None = None,
                 startup_delay: float = 0.0) -> None:
        self.cfg = cfg
        self.link = link
        self.primary_ip = primary_ip
        self.sock = sock
        self.netlink = netlink
        self._garp_factory = garp_factory
        self.garp = garp_factory(cfg)
        self.counters = Counters()
        # startup_delay: what is left of global.startup_delay (the daemon counts from its start)
        self.router = Router(router_params(cfg, primary_ip, startup_delay))
        self._on_transition = on_transition
        self._loop = asyncio.get_running_loop()
        self._timers: dict[Timer, asyncio.TimerHandle] = {}
        self._work: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self._worker = self._loop.create_task(self._vip_worker(), name=f"vips-{cfg.name}")
        self._held_advert: tuple[int, asyncio.TimerHandle] | None = None
        self._handover: asyncio.Event | None = None
        self._advert_cache: dict[int, list[tuple[bytes, Any]]] = {}
        self._log = log.get().bind(instance=cfg.name)
        self.since_wall: float | None = None
        # notify hooks run after the transition's VIP work, on their own task (vrrpd.runtime.notify)
        self.hooks = HookRunner(cfg.name, self.counters)
        self._global_config = global_config
        self._hook_jobs: list[HookJob] = []
        # virtual routes/rules follow the VIPs, in the same ordered worker (vrrpd.runtime.egress)
        self.egress = self._make_egress(cfg, routes)
        self._repair_queued = False
        self.split_brain: Any = None  # a vrrpd.split_brain_watch.SplitBrainWatch, set by the daemon
        if self.egress is not None:
            self._work.put_nowait(("egress-start", None))

    # -- identity ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self.cfg.name

    @property
    def family(self) -> int:
        return self.cfg.family

    @property
    def destinations(self) -> list[Any]:
        if self.cfg.unicast_peer:
            return list(self.cfg.unicast_peer)
        return [VRRP_GROUP[self.family]]

    def accepts_source(self, src: Any) -> bool:
        """Unicast instances listen only to their listed peers."""
        return not self.cfg.unicast_peer or src in self.cfg.unicast_peer

    # -- events in ----------------------------------------------------------
    def start(self) -> None:
        self.feed(Startup())

    def feed(self, event: Event) -> None:
        self.apply(self.router.handle(event, self._loop.time()))

    def advert_received(self, src: Any, advert: Advert) -> None:
        if self._handover is not None and advert.priority > 0:
            self._handover.set()  # a new master has announced itself: let go now
        self.counters.adverts_received += 1
        if advert.checksum_form is not None:
            self.counters.checksum_forms[advert.checksum_form.value] += 1
        self.feed(AdvertReceived(src=src, advert=advert))

    async def stop(self) -> None:
        """Clean stop: priority-0 advert, VIPs released once a new master took over (bounded),
        worker drained (bounded)."""
        if self.router.state is act.State.MASTER:
            self._handover = asyncio.Event()
        self.feed(Shutdown())
        self._cancel_timers()
        self.garp.stop()
        if self.egress is not None:
            self._work.put_nowait(("egress-stop", None))
        self._work.put_nowait(("stop", None))
        try:
            await asyncio.wait_for(asyncio.shield(self._worker), NETLINK_TIMEOUT * 2)
        except TimeoutError:
            self._worker.cancel()
            self._log.error("vip worker did not finish in time at stop")
        await self.hooks.close(HOOK_GRACE_AT_STOP)

    # -- actions out ----------------------------------------------------------
    def apply(self, actions: list[Any]) -> None:
        becoming_master = any(isinstance(a, act.StateChanged) and a.new is act.State.MASTER
                              for a in actions)
        adding = False
        for a in actions:
            if isinstance(a, act.SendAdvert):
                if becoming_master and a.priority > 0:
                    self._hold_advert(a.priority)
                else:
                    self._send_advert(a.priority)
            elif isinstance(a, act.SetTimer):
                self._set_timer(a.timer, a.deadline)
            elif isinstance(a, act.StateChanged):
                self._transition(a)
            elif isinstance(a, act.AddVips):
                self._work.put_nowait(("add", None))
                adding = True
            elif isinstance(a, act.RemoveVips):
                self.garp.stop()  # never announce a VIP we are giving up
                if self._handover is not None:
                    self._work.put_nowait(("handover", None))
                self._work.put_nowait(("remove", None))
            elif isinstance(a, act.SendGarp):
                self._work.put_nowait(("garp", a.reason))
                if a.reason == "heal":  # a master outranking another: keepalived's rx_lower_pri
                    self._rx_lower()
            elif isinstance(a, act.AdvertDropped):
                self.counters.drop(a.reason)
            else:  # pragma: no cover - a new action type must be handled here
                self._log.error("unhandled action", action=repr(a))
        if self._held_advert is not None:
            self._work.put_nowait(("advert", None))  # right after this batch's VIPs and GARP
        if adding:
            self._work.put_nowait(("egress-install", None))  # routes need the VIPs first
        for job in self._hook_jobs:  # after this batch's VIP work, in transition order
            self._work.put_nowait(("hooks", job))
        self._hook_jobs.clear()

    def _hold_advert(self, priority: int) -> None:
        if self._held_advert is not None:
            self._held_advert[1].cancel()
        handle = self._loop.call_later(ADVERT_HOLD_MAX, self._release_advert)
        self._held_advert = (priority, handle)

    def _release_advert(self) -> None:
        """Send the held first advert (VIPs announced, or ADVERT_HOLD_MAX passed)."""
        if self._held_advert is None:
            return
        priority, handle = self._held_advert
        self._held_advert = None
        handle.cancel()
        if self.router.state is act.State.MASTER:
            self._send_advert(priority)

    def _encoded(self, priority: int) -> list[tuple[bytes, Any]]:
        cached = self._advert_cache.get(priority)
        if cached is None:
            advert = self.router.advert(priority)
            if self.cfg.version == 2 and self.cfg.auth_type:
                advert = dataclasses.replace(advert, auth_type=self.cfg.auth_type,
                                             auth_data=self.cfg.auth_password)
            cached = [(encode(advert, self.primary_ip, dst,
                              pseudo_header=self.cfg.checksum_pseudo_header), dst)
                      for dst in self.destinations]
            self._advert_cache = {priority: cached} | (
                {} if len(self._advert_cache) > 4 else self._advert_cache)
        return cached

    def _send_advert(self, priority: int) -> None:
        for payload, dst in self._encoded(priority):
            try:
                self.sock.send(payload, dst, self.primary_ip)
                self.counters.adverts_sent += 1
            except OSError as exc:
                self.counters.send_errors += 1
                self._log.warning("advert send failed", dst=str(dst), error=str(exc))

    def _set_timer(self, timer: Timer, deadline: float | None) -> None:
        old = self._timers.pop(timer, None)
        if old is not None:
            old.cancel()
        if deadline is not None:
            lead = max(0.0, deadline - self._loop.time()) * EPOLL_SLACK
            self._timers[timer] = self._loop.call_at(deadline - lead, self._fire, timer)

    def _fire(self, timer: Timer) -> None:
        self._timers.pop(timer, None)
        self.feed(TimerFired(timer))

    def _cancel_timers(self) -> None:
        if self._held_advert is not None:
            self._held_advert[1].cancel()
            self._held_advert = None
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()

    def _transition(self, change: act.StateChanged) -> None:
        self.since_wall = time.time()
        self._log.info("transition", old=change.old.value, new=change.new.value,
                       reason=change.reason, priority=self.router.priority)
        if self._on_transition is not None:
            self._on_transition(self, change)
        global_cfg = self._global_config() if self._global_config is not None else None
        job = transition_job(self.cfg, global_cfg, new=change.new.value, old=change.old.value,
                             priority=self.router.priority, reason=change.reason)
        if not job.empty:
            self._hook_jobs.append(job)

    def _rx_lower(self) -> None:
        global_cfg = self._global_config() if self._global_config is not None else None
        job = rx_lower_job(self.cfg, global_cfg, priority=self.router.priority,
                           reason="advert from a lower-priority master")
        if not job.empty:
            self._hook_jobs.append(job)

    # -- VIP worker -------------------------------------------------------------
    async def _vip_worker(self) -> None:
        while True:
            op, arg = await self._work.get()
            if op == "stop":
                return
            try:
                if op == "add":
                    await self._add_vips()
                elif op == "advert":
                    self._release_advert()
                elif op == "handover":
                    await self._await_handover()
                elif op == "remove":
                    await self._egress("remove")
                    await self._remove_vips()
                elif op == "hooks":
                    self.hooks.submit(arg)
                elif op.startswith("egress-"):
                    await self._egress(op.removeprefix("egress-"))
                elif op == "repair":
                    self._repair_queued = False
                    await self._egress("repair")
                elif op == "garp":
                    self._garp(arg)
                elif op == "readd":
                    await self._readd(arg)
            except Exception as exc:  # noqa: BLE001 - the worker must survive any netlink error
                self._log.error("vip operation failed", op=op, error=str(exc))

    async def _await_handover(self) -> None:
        if self._handover is None:
            return
        limit = min(HANDOVER_MAX_S, self.cfg.advert_int + 0.2)
        try:  # advert_received sets the event while we wait
            await asyncio.wait_for(self._handover.wait(), limit)
        except TimeoutError:
            self._log.info("no new master heard before releasing the VIPs", waited=limit)
        finally:
            self._handover = None

    async def _add_vips(self) -> None:
        for vip in self.cfg.vips:
            await asyncio.wait_for(
                self.netlink.add_vip(self.link.index, vip.interface, vip.label), NETLINK_TIMEOUT)

    async def _remove_vips(self) -> None:
        for vip in self.cfg.vips:
            await asyncio.wait_for(self.netlink.remove_vip(self.link.index, vip.interface),
                                   NETLINK_TIMEOUT)

    def _garp(self, reason: str) -> None:
        if self.router.state is not act.State.MASTER:
            return  # lost mastership while the VIPs were being added
        if reason == "heal":
            self.garp.burst()
        else:
            self.garp.start()

    async def _readd(self, vip: Any) -> None:
        if self.router.state is act.State.MASTER:
            added = await asyncio.wait_for(
                self.netlink.add_vip(self.link.index, vip.interface, vip.label), NETLINK_TIMEOUT)
            if added:
                self.counters.vip_readded += 1
                self._log.warning("vip removed from outside while master; re-added",
                                  vip=str(vip.interface))
                self.garp.burst()

    # -- egress routes and rules ------------------------------------------------------
    def _make_egress(self, cfg: Any, routes: Any) -> Egress | None:
        if routes is None:
            return None
        family = socket.AF_INET if cfg.family == 4 else socket.AF_INET6

        async def addresses() -> list[Any]:
            return await self.netlink.addresses(self.link.index, family)

        egress = Egress(cfg, primary_ip=self.primary_ip, table=routes, addresses=addresses,
                        counters=self.counters, log=self._log)
        return egress if egress.configured else None

    async def _egress(self, op: str) -> None:
        if self.egress is None:
            return
        egress = self.egress
        work = {
            "start": egress.start,
            "install": egress.install,
            "remove": egress.remove,
            "stop": egress.stop,
            "repair": lambda: egress.repair(master=self.router.state is act.State.MASTER),
        }[op]()
        await asyncio.wait_for(work, EGRESS_TIMEOUT)

    def route_event(self, event: Any) -> None:
        """A route/rule/address/link event: check our routes if it may concern them."""
        if self.egress is not None and self.egress.concerns(event):
            self.request_repair()

    def request_repair(self) -> None:
        """Queue one check-and-restore of our routes (one per burst of events)."""
        if self.egress is not None and not self._repair_queued:
            self._repair_queued = True
            self._work.put_nowait(("repair", None))

    def vip_removed(self, address: Any) -> None:
        """Netlink says an address left our interface: re-add it if it is ours and we are master."""
        if self.router.state is not act.State.MASTER:
            return
        for vip in self.cfg.vips:
            if vip.interface.ip == getattr(address, "ip", address):
                self._work.put_nowait(("readd", vip))

    async def reconfigure(self, cfg: Any) -> None:
        """Apply a new VIP list / GARP tuning in place, without a state transition.

        A master first drops the VIPs no longer configured; the Router then asks for
        AddVips (idempotent: adds only the missing ones) and a fresh GARP schedule.
        """
        old_vips = {v.interface for v in self.cfg.vips}
        new_vips = {v.interface for v in cfg.vips}
        self.cfg = cfg
        self._advert_cache.clear()
        self.garp.stop()
        self.garp = self._garp_factory(cfg)
        if self.router.state is act.State.MASTER:
            for vip in old_vips - new_vips:
                await asyncio.wait_for(self.netlink.remove_vip(self.link.index, vip),
                                       NETLINK_TIMEOUT)
        params = router_params(cfg, self.primary_ip, self.router.params.startup_delay)
        self.apply(self.router.reconfigure(params, self._loop.time()))
        self._log.info("reconfigured in place", vips=[str(v) for v in new_vips])

    # -- status ---------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        r = self.router
        return {
            "name": self.name,
            "state": r.state.value,
            "priority": r.priority,
            "base_priority": r.base_priority,
            "virtual_router_id": self.cfg.virtual_router_id,
            "interface": self.cfg.interface,
            "version": self.cfg.version,
            "advert_int": self.cfg.advert_int,
            "master_advert_int": r.master_adver_int,
            "master_ip": str(r.master_ip) if r.master_ip is not None else None,
            "vips": [str(v.interface) for v in self.cfg.vips],
            "since": self.since_wall,
            "transitions": r.transitions,
            "last_reason": r.last_reason,
            "unicast_peers": [str(p) for p in self.cfg.unicast_peer],
            "split_brain": self.split_brain.status() if self.split_brain is not None else None,
            "counters": self.counters.as_dict(),
        }

    async def close(self) -> None:
        self._cancel_timers()
        self.garp.stop()
        await self.hooks.close()
        if not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker

