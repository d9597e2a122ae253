"""Sync groups at run time (keepalived's vrrp_sync_group): member instances that are MASTER,
BACKUP or FAULT together. The Routers do the protocol work (SyncGroupState,
vrrpd.protocol.router_holds); the pure SyncGroupLogic (vrrpd.protocol.sync_group) decides what
the group is and which member must be fed what; this driver feeds those orders, logs the
group's transitions and runs its hooks.

Members report their transitions here after the batch of actions that held them has run
(InstanceRunner.apply calls its transition observer last), so the orders are fed to the
other members after the reporting member's apply() is done, never in the middle of it.

The group's notify hooks run once per group transition (not per member), in order, on the
group's own HookRunner: the state hook (`notify_master`, `notify_backup`, `notify_fault`), then
`notify`, each with `GROUP NEW_STATE OLD_STATE` appended and VRRPD_GROUP, VRRPD_STATE,
VRRPD_OLD_STATE, VRRPD_REASON in the environment. They start at once; they do not wait for the
members' VIP work. A clean stop runs each started group's `notify_stop` (and `notify` with
STOP) once, after its members have stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from vrrpd import log
from vrrpd.config.model import SyncGroupConfig
from vrrpd.io.hooks import HookCommand, HookJob, HookRunner
from vrrpd.io.notify_fifo import fifo_line
from vrrpd.protocol.actions import StateChanged
from vrrpd.protocol.events import Event
from vrrpd.protocol.sync_group import Decision, SyncGroupLogic
from vrrpd.runtime.notify import STATE_HOOK

FIFO_STATES = frozenset({"MASTER", "BACKUP", "FAULT", "STOP"})  # what keepalived writes
STOP = "STOP"  # the pseudo-state of a clean stop, as keepalived names it


class Member(Protocol):
    """What the driver needs of an instance (vrrpd.runtime.instance.InstanceRunner has it)."""

    @property
    def name(self) -> str: ...

    def feed(self, event: Event) -> None: ...


class Hooks(Protocol):
    """A group's hook runner (vrrpd.io.hooks.HookRunner)."""

    def submit(self, job: HookJob) -> None: ...

    async def close(self, grace: float = ...) -> None: ...


@dataclass
class HookCounters:
    hooks_run: int = 0
    hooks_failed: int = 0
    hooks_timed_out: int = 0
    hooks_dropped: int = 0


@dataclass
class SyncGroup:
    """One group: its config, decisions, attached member instances and hooks."""

    cfg: SyncGroupConfig
    logic: SyncGroupLogic
    members: dict[str, Member] = field(default_factory=dict)
    counters: HookCounters = field(default_factory=HookCounters)
    hooks: Hooks | None = None  # made on first use (a HookRunner needs the running loop)


class SyncGroups:
    """Every sync group of the config; the daemon reports member events here."""

    def __init__(
        self,
        groups: Iterable[SyncGroupConfig] = (),
        *,
        make_hooks: Callable[[str, HookCounters], Hooks] = HookRunner,
        clock: Callable[[], float] = time.time,
        fifo: str | None = None,
    ) -> None:
        self.fifo = fifo  # the global notify_fifo: keepalived's GROUP lines go there too
        self._make_hooks = make_hooks
        self._clock = clock
        self._log = log.get()
        self._groups: dict[str, SyncGroup] = {}
        self.reconfigure(groups, fifo)

    # -- membership ---------------------------------------------------------------------------

    def group_of(self, instance: str) -> SyncGroup | None:
        return next((g for g in self._groups.values() if instance in g.cfg.instances), None)

    def moved(self, groups: Iterable[SyncGroupConfig]) -> set[str]:
        """Instances whose group (its name or its members) differs in `groups`: the daemon
        restarts them, so no hold or group fault of the old group outlives it."""
        old = {m: (g.cfg.name, g.cfg.instances) for g in self._groups.values()
               for m in g.cfg.instances}  # fmt: skip
        new = {m: (g.name, g.instances) for g in groups for m in g.instances}
        return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}

    def reconfigure(self, groups: Iterable[SyncGroupConfig], fifo: str | None = None) -> None:
        """Take the groups of a (re)loaded config. A group with the same name and members keeps
        its state and members (its hooks may change); any other starts empty, in INIT."""
        self.fifo = fifo
        kept: dict[str, SyncGroup] = {}
        for cfg in groups:
            group = self._groups.get(cfg.name)
            if group is not None and group.cfg.instances == cfg.instances:
                group.cfg = cfg
            else:
                group = SyncGroup(cfg, SyncGroupLogic(cfg.name))
            kept[cfg.name] = group
        self._groups = kept

    def attach(self, member: Member) -> None:
        """A member instance is running (before its Startup): a FAULT group pulls it in."""
        group = self.group_of(member.name)
        if group is None:
            return
        group.members[member.name] = member
        self._carry_out(group, group.logic.attach(member.name))

    def detach(self, member: Member) -> None:
        """A member instance stops; its own fault no longer counts."""
        group = self.group_of(member.name)
        if group is None or group.members.get(member.name) is not member:
            return
        del group.members[member.name]
        self._carry_out(group, group.logic.detach(member.name, self._clock()))

    # -- events from members ----------------------------------------------------------------

    def member_transition(self, member: Member, change: StateChanged) -> None:
        """A member's transition (the daemon's transition observer)."""
        group = self.group_of(member.name)
        if group is None or group.members.get(member.name) is not member:
            return
        self._carry_out(group, group.logic.member_transition(member.name, change, self._clock()))

    def fault_changed(self, instance: str, reason: str | None) -> None:
        """A member's own FAULT condition began (`reason`) or ended (None)."""
        group = self.group_of(instance)
        if group is None or instance not in group.members:
            return
        self._carry_out(group, group.logic.fault_changed(instance, reason, self._clock()))

    # -- carrying out decisions -------------------------------------------------------------

    def _carry_out(self, group: SyncGroup, decision: Decision) -> None:
        """The group's transition (log, hooks) first, then the members' orders."""
        changed = decision.changed
        if changed is not None:
            self._log.info(
                "sync group transition",
                sync_group=group.cfg.name,
                old=changed.old.value,
                new=changed.new.value,
                reason=changed.reason,
            )
            self._submit(group, group_job(group.cfg, new=changed.new.value,
                                          old=changed.old.value, reason=changed.reason,
                                          fifo=self.fifo))  # fmt: skip
        for order in decision.orders:
            member = group.members.get(order.member)
            try:
                if member is not None:
                    member.feed(order.event)
            finally:
                group.logic.fed(order.member)

    def _submit(self, group: SyncGroup, job: HookJob) -> None:
        if not job.empty:
            if group.hooks is None:
                group.hooks = self._make_hooks(f"sync-group-{group.cfg.name}", group.counters)
            group.hooks.submit(job)

    # -- status and stop --------------------------------------------------------------------

    def stopped(self, reason: str = "shutdown") -> None:
        """The daemon stopped its instances cleanly: each group that got a state runs its
        stop hooks once (the members ran theirs); `close` then waits for them."""
        for group in self._groups.values():
            old = group.logic.state.value
            if old != "INIT":
                self._submit(group, group_job(group.cfg, new=STOP, old=old, reason=reason,
                                              fifo=self.fifo))  # fmt: skip

    def status(self) -> list[dict[str, object]]:
        return [
            {
                "name": group.cfg.name,
                "state": group.logic.state.value,
                "members": list(group.cfg.instances),
                "since": group.logic.since,
                "transitions": group.logic.transitions,
                "last_reason": group.logic.last_reason,
                "faulted": dict(group.logic.faulted),
                "counters": vars(group.counters).copy(),
            }
            for group in self._groups.values()
        ]

    async def close(self, grace: float = 0.0) -> None:
        for group in self._groups.values():
            if group.hooks is not None:
                await group.hooks.close(grace)


def group_job(cfg: SyncGroupConfig, *, new: str, old: str, reason: str,
              fifo: str | None = None) -> HookJob:
    """The hooks of group `cfg` entering state `new` (empty when none are configured), and
    keepalived's `GROUP "NAME" STATE 0` line for the notify FIFO when one is configured."""
    commands = []
    path = f"sync_groups.{cfg.name}"
    state_key = "notify_stop" if new == STOP else STATE_HOOK.get(new)
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
        fifo_lines=((fifo, fifo_line("GROUP", cfg.name, new, 0)),)
        if fifo is not None and new in FIFO_STATES else (),
    )
