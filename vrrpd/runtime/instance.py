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
import functools
import socket
import time
from collections.abc import Callable

from vrrpd import log
from vrrpd.config.model import GlobalConfig, InstanceConfig, VirtualIp
from vrrpd.io.hooks import HookJob, HookRunner
from vrrpd.io.netlink import LinkInfo
from vrrpd.io.route_types import RouteEvent
from vrrpd.protocol import actions as act
from vrrpd.protocol.events import AdvertReceived, Event, Shutdown, Startup, Timer, TimerFired
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router import Router, RouterParams
from vrrpd.runtime.adverts import ADVERT_HOLD_MAX as ADVERT_HOLD_MAX  # re-exported
from vrrpd.runtime.adverts import Adverts
from vrrpd.runtime.counters import Counters
from vrrpd.runtime.egress import Egress, RouteStore
from vrrpd.runtime.notify import rx_lower_job, transition_job
from vrrpd.runtime.peers import PeerTable
from vrrpd.runtime.receive import LogLimiter
from vrrpd.runtime.seams import (
    AdvertSocket,
    Announcer,
    IPAddress,
    IPInterface,
    TransitionObserver,
    VipNetlink,
)
from vrrpd.runtime.timers import EPOLL_SLACK, Timers
from vrrpd.runtime.vip_links import VipLinks
from vrrpd.runtime.vip_work import Announce, Command, Readd, RunHooks, Step

__all__ = ["EPOLL_SLACK", "InstanceRunner"]

NETLINK_TIMEOUT = 5.0
# Timers ask to be woken EPOLL_SLACK early (vrrpd.runtime.timers); a firing more than
# TIMER_TOLERANCE early is re-armed by the Router for the same deadline.
# On becoming master the first advert waits until the VIPs are up and announced (bounded,
# ADVERT_HOLD_MAX): see vrrpd.runtime.adverts.
# A master stopping cleanly keeps serving its VIPs after the priority-0 advert until the new
# master's first advert arrives (it follows that master's GARP, see ADVERT_HOLD_MAX), at
# most HANDOVER_MAX_S (or one advert interval + 0.2 s, a backup's longest Skew_Time, if
# shorter): clients move over without a gap instead of hitting a host that has let go.
HANDOVER_MAX_S = 3.0
EGRESS_TIMEOUT = 10.0  # one pass over an instance's routes and rules
HOOK_GRACE_AT_STOP = 5.0  # queued hooks (the last transition's) may finish at a clean stop

def router_params(cfg: InstanceConfig, primary_ip: IPAddress,
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
    """Runs one configured instance on one interface (a vrrpd.runtime.seams.Instance)."""

    def __init__(self, cfg: InstanceConfig, *, link: LinkInfo, primary_ip: IPAddress,
                 sock: AdvertSocket, netlink: VipNetlink,
                 garp_factory: Callable[[InstanceConfig], Announcer],
                 on_transition: TransitionObserver | None = None,
                 routes: RouteStore | None = None,
                 global_config: Callable[[], GlobalConfig] | None = None,
                 startup_delay: float = 0.0, vip_links: VipLinks | None = None,
                 timers: Timers | None = None) -> None:
        self.cfg = cfg
        self.link = link
        # where each address goes (vrrpd.runtime.vip_links): `link`, or the VIP's own dev
        self.vip_links = vip_links or VipLinks(link)
        self.primary_ip = primary_ip
        self.netlink = netlink
        self._garp_factory = garp_factory
        self.garp = garp_factory(cfg)
        self.counters = Counters()
        self.peer_table = PeerTable()  # who we hear, for `vrrpd explain` (vrrpd.runtime.peers)
        self._advert_src: IPAddress | None = None  # source of the advert being fed, for its drops
        # startup_delay: what is left of global.startup_delay (the daemon counts from its start)
        self.router = Router(router_params(cfg, primary_ip, startup_delay))
        self._on_transition = on_transition
        self._loop = asyncio.get_running_loop()
        # one heap and handle for every instance of the daemon (vrrpd.runtime.timers)
        self.timers = timers if timers is not None else Timers(self._loop)
        self._firers = {timer: functools.partial(self._fire, timer) for timer in Timer}
        self._work: asyncio.Queue[Command] = asyncio.Queue()
        self._worker = self._loop.create_task(self._vip_worker(), name=f"vips-{cfg.name}")
        self._handover: asyncio.Event | None = None
        self._log = log.get().bind(instance=cfg.name)
        self.adverts = Adverts(cfg, router=self.router, sock=sock, primary_ip=primary_ip,
                               counters=self.counters, log=self._log, loop=self._loop)
        self._limit = LogLimiter()  # drops and notes the Router explains: one line per 10 s
        self.since_wall: float | None = None
        self.old_state: str | None = None  # the state before the last transition
        # notify hooks run after the transition's VIP work, on their own task (vrrpd.runtime.notify)
        self.hooks = HookRunner(cfg.name, self.counters)
        self._global_config = global_config
        self._hook_jobs: list[HookJob] = []
        # virtual routes/rules follow the VIPs, in the same ordered worker (vrrpd.runtime.egress)
        self.egress = self._make_egress(cfg, routes)
        self._repair_queued = False
        if self.egress is not None:
            self._work.put_nowait(Step.EGRESS_START)

    # -- identity ---------------------------------------------------------
    @property
    def name(self) -> str:
        return self.cfg.name

    @property
    def family(self) -> int:
        return self.cfg.family

    def accepts_source(self, src: IPAddress) -> bool:
        """Unicast instances listen only to their listed peers."""
        return not self.cfg.unicast_peer or src in self.cfg.unicast_peer

    # -- events in ----------------------------------------------------------
    def start(self) -> None:
        self.feed(Startup())

    def feed(self, event: Event) -> None:
        self.apply(self.router.handle(event, self._loop.time()))

    def announce(self) -> None:
        """Queue a GARP schedule behind the VIP work (the split-brain driver's heal)."""
        self._work.put_nowait(Announce("became-master"))

    def advert_received(self, src: IPAddress, advert: Advert) -> None:
        if self._handover is not None and advert.priority > 0:
            self._handover.set()  # a new master has announced itself: let go now
        self.counters.adverts_received += 1
        if advert.checksum_form is not None:
            self.counters.checksum_forms[advert.checksum_form.value] += 1
        self.peer_table.heard(src, advert.priority, advert.interval, advert.version,
                              self._loop.time())
        self._advert_src = src
        try:
            self.feed(AdvertReceived(src=src, advert=advert))
        finally:
            self._advert_src = None

    async def stop(self) -> None:
        """Clean stop: priority-0 advert, VIPs released once a new master took over (bounded),
        worker drained (bounded)."""
        if self.router.state is act.State.MASTER:
            self._handover = asyncio.Event()
        self.feed(Shutdown())
        self._cancel_timers()
        self.garp.stop()
        if self.egress is not None:
            self._work.put_nowait(Step.EGRESS_STOP)
        self._work.put_nowait(Step.STOP)
        try:
            await asyncio.wait_for(asyncio.shield(self._worker), NETLINK_TIMEOUT * 2)
        except TimeoutError:
            self._worker.cancel()
            self._log.error("vip worker did not finish in time at stop")
        await self.hooks.close(HOOK_GRACE_AT_STOP)

    # -- actions out ----------------------------------------------------------
    def apply(self, actions: list[act.Action]) -> None:
        """Carry out one batch of the Router's actions; the transition observers run after
        it (so a sync group's pulls never re-enter another member mid-batch)."""
        becoming_master = len(actions) > 1 and any(  # a lone SetTimer: a backup's advert
            isinstance(a, act.StateChanged) and a.new is act.State.MASTER for a in actions)
        adding = False
        changes: list[act.StateChanged] = []
        for a in actions:
            if isinstance(a, act.SendAdvert):
                if becoming_master and a.priority > 0:
                    self.adverts.hold(a.priority)
                else:
                    self.adverts.send(a.priority)
            elif isinstance(a, act.SetTimer):
                self._set_timer(a.timer, a.deadline)
            elif isinstance(a, act.StateChanged):
                self._transition(a)
                changes.append(a)
            elif isinstance(a, act.AddVips):
                self._work.put_nowait(Step.ADD_VIPS)
                adding = True
            elif isinstance(a, act.RemoveVips):
                self.garp.stop()  # never announce a VIP we are giving up
                if self._handover is not None:
                    self._work.put_nowait(Step.AWAIT_HANDOVER)
                self._work.put_nowait(Step.REMOVE_VIPS)
            elif isinstance(a, act.SendGarp):
                self._work.put_nowait(Announce(a.reason))
                if a.reason == "heal":  # a master outranking another: keepalived's rx_lower_pri
                    self._rx_lower()
            elif isinstance(a, act.AdvertDropped):
                self.counters.drop(a.reason)
                if self._advert_src is not None:
                    self.peer_table.dropped(self._advert_src, a.reason)
                if a.detail:  # evidence of a misconfiguration: say so, rate-limited
                    self._limit((self.name, a.reason), self._log.warning, "dropped advert",
                                reason=a.reason.value, detail=a.detail)
            elif isinstance(a, act.AdvertNoted):
                self.counters.note(a.reason)
                self._limit((self.name, a.reason), self._log.warning, "advert noted",
                            reason=a.reason.value, detail=a.detail)
            else:  # pragma: no cover - a new action type must be handled here
                self._log.error("unhandled action", action=repr(a))
        if self.adverts.holding:
            self._work.put_nowait(Step.RELEASE_ADVERT)  # right after this batch's VIPs and GARP
        if adding:
            self._work.put_nowait(Step.EGRESS_INSTALL)  # routes need the VIPs first
        for job in self._hook_jobs:  # after this batch's VIP work, in transition order
            self._work.put_nowait(RunHooks(job))
        self._hook_jobs.clear()
        if self._on_transition is not None:
            for change in changes:
                self._on_transition(self, change)

    def _set_timer(self, timer: Timer, deadline: float | None) -> None:
        self.timers.set((self, timer), deadline, self._firers[timer])

    def _fire(self, timer: Timer) -> None:
        self.feed(TimerFired(timer))

    def _cancel_timers(self) -> None:
        self.adverts.cancel_hold()
        for timer in Timer:
            self.timers.set((self, timer), None)

    def _transition(self, change: act.StateChanged) -> None:
        self.since_wall = time.time()
        self.old_state = change.old.value
        self._log.info("transition", state=change.new.value, old_state=change.old.value,
                       reason=change.reason, priority=self.router.priority,
                       new=change.new.value, old=change.old.value)  # new/old: earlier names
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
            command = await self._work.get()
            if command is Step.STOP:
                return
            try:
                await self._run(command)
            except Exception as exc:  # noqa: BLE001 - the worker must survive any netlink error
                op = command.value if isinstance(command, Step) else type(command).__name__
                self._log.error("vip operation failed", op=op, error=str(exc))

    async def _run(self, command: Command) -> None:
        match command:
            case Step.ADD_VIPS:
                await self._add_vips()
            case Step.RELEASE_ADVERT:
                self.adverts.release()
            case Step.AWAIT_HANDOVER:
                await self._await_handover()
            case Step.REMOVE_VIPS:
                await self._egress(Step.REMOVE_VIPS)
                await self._remove_vips()
            case RunHooks(job=job):
                self.hooks.submit(job)
            case Step.EGRESS_START | Step.EGRESS_INSTALL | Step.EGRESS_STOP:
                await self._egress(command)
            case Step.REPAIR:
                self._repair_queued = False
                await self._egress(Step.REPAIR)
            case Announce(reason=reason):
                self._garp(reason)
            case Readd(vip=vip):
                await self._readd(vip)

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

    async def _add_vips(self) -> None:  # advertised and excluded, each on its interface
        for vip in self.cfg.managed_vips:
            await asyncio.wait_for(self.netlink.add_vip(
                self.vip_links.index_of(vip), vip.interface, vip.label), NETLINK_TIMEOUT)

    async def _remove_vips(self) -> None:
        for vip in self.cfg.managed_vips:
            await asyncio.wait_for(self.netlink.remove_vip(
                self.vip_links.index_of(vip), vip.interface), NETLINK_TIMEOUT)

    def _garp(self, reason: str) -> None:
        if self.router.state is not act.State.MASTER:
            return  # lost mastership while the VIPs were being added
        if reason == "heal":
            self.garp.burst()
        else:
            self.garp.start()

    async def _readd(self, vip: VirtualIp) -> None:
        if self.router.state is act.State.MASTER:
            added = await asyncio.wait_for(self.netlink.add_vip(
                self.vip_links.index_of(vip), vip.interface, vip.label), NETLINK_TIMEOUT)
            if added:
                self.counters.vip_readded += 1
                self._log.warning("vip removed from outside while master; re-added",
                                  vip=str(vip.interface))
                self.garp.burst()

    # -- egress routes and rules ------------------------------------------------------
    def _make_egress(self, cfg: InstanceConfig, routes: RouteStore | None) -> Egress | None:
        if routes is None:
            return None
        family = socket.AF_INET if cfg.family == 4 else socket.AF_INET6

        async def addresses() -> list[IPInterface]:  # on every interface holding VIPs
            found: list[IPInterface] = []
            for index in self.vip_links.indexes:
                found += await self.netlink.addresses(index, family)
            return found

        egress = Egress(cfg, primary_ip=self.primary_ip, table=routes, addresses=addresses,
                        counters=self.counters, log=self._log)
        return egress if egress.configured else None

    async def _egress(self, step: Step) -> None:
        if self.egress is None:
            return
        egress = self.egress
        work = {
            Step.EGRESS_START: egress.start,
            Step.EGRESS_INSTALL: egress.install,
            Step.REMOVE_VIPS: egress.remove,
            Step.EGRESS_STOP: egress.stop,
            Step.REPAIR: lambda: egress.repair(master=self.router.state is act.State.MASTER),
        }[step]()
        await asyncio.wait_for(work, EGRESS_TIMEOUT)

    def route_event(self, event: RouteEvent) -> None:
        """A route/rule/address/link event: check our routes if it may concern them."""
        if self.egress is not None and self.egress.concerns(event):
            self.request_repair()

    def request_repair(self) -> None:
        """Queue one check-and-restore of our routes (one per burst of events)."""
        if self.egress is not None and not self._repair_queued:
            self._repair_queued = True
            self._work.put_nowait(Step.REPAIR)

    def vip_removed(self, address: IPInterface, ifindex: int | None = None) -> None:
        """Netlink says an address left interface `ifindex` (None: ours): re-add it if it is
        one of ours there and we are master."""
        if self.router.state is not act.State.MASTER:
            return
        ifindex = self.link.index if ifindex is None else ifindex
        for vip in self.cfg.managed_vips:
            if (vip.interface.ip == getattr(address, "ip", address)
                    and self.vip_links.index_of(vip) == ifindex):
                self._work.put_nowait(Readd(vip))

    async def reconfigure(self, cfg: InstanceConfig) -> None:
        """Apply a new VIP list / GARP tuning in place, without a state transition.

        A master first drops the VIPs no longer configured; the Router then asks for
        AddVips (idempotent: adds only the missing ones) and a fresh GARP schedule.
        """
        old_vips = {(v.interface, self.vip_links.index_of(v)) for v in self.cfg.managed_vips}
        new_vips = {(v.interface, self.vip_links.index_of(v)) for v in cfg.managed_vips}
        self.cfg = cfg
        self.adverts.reconfigure(cfg)
        self.garp.stop()
        self.garp = self._garp_factory(cfg)
        if self.router.state is act.State.MASTER:
            for vip, index in old_vips - new_vips:
                await asyncio.wait_for(self.netlink.remove_vip(index, vip), NETLINK_TIMEOUT)
        params = router_params(cfg, self.primary_ip, self.router.params.startup_delay)
        self.apply(self.router.reconfigure(params, self._loop.time()))
        self._log.info("reconfigured in place", vips=[str(v) for v, _ in new_vips])

    async def close(self) -> None:
        self._cancel_timers()
        self.garp.stop()
        await self.hooks.close()
        if not self._worker.done():
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker

