"""Why a Router may not run (faults) or may not take over (holds), kept apart from its timers.

Two fault sources keep a Router in FAULT, and it leaves FAULT only when both have cleared:
its own (InterfaceDown: its link, or a tracked object, as the driver combines them) and its sync
group's (SyncGroupState(FAULT): another member failed). Two holds keep a BACKUP from taking
over on its own, neither on Master_Down_Timer nor by preempting:

* the start-up hold, `startup_delay` seconds from the first Startup: a node that just booted
  listens before it claims anything (Master_Down_Timer is armed no earlier than its end);
* the sync-group hold, from SyncGroupState(BACKUP) until the group goes MASTER or the Router
  faults: another member follows a better master, so this one must not pull the group to
  MASTER (keepalived's "prefer backup to avoid thrashing"). The member that gave up
  mastership itself is never held, so a group always keeps one member that may take over.
"""

from __future__ import annotations

from dataclasses import dataclass

from vrrpd.protocol.router_timers import TIMER_TOLERANCE


@dataclass(slots=True)
class Holds:
    interface_fault: bool = False  # InterfaceDown seen, InterfaceUp not yet
    group_fault: bool = False  # SyncGroupState(FAULT) seen, the group not yet out of FAULT
    group_backup: bool = False  # SyncGroupState(BACKUP): follow, never take over on our own
    startup_until: float | None = None  # end of the start-up hold; None before the first Startup

    @property
    def faulted(self) -> bool:
        return self.interface_fault or self.group_fault

    def in_startup(self, now: float) -> bool:
        return self.startup_until is not None and now < self.startup_until - TIMER_TOLERANCE

    def may_take_over(self, now: float) -> bool:
        """True when a BACKUP may become master by itself (timer expiry or preempt)."""
        return not self.group_backup and not self.in_startup(now)

    def master_down_at(self, deadline: float) -> float:
        """Master_Down_Timer's deadline, pushed to the end of the start-up hold."""
        if self.startup_until is None:
            return deadline
        return max(deadline, self.startup_until)
