"""The asyncio driver: sockets, netlink, signals and the control socket around the Routers.

Start-up order matters: claim the control socket first (a second daemon must not
touch the first one's VIPs), then resolve interfaces and addresses, clean VIPs
a crashed run left behind, open sockets, and only then start the Routers.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from vrrpd import __version__, log
from vrrpd.config import Config
from vrrpd.config.model import InstanceConfig
from vrrpd.control.client import ControlError
from vrrpd.control.server import ControlServer
from vrrpd.export.sdnotify import Notifier
from vrrpd.io import errors as io_errors
from vrrpd.io.frames import FrameBook
from vrrpd.io.garp import FrameSender
from vrrpd.io.netlink import (
    LinkInfo,
    Netlink,
    NetlinkEvent,
    Snapshot,
    kernel_keeps_addr_proto,
)
from vrrpd.io.rawsock import Received, VrrpSocket
from vrrpd.protocol.actions import StateChanged
from vrrpd.runtime import link_events
from vrrpd.runtime.instance import HOOK_GRACE_AT_STOP, InstanceRunner
from vrrpd.runtime.lifecycle import InterfaceLifecycle
from vrrpd.runtime.loop_lag import LoopLag, lag_threshold
from vrrpd.runtime.preflight import (
    ADDRESS_FAMILY,
    StartupError,
    check_host,
    prepare,
)
from vrrpd.runtime.receive import Listener
from vrrpd.runtime.reload import reload as reload_config
from vrrpd.runtime.route_watch import RouteWatch
from vrrpd.runtime.seams import Announcer, Instance
from vrrpd.runtime.sockets import SocketRegistry
from vrrpd.runtime.split_brain import Payload, SplitBrainWatches
from vrrpd.runtime.status import SCHEMA_VERSION, daemon_status, summary
from vrrpd.runtime.sync_groups import SyncGroups
from vrrpd.runtime.timers import Timers
from vrrpd.runtime.tracking import TrackMonitor
from vrrpd.runtime.vip_links import announcer, resolve
from vrrpd.runtime.vmac import Vmacs

if TYPE_CHECKING:  # imported at run time only when configured
    from vrrpd.export.metrics_server import MetricsExporter
    from vrrpd.export.mqtt import MqttPublisher

STOP_TIMEOUT = 10.0
FRAMES_WAIT_S = 30.0  # an instance waits this long at most for its GARP/NA frames


class Daemon:
    def __init__(self, config: Config, config_path: str, socket_path: str) -> None:
        self.config = config
        self.config_path = config_path
        self.socket_path = socket_path
        self.runners: dict[str, InstanceRunner] = {}
        self.listeners: dict[tuple[int, int], Listener] = {}  # by (ifindex, family)
        self.vrrp_sockets: SocketRegistry[Received] = SocketRegistry(OSError, "receive failed")
        self.senders: dict[int, FrameSender] = {}
        self.link_up: dict[int, bool] = {}
        self._log = log.get()
        self._stop = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.netlink: Netlink | None = None
        self.routes = RouteWatch(lambda: self.runners.values(), self._spawn)
        self.control = ControlServer(socket_path, self.status, self.explain)
        self.started = time.time()
        self._started_monotonic = time.monotonic()  # global.startup_delay counts from here
        # sync groups pull their members along; tracking feeds every InterfaceDown/Up and
        # PriorityChanged, and tells the groups about each instance's own faults
        self.sync_groups = SyncGroups(config.sync_groups, fifo=config.global_.notify_fifo)
        self.tracking = TrackMonitor(config, on_fault=self.sync_groups.fault_changed)
        self.notifier = Notifier()
        self.mqtt: MqttPublisher | None = None
        if config.mqtt is not None:
            from vrrpd.export.mqtt import (
                MqttPublisher,  # aiomqtt costs ~0.1 s of start-up: only if used
            )

            self.mqtt = MqttPublisher(config.mqtt, config.global_.router_id)
        self.metrics: MetricsExporter | None = None
        if config.metrics is not None:  # ~30 ms of imports: only when configured
            from vrrpd.export.metrics_server import MetricsExporter

            self.metrics = MetricsExporter(config.metrics, self.status)
        self.split_brain = SplitBrainWatches(self._on_split_brain)  # ARP/NA watch per interface
        self.lifecycle = InterfaceLifecycle(self._rebind)  # instances whose interface went away
        self.loop_lag = LoopLag(lambda: lag_threshold(
            [(c.advert_int, c.priority) for c in self.config.instances]))
        self.vmacs = Vmacs()  # use_vmac macvlans (vrrpd.runtime.vmac)
        self.frames: FrameBook | None = None  # made inside the loop by run()
        self.timers: Timers | None = None  # made inside the loop by run()
        self._status_queued = False  # an sd_notify STATUS= update is due this iteration

    # -- lifecycle ------------------------------------------------------------------
    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self.frames = FrameBook()
        self.timers = Timers(loop)  # every instance's timers: one heap, one handle
        try:
            await self.control.start()
        except ControlError as exc:
            raise StartupError(str(exc)) from None
        if self.mqtt is not None:
            self.mqtt.start()
        if self.metrics is not None:
            await self.metrics.start()
        try:
            async with Netlink() as nl:
                self.netlink = nl
                if not kernel_keeps_addr_proto():
                    self._log.warning("this kernel (before Linux 6.1) does not keep the mark "
                                      "on the VIPs vrrpd adds (IFA_PROTO): after a crash, a "
                                      "VIP left behind is refused as foreign at the next start")
                if any(cfg.vmac for cfg in self.config.instances):
                    await self.vmacs.sweep(nl)
                snapshot = await nl.snapshot()  # one dump for all instances' questions
                for cfg in self.config.instances:  # refuse a clash before anything starts
                    link = snapshot.link(cfg.interface)
                    vip_links = await resolve(nl, cfg, link)
                    await check_host(nl, cfg, vip_links.index_of, snapshot)
                self._prebuild_frames(snapshot)
                for cfg in self.config.instances:
                    await self._add_instance(cfg, snapshot)
                self._spawn(self._watch_netlink(), "netlink-watch")
                self._spawn(self.loop_lag.run(), "loop-lag")
                for sig in (signal.SIGTERM, signal.SIGINT):
                    loop.add_signal_handler(sig, self._stop.set)
                loop.add_signal_handler(signal.SIGHUP, lambda: self._spawn(self.reload(), "reload"))
                self._log.info("started", instances=len(self.runners), socket=self.socket_path,
                               version=__version__)
                self.notifier.ready(self.summary())
                gc.freeze()  # what start-up built lives on: keep it out of every collection
                interval = self.notifier.watchdog_interval()
                if interval:
                    self._spawn(self._watchdog(interval), "watchdog")
                await self._stop.wait()
                self._log.info("stopping")
                self.notifier.stopping()
                await self._shutdown()
        except io_errors.VrrpIoError as exc:
            await self._shutdown()
            raise StartupError(str(exc)) from None
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            if self.mqtt is not None:
                await self.mqtt.close()  # after _shutdown: the final states go out first
            if self.metrics is not None:
                await self.metrics.close()
            await self.control.close()
            self.notifier.close()
        self._log.info("stopped")
        return 0

    def request_stop(self) -> None:
        self._stop.set()

    def _spawn(self, coro: Coroutine[Any, Any, object], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _shutdown(self) -> None:
        await self.lifecycle.close()
        await self.tracking.close()  # no tracking event may reach a stopping instance
        runners = list(self.runners.values())
        self.runners.clear()
        if runners:
            await asyncio.gather(*(r.stop() for r in runners), return_exceptions=True)
            for r in runners:
                await r.close()
        for name in list(self.vmacs.links):  # also those of instances that failed to start
            await self.vmacs.remove(self.netlink, name)
        self.sync_groups.stopped()
        await self.sync_groups.close(HOOK_GRACE_AT_STOP)
        self.split_brain.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
        await self.routes.close()
        self.vrrp_sockets.close_all()
        self.listeners.clear()
        for sender in self.senders.values():
            sender.close()
        self.senders.clear()
        if self.frames is not None:
            self.frames.close()
        if self.timers is not None:
            self.timers.close()

    # -- instances ---------------------------------------------------------------------
    async def _add_instance(self, cfg: InstanceConfig,
                            snapshot: Snapshot | None = None) -> InstanceRunner:
        """Start one instance; `snapshot` (start-up) answers the link and address questions
        that a reload asks netlink directly."""
        nl = self.netlink
        assert nl is not None, "instances are added inside run()'s Netlink session"
        base = snapshot.link(cfg.interface) if snapshot else await nl.link(cfg.interface)
        link = base
        if cfg.vmac is not None:  # VIPs, ARP/NA (and adverts unless vmac_xmit_base) on it
            link = await self._vmac(nl, cfg, base)
        self.link_up.setdefault(link.index, link.up)
        vip_links = await resolve(nl, cfg, link)  # interfaces named by `dev`: must exist
        primary = await prepare(nl, cfg, base, self._log, vip_links.index_of, snapshot)
        # before its socket exists: adverts heard while it could not announce are not dropped
        # by an instance that has not started ("inactive")
        await self._frames_built(cfg.name)
        advert_link = base if cfg.vmac_xmit_base else link
        listener = self._listener(cfg, advert_link)
        if cfg.virtual_router_id in listener.by_vrid:
            raise StartupError(f"instances.{cfg.name}: VRID {cfg.virtual_router_id} already "
                               f"used on {cfg.interface}")
        sender = self.senders.get(link.index)
        if sender is None:
            sender = self.senders[link.index] = FrameSender(link.index)

        def garp_factory(c: InstanceConfig) -> Announcer:  # one schedule per interface
            return announcer(c, vip_links, self.senders, lambda n: self._count_garp(c.name, n),
                             self.frames)

        sock = self.vrrp_sockets.get((advert_link.index, cfg.family))
        assert isinstance(sock, VrrpSocket)
        runner = InstanceRunner(cfg, link=link, primary_ip=primary, sock=sock,
                                netlink=nl, garp_factory=garp_factory,
                                on_transition=self._on_transition,
                                routes=await self.routes.for_instance(cfg),
                                global_config=lambda: self.config.global_,
                                startup_delay=self._startup_delay_left(),
                                vip_links=vip_links, timers=self.timers)
        listener.by_vrid[cfg.virtual_router_id] = runner
        listener.own.add(primary)
        self.runners[cfg.name] = runner
        if self.mqtt is not None:
            self.mqtt.publish_discovery(cfg.name)  # Home Assistant, when discovery is on
        self.split_brain.attach(runner, sender)
        self.sync_groups.attach(runner)
        # feeds InterfaceDown first when the link (or a tracked object) is down: Startup waits
        await self.tracking.attach(runner, nl, own_up=self.link_up.get(link.index, True))
        runner.start()
        return runner

    async def _vmac(self, nl: Netlink, cfg: InstanceConfig, base: LinkInfo) -> LinkInfo:
        """Make the instance's VMAC (vrrpd.runtime.vmac); VIPs a non-VMAC run left on the
        base interface go first."""
        for vip in cfg.vips:
            if await nl.remove_vip(base.index, vip.interface):
                self._log.warning("removed stale VIP left by an earlier run",
                                  instance=cfg.name, vip=str(vip.interface))  # fmt: skip
        link_local = None
        if cfg.family == 6 and not cfg.unicast:
            link_local = await nl.primary_address(base.index, ADDRESS_FAMILY[6])
        try:
            return await self.vmacs.create(nl, cfg, base, link_local)
        except io_errors.VrrpIoError as exc:
            raise StartupError(str(exc)) from None

    def _prebuild_frames(self, snapshot: Snapshot) -> None:
        """Ask for every instance's GARP/NA frames at once: one builder process for all."""
        assert self.frames is not None
        for cfg in self.config.instances:
            if cfg.vmac is not None:
                continue  # its frames carry the virtual MAC: built when its VMAC exists
            with contextlib.suppress(io_errors.VrrpIoError, ValueError, TypeError):
                link = snapshot.link(cfg.interface)  # mistakes are reported by _add_instance
                self.frames.source(link.mac, [v.interface for v in cfg.vips], None)

    async def _frames_built(self, name: str) -> None:
        """An instance starts once its frames exist, as when they were built in-process: a
        new master must be able to announce its VIPs before its first advert lets the old
        one go (bounded; the book builds in-process if its subprocess fails)."""
        assert self.frames is not None
        try:
            await asyncio.wait_for(self.frames.settled(), FRAMES_WAIT_S)
        except TimeoutError:
            self._log.warning("GARP/NA frames not built yet; starting without them",
                              instance=name, waited=FRAMES_WAIT_S)

    def _listener(self, cfg: InstanceConfig, link: LinkInfo) -> Listener:
        key = (link.index, cfg.family)
        lst = self.listeners.get(key)
        if lst is None:
            sock = VrrpSocket(link.name, link.index, ADDRESS_FAMILY[cfg.family],
                              join_multicast=True)
            lst = self.listeners[key] = Listener(link.index, cfg.family,
                                                 on_advert=self.split_brain.advert)
            self.vrrp_sockets.add(key, sock, lst.dispatch)
        return lst

    def _startup_delay_left(self) -> float:
        """What is left of global.startup_delay, counted from the daemon's start."""
        elapsed = time.monotonic() - self._started_monotonic
        return max(0.0, self.config.global_.startup_delay - elapsed)

    async def _remove_instance(self, runner: InstanceRunner) -> None:
        self.runners.pop(runner.name, None)
        await self.tracking.detach(runner)
        self.sync_groups.detach(runner)
        await runner.stop()
        await runner.close()
        await self.vmacs.remove(self.netlink, runner.name)
        self.split_brain.detach(runner)
        for key, lst in list(self.listeners.items()):
            if lst.by_vrid.get(runner.cfg.virtual_router_id) is runner:
                del lst.by_vrid[runner.cfg.virtual_router_id]
                lst.own.discard(runner.primary_ip)
            if not lst.by_vrid:
                self.vrrp_sockets.close(key)
                del self.listeners[key]
        index = runner.link.index
        if not any(r.link.index == index for r in self.runners.values()):
            sender = self.senders.pop(index, None)  # its interface may be gone for good
            if sender is not None:
                sender.close()

    async def _rebind(self, name: str) -> bool:
        """Start `name` afresh on the interface that now carries its configured name; False
        while that interface is missing or has no address to send adverts from."""
        cfg = next((c for c in self.config.instances if c.name == name), None)
        nl = self.netlink
        if cfg is None or nl is None:
            return True  # no longer configured, or stopping
        try:
            link = await nl.link(cfg.interface)
            if (cfg.unicast_src_ip is None and cfg.mcast_src_ip is None and await
                    nl.primary_address(link.index, ADDRESS_FAMILY[cfg.family]) is None):
                return False  # back, but not yet addressed
        except (io_errors.VrrpIoError, ValueError):
            return False
        async with self._reload_lock:
            if self.lifecycle.lost.get(name) != cfg.interface:
                return True  # a reload restarted it meanwhile
            runner = self.runners.get(name)
            try:
                if runner is not None:
                    await self._remove_instance(runner)
                await self._add_instance(cfg)
            except (StartupError, io_errors.VrrpIoError) as exc:
                self._log.error("interface back but instance not started; will retry",
                                instance=name, error=str(exc))
                return False
        self._log.warning("interface back; instance re-bound", instance=name,
                          interface=cfg.interface, ifindex=link.index, mac=link.mac)
        return True

    def _count_garp(self, name: str, frames: int) -> None:
        runner = self.runners.get(name)
        if runner is not None:
            runner.counters.garp_sent += frames

    def _on_transition(self, runner: Instance, change: StateChanged) -> None:
        """Fan a transition out to its observers (split brain, sd_notify, MQTT, metrics) and
        the sync groups; notify hooks are queued by the instance itself, behind the
        transition's VIP work."""
        self.split_brain.state_changed(runner, change)
        if self.notifier.enabled and not self._status_queued:
            # once per loop iteration: 255 instances moving together walk the list once
            self._status_queued = True
            asyncio.get_running_loop().call_soon(self._send_status)
        if self.mqtt is not None:
            from vrrpd.export.mqtt import transition_payload

            self.mqtt.publish_transition(runner.name, transition_payload(runner, change))
        if self.metrics is not None:
            self.metrics.changed()
        self.sync_groups.member_transition(runner, change)  # may pull the other members now

    def _send_status(self) -> None:
        self._status_queued = False
        self.notifier.status(self.summary())

    def _on_split_brain(self, runner: Instance, payload: Payload) -> None:
        """A split-brain episode began or ended (the watch has logged it already)."""
        if self.mqtt is not None:
            self.mqtt.publish_split_brain(runner.name, payload)
        if self.metrics is not None:
            self.metrics.changed()

    def summary(self) -> str:
        """One line for systemd's STATUS=: every instance and its state."""
        return summary(self.runners.values())

    async def _watchdog(self, interval: float) -> None:
        """Pet systemd's watchdog from the loop itself: a stuck loop stops the petting."""
        while True:
            self.notifier.watchdog()
            await asyncio.sleep(interval)

    # -- netlink (vrrpd.runtime.link_events) ----------------------------------------------
    async def _watch_netlink(self) -> None:
        await link_events.watch(self)

    def _netlink_event(self, ev: NetlinkEvent) -> None:
        link_events.handle(self, ev)

    # -- reload (vrrpd.runtime.reload) ---------------------------------------------------------
    async def reload(self) -> None:
        await reload_config(self)

    # -- status (vrrpd.runtime.status) ---------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return daemon_status(self)

    def explain(self, instance: str | None = None) -> dict[str, Any]:
        """`vrrpd explain`: why each instance (or the one named) is in its state."""
        from vrrpd.runtime.explain_facts import explain_daemon

        reply = explain_daemon(self, instance)
        return reply if "error" in reply else {"schema_version": SCHEMA_VERSION, **reply}
