"""Tracked objects (interfaces, check scripts, files, processes) combined into one instance's
effective priority and FAULT condition. Pure: the io shell (vrrpd.runtime.tracking) reports
states in and feeds the resulting events to the Router.

The rules are keepalived's:
* weight 0 (an interface listed by name alone, a script or file of weight 0) is a FAULT
  condition: a down interface, a failing script, a file holding a non-zero value;
* a negative weight is added while the interface or script is down, a positive one while it is
  up; a file adds its value × weight, and a product below -253 is a FAULT condition;
* a process is up while its quorum holds; `reverse` negates its weight's effect (weight 0
  reverse: FAULT while the quorum holds);
* effective priority = base + the sum, clamped to 1..254; an address owner (base 255) stays
  255 whatever the weights (only a FAULT condition moves it).
A script that has not reported yet counts for nothing, neither FAULT nor weight (keepalived's
initial state); its first result counts at once. The instance's own interface being down (or
removed) is a FAULT condition too, reported first; with `track_own` False (keepalived's
dont_track_primary) a down own interface is not, but a removed one still is (nothing can be
sent on an interface that no longer exists).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from vrrpd.protocol.events import Event, InterfaceDown, InterfaceUp, PriorityChanged

OWNER_PRIORITY = 255
MAX_PRIORITY = 254  # a tracked router never reaches 255: that would claim the addresses
MAX_EFFECT = 253  # one file's value × weight counts at most this much; below -253 is a FAULT


class TrackKind(enum.StrEnum):
    INTERFACE = "interface"
    SCRIPT = "script"
    FILE = "file"
    PROCESS = "process"


@dataclass(frozen=True, slots=True)
class Tracked:
    """One tracked object of an instance, its weight resolved (0 = a FAULT condition)."""

    kind: TrackKind
    name: str
    weight: int
    reverse: bool = False  # interfaces and scripts: the effect turned round


@dataclass(frozen=True, slots=True)
class Decision:
    """What the Router should run with: `fault` names the first FAULT condition, or None."""

    priority: int
    fault: str | None = None


class Ref(Protocol):
    """A track_* entry of an instance (vrrpd.config.model.TrackRef): a weight, or None."""

    @property
    def name(self) -> str: ...

    @property
    def weight(self) -> int | None: ...

    @property
    def reverse(self) -> bool | None: ...


class Defined(Protocol):
    """A script or track file of the config, with its own weight."""

    @property
    def name(self) -> str: ...

    @property
    def weight(self) -> int: ...


class DefinedScript(Defined, Protocol):
    """A script of the config: its own weight, and whether that weight is reversed."""

    @property
    def reverse(self) -> bool: ...


class Tracking(Protocol):
    """What an instance tracks (vrrpd.config.model.InstanceConfig has it)."""

    @property
    def track_interface(self) -> Sequence[Ref]: ...

    @property
    def track_script(self) -> Sequence[Ref]: ...

    @property
    def track_file(self) -> Sequence[Ref]: ...


class Definitions(Protocol):
    """The scripts and track files of the config (vrrpd.config.model.Config has them)."""

    @property
    def scripts(self) -> Sequence[DefinedScript]: ...

    @property
    def track_files(self) -> Sequence[Defined]: ...


TrackStatus = dict[str, str | int | bool]  # one tracked object in `vrrpd status`


def tracked_objects(instance: Tracking, config: Definitions) -> tuple[Tracked, ...]:
    """An InstanceConfig's track_* lists with weights resolved against the Config's scripts
    and track files (a reference without a weight takes the object's own, and a script
    reference without `reverse` the script's own)."""
    scripts = {script.name: script for script in config.scripts}
    files = {file.name: file for file in config.track_files}
    objects = [
        Tracked(TrackKind.INTERFACE, ref.name, ref.weight or 0, bool(ref.reverse))
        for ref in instance.track_interface
    ]
    for ref in instance.track_script:
        script = scripts[ref.name]
        weight = script.weight if ref.weight is None else ref.weight
        reverse = script.reverse if ref.reverse is None else ref.reverse
        objects.append(Tracked(TrackKind.SCRIPT, ref.name, weight, reverse))
    for ref in instance.track_file:
        weight = files[ref.name].weight if ref.weight is None else ref.weight
        objects.append(Tracked(TrackKind.FILE, ref.name, weight))
    processes = {process.name: process for process in config.track_processes}
    for ref in instance.track_process:
        defined = processes[ref.name]
        weight = defined.weight if ref.weight is None else ref.weight
        reverse = defined.reverse if ref.reverse is None else ref.reverse
        objects.append(Tracked(TrackKind.PROCESS, ref.name, weight, reverse))
    return tuple(objects)


def events_between(old: Decision, new: Decision) -> list[Event]:
    """The Router events that take it from `old` to `new`. Entering FAULT comes first (a master
    resigns with priority 0 at once); leaving it comes last (the fresh start then runs at the
    new priority). A change of reason within FAULT needs no event."""
    priority: list[Event] = [PriorityChanged(new.priority)] if new.priority != old.priority else []
    if new.fault is not None and old.fault is None:
        return [InterfaceDown(new.fault), *priority]
    if new.fault is None and old.fault is not None:
        return [*priority, InterfaceUp()]
    return priority


class Tracker:
    """The tracked states of one instance and what they add up to."""

    def __init__(
        self,
        base_priority: int,
        objects: Iterable[Tracked],
        *,
        interface: str,
        track_own: bool = True,
    ) -> None:
        self.base_priority = base_priority
        self.objects = tuple(objects)
        self.interface = interface
        self.track_own = track_own
        self._own_fault: str | None = None
        self._states: dict[tuple[TrackKind, str], bool | int | None] = {
            (obj.kind, obj.name): None for obj in self.objects
        }

    def tracks(self, kind: TrackKind, name: str) -> bool:
        return (kind, name) in self._states

    def own_link(self, up: bool, *, removed: bool = False) -> None:
        """The instance's own interface: removed is a FAULT condition, and so is down unless
        `track_own` is False."""
        if removed:
            self._own_fault = f"interface {self.interface} was removed"
        else:
            down = not up and self.track_own
            self._own_fault = f"interface {self.interface} is down" if down else None

    def set_interface(self, name: str, up: bool) -> None:
        self._set(TrackKind.INTERFACE, name, up)

    def set_script(self, name: str, up: bool | None) -> None:
        """A script's state after rise/fall: True up, False down, None not reported yet."""
        self._set(TrackKind.SCRIPT, name, up)

    def set_process(self, name: str, up: bool | None) -> None:
        """A tracked process's quorum: True held, False not, None not scanned yet."""
        self._set(TrackKind.PROCESS, name, up)

    def set_file(self, name: str, value: int) -> None:
        self._set(TrackKind.FILE, name, value)

    def _set(self, kind: TrackKind, name: str, state: bool | int | None) -> None:
        if (kind, name) in self._states:
            self._states[kind, name] = state

    def decision(self) -> Decision:
        fault = self._own_fault
        total = 0
        for obj in self.objects:
            effect, reason = _effect(obj, self._states[obj.kind, obj.name])
            total += effect
            if fault is None:
                fault = reason
        if self.base_priority == OWNER_PRIORITY:
            return Decision(OWNER_PRIORITY, fault)
        return Decision(max(1, min(MAX_PRIORITY, self.base_priority + total)), fault)

    def status(self) -> list[TrackStatus]:
        """One entry per tracked object: name, kind, state, weight, and what it does now
        (`effect` on the priority, `fault` when it is a FAULT condition); files add `value`."""
        entries = []
        for obj in self.objects:
            state = self._states[obj.kind, obj.name]
            effect, reason = _effect(obj, state)
            entry: TrackStatus = {"name": obj.name, "kind": obj.kind.value}
            if obj.kind is TrackKind.FILE:
                entry["state"] = "fault" if reason else "ok"
                entry["value"] = state or 0
            else:
                entry["state"] = "unknown" if state is None else ("up" if state else "down")
            entry |= {"weight": obj.weight, "effect": effect, "fault": reason is not None}
            if obj.reverse:
                entry["reverse"] = True
            entries.append(entry)
        return entries


def _effect(obj: Tracked, state: bool | int | None) -> tuple[int, str | None]:
    """(priority change, FAULT reason or None) of one object in `state`."""
    what = f"tracked {obj.kind.value} {obj.name}"
    if obj.kind is TrackKind.FILE:
        value = int(state or 0)
        if obj.weight == 0:
            return 0, (f"{what} holds {value}" if value else None)
        product = value * obj.weight
        if product < -MAX_EFFECT:
            return 0, f"{what} holds {value}: {value} x weight {obj.weight} is below -{MAX_EFFECT}"
        return min(product, MAX_EFFECT), None
    if state is None:
        return 0, None
    if obj.weight == 0:
        if obj.reverse:
            return 0, (f"{what} is up (reversed)" if state else None)
        return 0, (None if state else f"{what} is down")
    sign = -1 if obj.reverse else 1
    counts = state if obj.weight > 0 else not state  # up for positive weights, down for negative
    return (obj.weight * sign if counts else 0), None
