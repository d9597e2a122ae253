"""Tracking at run time: link states, shared script runners and the file poller in, each
instance's Router events out.

The monitor keeps one pure Tracker (vrrpd.protocol.tracking) per running instance and, whenever
a state changes, feeds that instance the events between what its Router last got and the
Tracker's new decision (PriorityChanged, InterfaceDown, InterfaceUp). It is the daemon's only
source of InterfaceDown/Up: the instance's own link goes through it too, so a link coming back
cannot end a FAULT that a failing script still holds. Own faults are also reported to `on_fault`
(the sync groups). Each script has one runner, started when the first instance tracking it is
attached and stopped when the last one goes, whatever the number of instances tracking it.
Tracked interfaces are followed by name (a re-created interface counts again); one missing at
start counts as down. Tracked processes share one /proc scanner (vrrpd.io.track_process),
running while any instance tracks a process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vrrpd import log
from vrrpd.config.model import Config, InstanceConfig
from vrrpd.io.errors import VrrpIoError
from vrrpd.io.netlink import LinkChanged, LinkInfo, LinkRemoved, NetlinkEvent
from vrrpd.io.track_file import POLL_INTERVAL, FilePoller
from vrrpd.io.track_process import ProcessWatcher
from vrrpd.io.track_script import ScriptRunner
from vrrpd.protocol.tracking import (
    Decision,
    Tracker,
    TrackKind,
    TrackStatus,
    events_between,
    tracked_objects,
)
from vrrpd.runtime.seams import Instance

FaultCallback = Callable[[str, "str | None"], None]  # (instance, reason or None when cleared)


class Links(Protocol):
    """What tracking asks netlink (vrrpd.io.netlink.Netlink): a tracked interface's state."""

    async def link(self, ifname: str) -> LinkInfo: ...


@dataclass
class _Entry:
    runner: Instance
    tracker: Tracker
    fed: Decision  # what the Router has been told
    ready: bool = False  # False while its Tracker is being filled: no partial decision is fed


class TrackMonitor:
    def __init__(
        self,
        config: Config,
        *,
        on_fault: FaultCallback | None = None,
        file_interval: float = POLL_INTERVAL,
    ) -> None:
        self.config = config
        self.on_fault = on_fault
        self.scripts: dict[str, ScriptRunner] = {}
        self.poller = FilePoller({}, self._file_changed, interval=file_interval)
        self.processes = ProcessWatcher(
            self._process_changed, interval=config.global_.track_process_interval
        )
        self._links: dict[str, bool] = {}  # tracked interface name -> up
        self._own: dict[int, tuple[bool, bool]] = {}  # instance link index -> (up, removed)
        self._entries: dict[str, _Entry] = {}
        self._netlink: Links | None = None
        self._log = log.get()

    # -- instances --------------------------------------------------------------------------

    async def attach(self, runner: Instance, netlink: Links, *, own_up: bool) -> None:
        """Start tracking for a new instance (before its Startup): an initial FAULT or a
        changed priority is fed at once."""
        self._netlink = netlink
        self._own.setdefault(runner.link.index, (own_up, False))
        fed = Decision(runner.router.priority, None)
        entry = self._entries[runner.name] = _Entry(runner, self._tracker(runner.cfg, runner), fed)
        await self._fill(entry)

    async def detach(self, runner: Instance) -> None:
        """The instance stops; scripts nobody tracks any more stop too."""
        entry = self._entries.get(runner.name)
        if entry is None or entry.runner is not runner:
            return
        del self._entries[runner.name]
        index = runner.link.index
        if not any(e.runner.link.index == index for e in self._entries.values()):
            self._own.pop(index, None)  # a re-bound instance starts from the link's state now
        await self._prune()

    async def reconfigure(self, config: Config) -> None:
        """Take a reloaded config before the daemon adds, changes or removes instances.

        A script whose settings changed restarts (its state unknown again); an unchanged one
        keeps running and keeps its state. Running instances are re-resolved against the new
        config (their new track_* lists, the new weights) and get what changed."""
        self.config = config
        defined = {script.name: script for script in config.scripts}
        for name, runner in list(self.scripts.items()):
            if defined.get(name) != runner.cfg:
                await runner.close()
                del self.scripts[name]
        files = {f.name: f.file for f in config.track_files}
        for name, path in list(self.poller.files.items()):
            if files.get(name) != path:
                del self.poller.files[name]
                self.poller.values.pop(name, None)
                self.poller.problems.pop(name, None)
        self.processes.interval = config.global_.track_process_interval
        self.processes.set_processes(
            p for p in config.track_processes if self.processes.tracks(p.name)
        )
        for name, entry in list(self._entries.items()):
            instance = next((i for i in config.instances if i.name == name), None)
            if instance is None:
                continue  # no longer configured: the daemon detaches it next
            entry.tracker = self._tracker(instance, entry.runner)
            await self._fill(entry)
        await self._prune()

    def _tracker(self, instance: InstanceConfig, runner: Instance) -> Tracker:
        """What `instance` (its config) tracks, on top of what `runner`'s Router runs with:
        until the daemon restarts an instance whose priority changed, its old Router stays."""
        objects = tracked_objects(instance, self.config)
        return Tracker(runner.router.base_priority, objects, interface=runner.cfg.interface,
                       track_own=not instance.dont_track_primary)

    async def _fill(self, entry: _Entry) -> None:
        """Give a new Tracker every state known, starting what is needed to learn the rest;
        then feed its instance what the decision calls for."""
        entry.ready = False
        tracker = entry.tracker
        up, removed = self._own[entry.runner.link.index]
        tracker.own_link(up, removed=removed)
        files = {f.name: f.file for f in self.config.track_files}
        scripts = {s.name: s for s in self.config.scripts}
        await self._fill_processes(tracker)
        new_files = False
        for obj in tracker.objects:
            if obj.kind is TrackKind.INTERFACE:
                if obj.name not in self._links:
                    self._links[obj.name] = await self._link_up(obj.name)
                tracker.set_interface(obj.name, self._links[obj.name])
            elif obj.kind is TrackKind.SCRIPT:
                runner = self.scripts.get(obj.name)
                if runner is None:
                    runner = self.scripts[obj.name] = ScriptRunner(
                        scripts[obj.name], self._script_changed
                    )
                    runner.start()
                tracker.set_script(obj.name, runner.state)
            elif obj.kind is TrackKind.PROCESS:
                continue
            elif obj.name not in self.poller.files:
                self.poller.files[obj.name] = files[obj.name]
                new_files = True
        if new_files:
            self.poller.poll()  # reports new values through _file_changed
            self.poller.start()
        for obj in tracker.objects:
            if obj.kind is TrackKind.FILE:
                tracker.set_file(obj.name, self.poller.values.get(obj.name, 0))
        entry.ready = True
        self._update(entry.runner.name)

    async def _fill_processes(self, tracker: Tracker) -> None:
        """Start watching the processes `tracker` needs; a new one is scanned at once, so
        an instance starts knowing its processes' quorums (as keepalived's start-up scan)."""
        names = {obj.name for obj in tracker.objects if obj.kind is TrackKind.PROCESS}
        if any(self.processes.state(name) is None for name in names):
            defined = {p.name: p for p in self.config.track_processes}
            watched = [defined[n] for n in names | self._watched_processes() if n in defined]
            self.processes.set_processes(watched)
            await self.processes.scan()
            self.processes.start()
        for name in names:
            tracker.set_process(name, self.processes.state(name))

    def _watched_processes(self) -> set[str]:
        return {
            obj.name
            for entry in self._entries.values()
            for obj in entry.tracker.objects
            if obj.kind is TrackKind.PROCESS
        }

    async def _link_up(self, name: str) -> bool:
        try:
            assert self._netlink is not None  # set by attach(), which is what calls us
            return (await self._netlink.link(name)).up
        except (VrrpIoError, ValueError) as exc:
            self._log.warning("tracked interface not found; counts as down", interface=name,
                              error=str(exc))  # fmt: skip
            return False

    async def _prune(self) -> None:
        tracked = {
            obj.name
            for entry in self._entries.values()
            for obj in entry.tracker.objects
            if obj.kind is TrackKind.SCRIPT
        }
        for name in set(self.scripts) - tracked:
            await self.scripts.pop(name).close()
        watched = self._watched_processes()
        self.processes.set_processes(
            p for p in self.config.track_processes if p.name in watched
        )
        if not watched:
            await self.processes.close()

    # -- state changes ----------------------------------------------------------------------

    def link_event(self, event: NetlinkEvent) -> None:
        """A netlink LinkChanged or LinkRemoved (every one; unchanged states cost nothing)."""
        removed = isinstance(event, LinkRemoved)
        if not removed and not isinstance(event, LinkChanged):
            return
        up = isinstance(event, LinkChanged) and event.up
        if event.ifindex in self._own and not self._own[event.ifindex][1]:
            self._own[event.ifindex] = (up, removed)
        if event.name in self._links:
            self._links[event.name] = up
        for name, entry in list(self._entries.items()):
            if entry.runner.link.index == event.ifindex:
                own_up, own_removed = self._own[event.ifindex]
                entry.tracker.own_link(own_up, removed=own_removed)
            entry.tracker.set_interface(event.name, up)
            self._update(name)

    def _script_changed(self, script: str, up: bool) -> None:
        for name, entry in list(self._entries.items()):
            if entry.tracker.tracks(TrackKind.SCRIPT, script):
                entry.tracker.set_script(script, up)
                self._update(name)

    def _process_changed(self, process: str, up: bool) -> None:
        for name, entry in list(self._entries.items()):
            if entry.tracker.tracks(TrackKind.PROCESS, process):
                entry.tracker.set_process(process, up)
                self._update(name)

    def _file_changed(self, file: str, value: int) -> None:
        for name, entry in list(self._entries.items()):
            if entry.tracker.tracks(TrackKind.FILE, file):
                entry.tracker.set_file(file, value)
                self._update(name)

    def _update(self, name: str) -> None:
        entry = self._entries.get(name)
        if entry is None or not entry.ready:
            return
        old, new = entry.fed, entry.tracker.decision()
        if new == old:
            return
        entry.fed = new
        events = events_between(old, new)
        if events:
            self._log.info("tracking changed", instance=name, priority=new.priority,
                           fault=new.fault)  # fmt: skip
        for event in events:
            entry.runner.feed(event)
        if new.fault != old.fault and self.on_fault is not None:
            self.on_fault(name, new.fault)

    # -- status and stop --------------------------------------------------------------------

    def status_of(self, instance: str) -> list[TrackStatus]:
        entry = self._entries.get(instance)
        return entry.tracker.status() if entry is not None else []

    def scripts_status(self) -> list[dict[str, object]]:
        return [runner.status() for runner in self.scripts.values()]

    def processes_status(self) -> list[dict[str, object]]:
        return self.processes.status()

    async def close(self) -> None:
        """Stop every script (runs in progress are killed) and the file poller."""
        self._entries.clear()
        for runner in list(self.scripts.values()):
            await runner.close()
        self.scripts.clear()
        await self.poller.close()
        await self.processes.close()
