"""Sync groups (keepalived's vrrp_sync_group): member instances that are MASTER, BACKUP or
FAULT together. The Routers do the protocol work (SyncGroupState, vrrpd.protocol.router_holds);
this coordinator decides what the group is and pulls the members along.

* A member's own fault (its link or a tracked object, reported by vrrpd.runtime.tracking through
  `fault_changed`) puts the group in FAULT: every member gets SyncGroupState(FAULT), the failed
  one too, so it stays FAULT until the whole group may leave. When no member has a fault of its
  own any more, every member gets SyncGroupState(BACKUP) and starts afresh.
* A member that becomes MASTER by itself (Master_Down_Timer, preempt) makes the group MASTER
  and pulls the others to MASTER.
* A member that leaves MASTER by itself (it heard a better master) makes the group BACKUP and
  pulls the others to BACKUP, where they are held (they follow, but do not take over on their
  own) so two nodes cannot keep taking the group from each other.
A transition the coordinator caused is never fed back into the group: pulls run synchronously
with a per-group flag set, and the members' transitions reported meanwhile are ignored.

The group's notify hooks run once per group transition (not per member), in order, on the
group's own HookRunner: the state hook (`notify_master`, `notify_backup`, `notify_fault`), then
`notify`, each with `GROUP NEW_STATE OLD_STATE` appended and VRRPD_GROUP, VRRPD_STATE,
VRRPD_OLD_STATE, VRRPD_REASON in the environment. They start at once; they do not wait for the
members' VIP work. A clean stop runs no group hooks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from vrrpd import log
from vrrpd.io.hooks import HookCommand, HookJob, HookRunner
from vrrpd.protocol.actions import State, StateChanged
from vrrpd.protocol.events import Event, SyncGroupState
from vrrpd.runtime.notify import STATE_HOOK


class Member(Protocol):
    """What the coordinator needs of an instance (vrrpd.instance.InstanceRunner has it)."""

    @property
    def name(self) -> str: ...

    def feed(self, event: Event) -> None: ...


@dataclass
class HookCounters:
    hooks_run: int = 0
    hooks_failed: int = 0
    hooks_timed_out: int = 0
    hooks_dropped: int = 0


@dataclass
class SyncGroup:
    """One group's state and members (the attached ones: an instance that failed to start is
    configured but not a member)."""

    cfg: Any  # vrrpd.config.model.SyncGroupConfig
    state: State = State.INIT
    members: dict[str, Member] = field(default_factory=dict)
    faulted: dict[str, str] = field(default_factory=dict)  # member -> its own fault's reason
    forcing: bool = False
    since: float | None = None
    transitions: int = 0
    last_reason: str | None = None
    counters: HookCounters = field(default_factory=HookCounters)
    hooks: Any = None  # HookRunner, made on first use (it needs the running loop)


class SyncGroups:
    """Every sync group of the config; the daemon reports member events here."""

    def __init__(
        self,
        groups: Iterable[Any] = (),
        *,
        make_hooks: Callable[[str, HookCounters], Any] = HookRunner,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._make_hooks = make_hooks
        self._clock = clock
        self._log = log.get()
        self._groups: dict[str, SyncGroup] = {}
        self.reconfigure(groups)

    # -- membership ---------------------------------------------------------------------------

    def group_of(self, instance: str) -> SyncGroup | None:
        return next((g for g in self._groups.values() if instance in g.cfg.instances), None)

    def moved(self, groups: Iterable[Any]) -> set[str]:
        """Instances whose group (its name or its members) differs in `groups`: the daemon
        restarts them, so no hold or group fault of the old group outlives it."""
        old = {m: (g.cfg.name, g.cfg.instances) for g in self._groups.values()
               for m in g.cfg.instances}  # fmt: skip
        new = {m: (g.name, g.instances) for g in groups for m in g.instances}
        return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}

    def reconfigure(self, groups: Iterable[Any]) -> None:
        """Take the groups of a (re)loaded config. A group with the same name and members keeps
        its state and members (its hooks may change); any other starts empty, in INIT."""
        kept: dict[str, SyncGroup] = {}
        for cfg in groups:
            group = self._groups.get(cfg.name)
            if group is not None and group.cfg.instances == cfg.instances:
                group.cfg = cfg
            else:
                group = SyncGroup(cfg)
            kept[cfg.name] = group
        self._groups = kept

    def attach(self, member: Member) -> None:
        """A member instance is running (before its Startup): a FAULT group pulls it in."""
        group = self.group_of(member.name)
        if group is None:
            return
        group.members[member.name] = member
        if group.state is State.FAULT:
            why = self._why(group, f"the group is FAULT: {group.last_reason}")
            self._pull(group, [member], State.FAULT, why)

    def detach(self, member: Member) -> None:
        """A member instance stops; its own fault no longer counts."""
        group = self.group_of(member.name)
        if group is None or group.members.get(member.name) is not member:
            return
        del group.members[member.name]
        if group.faulted.pop(member.name, None) is not None:
            self._maybe_clear_fault(group, f"{member.name} left the group")

    # -- events from members ----------------------------------------------------------------

    def member_transition(self, member: Member, change: StateChanged) -> None:
        """A member's own transition (the daemon's on_transition callback)."""
        group = self.group_of(member.name)
        if group is None or group.forcing or group.members.get(member.name) is not member:
            return
        others = [m for m in group.members.values() if m is not member]
        reason = f"{member.name} is {change.new.value} ({change.reason})"
        if change.new is State.MASTER:
            self._set(group, State.MASTER, reason)
            self._pull(group, others, State.MASTER, self._why(group, reason))
        elif change.new is State.BACKUP and change.old is State.MASTER:
            self._set(group, State.BACKUP, reason)
            self._pull(group, others, State.BACKUP, self._why(group, reason))
        elif change.new is State.BACKUP and group.state is State.INIT:
            self._set(group, State.BACKUP, reason)

    def fault_changed(self, instance: str, reason: str | None) -> None:
        """A member's own FAULT condition began (`reason`) or ended (None)."""
        group = self.group_of(instance)
        if group is None or instance not in group.members:
            return
        if reason is None:
            if group.faulted.pop(instance, None) is not None:
                self._maybe_clear_fault(group, f"{instance}: fault cleared")
            return
        group.faulted[instance] = reason
        if group.state is not State.FAULT:
            why = f"{instance} is FAULT ({reason})"
            self._set(group, State.FAULT, why)
            self._pull(group, list(group.members.values()), State.FAULT, self._why(group, why))

    def _maybe_clear_fault(self, group: SyncGroup, reason: str) -> None:
        if group.faulted or group.state is not State.FAULT:
            return
        self._set(group, State.BACKUP, reason)
        self._pull(group, list(group.members.values()), State.BACKUP, self._why(group, reason))

    # -- pulling and the group's own transitions --------------------------------------------

    @staticmethod
    def _why(group: SyncGroup, reason: str) -> str:
        return f"sync group {group.cfg.name}: {reason}"

    def _pull(self, group: SyncGroup, members: list[Member], state: State, reason: str) -> None:
        group.forcing = True
        try:
            for member in members:
                member.feed(SyncGroupState(state, reason))
        finally:
            group.forcing = False

    def _set(self, group: SyncGroup, new: State, reason: str) -> None:
        old = group.state
        if new is old:
            return
        group.state = new
        group.since = self._clock()
        group.transitions += 1
        group.last_reason = reason
        self._log.info(
            "sync group transition",
            sync_group=group.cfg.name,
            old=old.value,
            new=new.value,
            reason=reason,
        )
        job = group_job(group.cfg, new=new.value, old=old.value, reason=reason)
        if job.commands:
            if group.hooks is None:
                group.hooks = self._make_hooks(f"sync-group-{group.cfg.name}", group.counters)
            group.hooks.submit(job)

    # -- status and stop --------------------------------------------------------------------

    def status(self) -> list[dict[str, Any]]:
        return [
            {
                "name": group.cfg.name,
                "state": group.state.value,
                "members": list(group.cfg.instances),
                "since": group.since,
                "transitions": group.transitions,
                "last_reason": group.last_reason,
                "faulted": dict(group.faulted),
                "counters": vars(group.counters).copy(),
            }
            for group in self._groups.values()
        ]

    async def close(self, grace: float = 0.0) -> None:
        for group in self._groups.values():
            if group.hooks is not None:
                await group.hooks.close(grace)


def group_job(cfg: Any, *, new: str, old: str, reason: str) -> HookJob:
    """The hooks of group `cfg` entering state `new` (empty when none are configured)."""
    commands = []
    path = f"sync_groups.{cfg.name}"
    state_key = STATE_HOOK.get(new)
    kept = getattr(cfg, "notify_convention", None) == "keepalived"  # vrrpd.notify
    if state_key is not None and getattr(cfg, state_key):
        commands.append(HookCommand(getattr(cfg, state_key), cfg.notify_timeout,
                                    f"{path}.{state_key}", with_args=not kept))  # fmt: skip
    if cfg.notify and not kept:
        commands.append(HookCommand(cfg.notify, cfg.notify_timeout, f"{path}.notify"))
    elif cfg.notify and state_key is not None:  # keepalived: GROUP NAME STATE 0
        commands.append(HookCommand((*cfg.notify, "GROUP", cfg.name, new, "0"),
                                    cfg.notify_timeout, f"{path}.notify", with_args=False))
    return HookJob(
        commands=tuple(commands),
        args=(cfg.name, new, old),
        env={
            "VRRPD_GROUP": cfg.name,
            "VRRPD_STATE": new,
            "VRRPD_OLD_STATE": old,
            "VRRPD_REASON": reason,
        },
    )
