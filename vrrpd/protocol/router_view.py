"""The state a Router keeps, and the read-only view of it that status and the driver use.

Split from router.py so the state machine there reads as transitions only.
"""

from __future__ import annotations

from collections.abc import Mapping

from vrrpd.protocol.actions import State
from vrrpd.protocol.events import Timer
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router_holds import Holds
from vrrpd.protocol.router_params import IPAddress, RouterParams
from vrrpd.protocol.router_timers import TimerBook
from vrrpd.protocol.timing import seconds_to_wire_interval


class RouterView:
    """A Router's fields; only the Router (its subclass) changes them."""

    def __init__(self, params: RouterParams) -> None:
        self._params = params
        self._priority = params.priority
        self._state = State.INIT
        self._master_ip: IPAddress | None = None
        self._master_priority: int | None = None  # of the master a backup follows
        self._master_adver_int = params.advert_int
        self._timers = TimerBook()
        self._since: float | None = None
        self._transitions = 0
        self._last_reason: str | None = None
        self._last_heal: float | None = None
        self._holds = Holds()

    @property
    def params(self) -> RouterParams:
        return self._params

    @property
    def state(self) -> State:
        return self._state

    @property
    def priority(self) -> int:
        """Effective priority (base priority after tracking)."""
        return self._priority

    @property
    def base_priority(self) -> int:
        return self._params.priority

    @property
    def master_ip(self) -> IPAddress | None:
        """Who is master: ours when MASTER, the followed master when BACKUP, else None."""
        return self._master_ip

    @property
    def master_priority(self) -> int | None:
        """Priority of the master a BACKUP follows (its last advert); None otherwise."""
        return self._master_priority

    @property
    def master_adver_int(self) -> float:
        """Master_Adver_Interval in seconds: learnt from the master's adverts in v3."""
        return self._master_adver_int

    @property
    def since(self) -> float | None:
        """`now` of the last transition; None before the first."""
        return self._since

    @property
    def transitions(self) -> int:
        return self._transitions

    @property
    def last_reason(self) -> str | None:
        return self._last_reason

    @property
    def fault_sources(self) -> tuple[str, ...]:
        """What keeps the router in FAULT: "interface" (InterfaceDown), "sync group"."""
        holds = self._holds
        return (("interface",) if holds.interface_fault else ()) + (
            ("sync group",) if holds.group_fault else ()
        )

    @property
    def sync_group_hold(self) -> bool:
        """True while the sync group keeps this backup from taking over on its own."""
        return self._holds.group_backup

    @property
    def startup_hold_until(self) -> float | None:
        """End of the start-up hold (`now` of the first Startup + startup_delay)."""
        return self._holds.startup_until

    @property
    def timers(self) -> Mapping[Timer, float]:
        """Deadlines of the timers currently armed (what the driver should be running)."""
        return self._timers.view()

    def advert(self, priority: int) -> Advert:
        """The advertisement this router sends with `priority` (the driver encodes it)."""
        if not 0 <= priority <= 255:
            raise ValueError(f"advert priority must be 0..255, not {priority!r}")
        params = self._params
        return Advert(
            version=params.version,
            vrid=params.vrid,
            priority=priority,
            interval=seconds_to_wire_interval(params.advert_int, params.version),
            addresses=params.addresses,
        )
