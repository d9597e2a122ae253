"""What a sync group (keepalived's vrrp_sync_group) decides: one state for its members, and
which member must be fed which SyncGroupState. Pure: the runtime driver
(vrrpd.runtime.sync_groups) reports member events in, feeds the returned orders to the
members once the reporting member's batch has run, and runs the group's hooks.

* A member's own fault (its link or a tracked object) puts the group in FAULT: every member
  is ordered FAULT, the failed one too, so it stays FAULT until the whole group may leave.
  When no member has a fault of its own any more, every member is ordered BACKUP.
* A member that becomes MASTER by itself makes the group MASTER and orders the others MASTER.
* A member that leaves MASTER by itself (it heard a better master) makes the group BACKUP
  and orders the others BACKUP, where they are held (they follow, but do not take over on
  their own) so two nodes cannot keep taking the group from each other.
A transition the group ordered is never taken for a member's own move: an order stays open
from the decision until the driver reports it fed (`fed`), and the member's transitions
in between are its echo.
"""

from __future__ import annotations

from dataclasses import dataclass

from vrrpd.protocol.actions import StateChanged
from vrrpd.protocol.events import SyncGroupState
from vrrpd.protocol.vocabulary import State


@dataclass(frozen=True, slots=True)
class Order:
    """Feed `event` to member `member`."""

    member: str
    event: SyncGroupState


@dataclass(frozen=True, slots=True)
class GroupChanged:
    """The group moved from `old` to `new` (the driver logs it and runs the group's hooks)."""

    old: State
    new: State
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    changed: GroupChanged | None = None
    orders: tuple[Order, ...] = ()


class SyncGroupLogic:
    """One group's state and its attached members (names; an instance that failed to start
    is configured but not a member)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.state = State.INIT
        self.members: list[str] = []
        self.faulted: dict[str, str] = {}  # member -> its own fault's reason
        self.since: float | None = None
        self.transitions = 0
        self.last_reason: str | None = None
        self._open: set[str] = set()  # members ordered and not yet reported fed

    # -- membership --------------------------------------------------------------------------

    def attach(self, member: str) -> Decision:
        """A member instance is running (before its Startup): a FAULT group pulls it in."""
        self.members.append(member)
        if self.state is State.FAULT:
            return self._order([member], State.FAULT, f"the group is FAULT: {self.last_reason}")
        return Decision()

    def detach(self, member: str, now: float) -> Decision:
        """A member instance stops; its own fault no longer counts."""
        self.members.remove(member)
        self._open.discard(member)
        if self.faulted.pop(member, None) is not None:
            return self._maybe_clear_fault(f"{member} left the group", now)
        return Decision()

    def fed(self, member: str) -> None:
        """The driver has fed `member` its order: its later transitions are its own."""
        self._open.discard(member)

    # -- events from members -----------------------------------------------------------------

    def member_transition(self, member: str, change: StateChanged, now: float) -> Decision:
        if member in self._open:
            return Decision()  # the echo of our own order
        others = [m for m in self.members if m != member]
        reason = f"{member} is {change.new.value} ({change.reason})"
        if change.new is State.MASTER:
            return self._set_and_order(State.MASTER, others, reason, now)
        if change.new is State.BACKUP and change.old is State.MASTER:
            return self._set_and_order(State.BACKUP, others, reason, now)
        if change.new is State.BACKUP and self.state is State.INIT:
            return Decision(self._set(State.BACKUP, reason, now))
        return Decision()

    def fault_changed(self, member: str, reason: str | None, now: float) -> Decision:
        """A member's own FAULT condition began (`reason`) or ended (None)."""
        if reason is None:
            if self.faulted.pop(member, None) is not None:
                return self._maybe_clear_fault(f"{member}: fault cleared", now)
            return Decision()
        self.faulted[member] = reason
        if self.state is State.FAULT:
            return Decision()
        why = f"{member} is FAULT ({reason})"
        return self._set_and_order(State.FAULT, list(self.members), why, now)

    def _maybe_clear_fault(self, reason: str, now: float) -> Decision:
        if self.faulted or self.state is not State.FAULT:
            return Decision()
        return self._set_and_order(State.BACKUP, list(self.members), reason, now)

    # -- the group's own transitions and orders -----------------------------------------------

    def _set_and_order(self, new: State, members: list[str], reason: str, now: float) -> Decision:
        changed = self._set(new, reason, now)
        return Decision(changed, self._order(members, new, reason).orders)

    def _order(self, members: list[str], state: State, reason: str) -> Decision:
        event = SyncGroupState(state, f"sync group {self.name}: {reason}")
        self._open.update(members)
        return Decision(orders=tuple(Order(member, event) for member in members))

    def _set(self, new: State, reason: str, now: float) -> GroupChanged | None:
        old = self.state
        if new is old:
            return None
        self.state = new
        self.since = now
        self.transitions += 1
        self.last_reason = reason
        return GroupChanged(old, new, reason)
