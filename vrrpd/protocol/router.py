"""The RFC 5798 §6.4 state machine for one virtual router, sans-I/O.

`Router.handle(event, now)` returns the actions the driver must run, in list order. The rules
beyond the RFC text, and why:

Action order. A transition's `StateChanged` comes first, so status and logs are current before
anything visible happens (the driver queues hooks/notifications; they never delay the rest).
Then wire and address work, then timers (cancels before arms):
  * becoming MASTER: SendAdvert, AddVips, SendGarp, SetTimer(ADVER). The advert goes first so
    the old master backs off (and drops the VIPs) as early as possible.
  * leaving MASTER (to BACKUP): RemoveVips, SetTimer(ADVER, None), SetTimer(MASTER_DOWN).
  * leaving MASTER (Shutdown, fault): SendAdvert(0), RemoveVips, SetTimer(ADVER, None), so the
    backups take over after Skew_Time instead of Master_Down_Interval.

Timers. The Router keeps the deadline of every timer it asked for. A cancel (deadline None) is
only emitted for a timer that is armed. `TimerFired` for a timer that is not armed is ignored
(a stale firing after a cancel); one that arrives before its deadline (beyond a 1 ms tolerance)
changes nothing and re-requests the same deadline, in case the driver lost its handle.

Preempting. RFC 5798 §6.4.2 has a backup with preempt on discard a lower-priority advert and
take over when Master_Down_Timer expires (3 intervals + Skew_Time later); keepalived does exactly
that. We take over sooner, after Skew_Time (plus preempt_delay): on the first lower advert the
backup follows that master (so Master_Down_Timer cannot cut the wait short) and arms PREEMPT
once, at now + preempt_delay + Skew_Time(our priority, the master's interval); when it fires it
takes over if the master it follows is still below us. Why Skew_Time and not at once: with
three routers, a master demoted below two backups would make both take over at the same moment
(three masters for one latency, clients moved twice). Every backup hears the same lower advert
at the same time and Skew_Time falls with priority, so the best backup fires first; its advert
(equal or higher) cancels the others' PREEMPT before they fire. That is the RFC's own ordering
(its Master_Down deadlines differ by the same Skew difference), only 3 intervals sooner. It
costs at most one interval × (256 − priority)/256 before a preempt-back starts, and nothing in
client outage: the lower master serves until the new master's advert. Equal priorities race as
they do in the RFC; the higher primary address then stays (§6.4.3). A split brain is the
exception: a backup that follows another master at least as good as itself discards the lower
advert (as the RFC says) and leaves the better master to heal it. An equal-or-higher advert
cancels a pending PREEMPT.

The address owner (effective priority 255) always preempts, whatever `preempt` says (RFC 5798
§6.1 "the owner ... always preempts"; keepalived also clears nopreempt for priority 255): an owner
that is a backup (start-up hold, sync-group hold, tracking that lowered and raised it again)
takes over from a lower master like any preempting backup.

Heal. A master that hears an advert it outranks (lower priority, or equal priority from a lower
address: someone else believes it is master) answers at once with SendAdvert, SendGarp("heal"),
at most once per advert interval, so a split brain ends within one hop and clients come back.

Faults and drops. InterfaceDown works from any state but FAULT (from INIT too, so a link down at
start shows as FAULT); in FAULT, Startup waits for InterfaceUp, which starts afresh. Adverts in
INIT/FAULT, and adverts the Router cannot act on (router_checks), return [AdvertDropped(reason)]
for the driver's per-reason counters, with a detail to log when the drop shows a
misconfiguration (other addresses, our own address, a v2 interval that differs); an outranked
advert on a master is not a drop (it is answered). A v3 backup follows a master whose interval
changed (RFC 5798 §6.4.2) and says so with AdvertNoted.
A sync group's FAULT is a second fault source: FAULT ends when both have cleared
(router_holds).

Sync groups (SyncGroupState) and the start-up hold (`startup_delay`): see router_holds. A
group's MASTER makes a backup master as a Master_Down_Timer expiry would; its BACKUP makes a
master leave as on hearing a higher priority (following no one yet) and holds the member; its
FAULT acts as InterfaceDown. The address owner waits out the start-up hold as a backup.

Everything else follows RFC 5798 §6.4 (v2 timing per RFC 3768): an equal-priority advert is
accepted by a backup whatever its source, the primary-address tie-break only settles two
masters, priority 0 makes a backup wait only Skew_Time and a master answer at once.
"""

from __future__ import annotations

from vrrpd.protocol.actions import (
    Action,
    AddVips,
    AdvertNoted,
    NoteReason,
    RemoveVips,
    SendAdvert,
    SendGarp,
    SetTimer,
    State,
    StateChanged,
)
from vrrpd.protocol.events import (
    AdvertReceived,
    Event,
    InterfaceDown,
    InterfaceUp,
    PriorityChanged,
    Shutdown,
    Startup,
    SyncGroupState,
    Timer,
    TimerFired,
)
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router_checks import drop_reason
from vrrpd.protocol.router_params import IPAddress, RouterParams
from vrrpd.protocol.router_timers import TIMER_TOLERANCE
from vrrpd.protocol.router_view import RouterView
from vrrpd.protocol.timing import master_down_interval, skew_time, wire_interval_to_seconds

__all__ = ["OWNER_PRIORITY", "TIMER_TOLERANCE", "Router", "RouterParams"]

OWNER_PRIORITY = 255


class Router(RouterView):
    """One virtual router's protocol state; feed it events, run what it returns."""

    def reconfigure(self, params: RouterParams, now: float) -> list[Action]:
        """Apply changed settings at runtime, never with a transition.

        `vrid` and `version` name the instance on the wire and cannot change (ValueError): the
        driver replaces the Router instead (Shutdown the old one, Startup a new one). A changed
        base priority becomes the effective priority; the driver re-applies tracking with
        PriorityChanged. Turning preempt off cancels a pending PREEMPT.

        A MASTER advertises what changed in its advert (priority, interval, addresses) at once
        and restarts Adver_Timer. A changed address list also yields AddVips and SendGarp, in the
        becoming-master order: the driver treats AddVips as "make the interface hold exactly the
        configured VIPs" (dropping the ones it added that are no longer configured) and announces
        the new set. RemoveVips is never returned here: it would cut traffic to VIPs that stay.
        A v2 backup's Master_Adver_Interval is its own interval, so it follows a new advert_int;
        a v3 backup keeps the one it learnt from the master.
        """
        old = self._params
        if (params.vrid, params.version) != (old.vrid, old.version):
            raise ValueError(
                f"{old.name}: vrid and version cannot change at runtime; replace the Router"
            )
        self._params = params
        if params.priority != old.priority:
            self._priority = params.priority
        actions: list[Action] = [] if self._preempts() else [*self._timers.cancel(Timer.PREEMPT)]
        if self._state is not State.MASTER:
            if params.version == 2:
                self._master_adver_int = params.advert_int
            return actions
        self._master_ip = params.primary_ip
        self._master_adver_int = params.advert_int
        advertised = (params.priority, params.advert_int, params.addresses)
        if advertised == (old.priority, old.advert_int, old.addresses):
            return actions
        actions.append(SendAdvert(self._priority))
        if params.addresses != old.addresses:
            actions += [AddVips(), SendGarp(reason="became-master")]
        actions.append(self._timers.arm(Timer.ADVER, now + params.advert_int))
        return actions

    # -- events ------------------------------------------------------------------------------

    def handle(self, event: Event, now: float) -> list[Action]:
        """Apply one event at time `now` (seconds, monotonic); return the actions, in order."""
        match event:
            case AdvertReceived(src=src, advert=advert):
                return self._on_advert(src, advert, now)
            case TimerFired(timer=timer):
                return self._on_timer(timer, now)
            case Startup():
                if self._holds.startup_until is None:
                    self._holds.startup_until = now + self._params.startup_delay
                return self._start("startup", now) if self._state is State.INIT else []
            case InterfaceUp():
                self._holds.interface_fault = False
                return self._leave_fault("fault cleared", now)
            case Shutdown():
                return self._stop(State.INIT, "shutdown", now)
            case InterfaceDown(reason=reason):
                self._holds.interface_fault = True
                return self._stop(State.FAULT, reason, now)
            case PriorityChanged(priority=priority):
                return self._on_priority(priority, now)
            case SyncGroupState(state=state, reason=reason):
                return self._on_sync_group(State(state), reason, now)
        raise TypeError(f"not a Router event: {event!r}")

    def _start(self, cause: str, now: float) -> list[Action]:
        """RFC 5798 §6.4.1: the owner goes straight to MASTER, everyone else waits as BACKUP."""
        self._master_adver_int = self._params.advert_int
        if self._priority == OWNER_PRIORITY and self._holds.may_take_over(now):
            return self._become_master(f"{cause}: address owner (priority 255)", now)
        actions: list[Action] = [self._transition(State.BACKUP, cause, now)]
        actions.append(self._arm_master_down(now + self._master_down_interval()))
        return actions

    def _leave_fault(self, cause: str, now: float) -> list[Action]:
        """Start afresh once no fault source is left."""
        if self._state is not State.FAULT or self._holds.faulted:
            return []
        return self._start(cause, now)

    def _stop(self, new: State, reason: str, now: float) -> list[Action]:
        """Shutdown (to INIT) or fault (to FAULT): a master resigns with priority 0 first."""
        self._holds.group_backup = False
        if self._state is new:
            return []
        was_master = self._state is State.MASTER
        actions: list[Action] = [self._transition(new, reason, now)]
        if was_master:
            actions += [SendAdvert(0), RemoveVips()]
        actions += self._timers.cancel_all()
        self._master_ip = None
        self._master_priority = None
        return actions

    def _on_priority(self, priority: int, now: float) -> list[Action]:
        """Tracking moved our effective priority; a master tells the backups at once."""
        if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 255:
            raise ValueError(f"effective priority must be 1..255, not {priority!r}")
        if priority == OWNER_PRIORITY and self.base_priority != OWNER_PRIORITY:
            raise ValueError("only an address owner (base priority 255) may run at priority 255")
        if priority == self._priority:
            return []
        self._priority = priority
        if self._state is not State.MASTER:
            return []  # a backup that now outranks the master preempts on its next advert
        return [SendAdvert(priority), self._timers.arm(Timer.ADVER, now + self._params.advert_int)]

    # -- adverts -----------------------------------------------------------------------------

    def _on_advert(self, src: IPAddress, advert: Advert, now: float) -> list[Action]:
        dropped = drop_reason(self._params, self._state, src, advert)
        if dropped is not None:
            return [dropped]
        if self._state is State.MASTER:
            return self._master_hears(src, advert, now)
        return self._backup_hears(src, advert, now)

    def _preempts(self) -> bool:
        """Preempt_Mode, which the address owner has whatever the config says (§6.1)."""
        return self._params.preempt or self._priority == OWNER_PRIORITY

    def _backup_hears(self, src: IPAddress, advert: Advert, now: float) -> list[Action]:
        """RFC 5798 §6.4.2, with preempting after Skew_Time (module docstring)."""
        if advert.priority == 0:
            self._master_ip = None
            self._master_priority = None
            skew = skew_time(self._priority, self._master_adver_int, self._params.version)
            return [self._arm_master_down(now + skew)]
        if (
            not self._preempts()
            or advert.priority >= self._priority
            or not self._holds.may_take_over(now)
        ):
            # an equal or better master, or we may not take over: a pending preempt is void
            return [*self._timers.cancel(Timer.PREEMPT), *self._follow(src, advert, now)]
        if self._follows_a_better_master_than(src):
            return []  # RFC discard: our master outranks the sender and will make it back off
        actions = self._follow(src, advert, now)
        if Timer.PREEMPT not in self._timers:
            skew = skew_time(self._priority, self._master_adver_int, self._params.version)
            deadline = now + self._params.preempt_delay + skew
            actions.append(self._timers.arm(Timer.PREEMPT, deadline))
        return actions

    def _master_hears(self, src: IPAddress, advert: Advert, now: float) -> list[Action]:
        """RFC 5798 §6.4.3, plus a rate-limited heal when another (lower) master is about."""
        if advert.priority == 0:
            return [
                SendAdvert(self._priority),
                self._timers.arm(Timer.ADVER, now + self._params.advert_int),
            ]
        if advert.priority > self._priority:
            return self._become_backup(
                src, advert, f"higher priority {advert.priority} from {src}", now
            )
        if advert.priority == self._priority and int(src) > int(self._params.primary_ip):
            reason = f"equal priority {advert.priority} from higher address {src}"
            return self._become_backup(src, advert, reason, now)
        # We outrank the sender, who thinks it is master: answer now so it backs off, and GARP so
        # clients it may have pulled over come back. At most once per advert interval.
        if (
            self._last_heal is not None
            and now < self._last_heal + self._params.advert_int - TIMER_TOLERANCE
        ):
            return []
        self._last_heal = now
        return [SendAdvert(self._priority), SendGarp(reason="heal")]

    def _follows_a_better_master_than(self, src: IPAddress) -> bool:
        """True when we follow another master whose priority is at least ours (a split brain:
        a lower router also claims mastership; preempting it would only add a third master)."""
        followed = self._master_priority
        return src != self._master_ip and followed is not None and followed >= self._priority

    def _follow(self, src: IPAddress, advert: Advert, now: float) -> list[Action]:
        """Accept `src` as master: learn its interval (v3, noted when it changes) and restart
        Master_Down_Timer."""
        actions: list[Action] = []
        if self._params.version == 3:
            interval = wire_interval_to_seconds(advert.interval, 3)
            if interval != self._master_adver_int:
                actions.append(self._interval_changed(src, interval))
            self._master_adver_int = interval
        self._master_ip = src
        self._master_priority = advert.priority
        actions.append(self._arm_master_down(now + self._master_down_interval()))
        return actions

    def _interval_changed(self, src: IPAddress, interval: float) -> AdvertNoted:
        return AdvertNoted(
            NoteReason.INTERVAL_CHANGED,
            f"master {src} advertises every {interval:g} s (was {self._master_adver_int:g} s, "
            f"our advert_int is {self._params.advert_int:g} s); following it",
        )

    def _arm_master_down(self, deadline: float) -> SetTimer:
        return self._timers.arm(Timer.MASTER_DOWN, self._holds.master_down_at(deadline))

    # -- timers ------------------------------------------------------------------------------

    def _on_timer(self, timer: Timer, now: float) -> list[Action]:
        due = self._timers.deadline(timer)
        not_due = self._timers.not_due(timer, now)
        if not_due is not None:
            return [*not_due]  # stale, duplicate or early: see module docstring
        if timer is Timer.ADVER:
            return [SendAdvert(self._priority), self._next_advert(due, now)]
        if timer is Timer.MASTER_DOWN:
            if not self._holds.may_take_over(now):  # the sync group holds us: keep waiting
                return [self._arm_master_down(now + self._master_down_interval())]
            return self._become_master("master down timer", now)
        return self._preempt_after_delay(now)

    def _next_advert(self, due: float | None, now: float) -> SetTimer:
        """A fixed cadence: the next advert is due one interval after this one was due, not
        after it went out, so a late wake-up does not push every later advert back. One
        more than a whole interval late starts a new cadence from now (never a burst)."""
        interval = self._params.advert_int
        following = (due if due is not None else now) + interval
        if following <= now:
            following = now + interval
        return self._timers.arm(Timer.ADVER, following)

    def _preempt_after_delay(self, now: float) -> list[Action]:
        followed = self._master_priority
        if followed is None or followed >= self._priority or not self._holds.may_take_over(now):
            return []  # the lower master left or was outranked meanwhile: nothing to preempt
        lower = f"lower priority {followed} from {self._master_ip}"
        delay = self._params.preempt_delay
        reason = f"preempt after {delay:g} s delay: {lower}" if delay > 0 else f"preempt: {lower}"
        return self._become_master(reason, now)

    # -- sync groups -------------------------------------------------------------------------

    def _on_sync_group(self, state: State, reason: str, now: float) -> list[Action]:
        """The group's state, pulled onto this member (module docstring)."""
        holds = self._holds
        if state is State.FAULT:
            holds.group_fault = True
            return self._stop(State.FAULT, reason, now)
        if state is State.INIT:
            raise ValueError("a sync group is MASTER, BACKUP or FAULT, not INIT")
        holds.group_fault = False
        if self._state is State.FAULT:
            if holds.interface_fault:
                return []
            if state is State.MASTER and holds.may_take_over(now):
                return self._become_master(reason, now)
            return self._start(reason, now)
        if self._state is State.INIT:
            return []
        if state is State.MASTER:
            holds.group_backup = False
            if self._state is State.MASTER or not holds.may_take_over(now):
                return []
            return self._become_master(reason, now)
        holds.group_backup = True
        if self._state is State.BACKUP:
            return self._timers.cancel(Timer.PREEMPT)
        actions: list[Action] = [self._transition(State.BACKUP, reason, now), RemoveVips()]
        actions += self._timers.cancel_all()
        self._master_ip = None
        self._master_priority = None
        actions.append(self._arm_master_down(now + self._master_down_interval()))
        return actions

    # -- transitions -------------------------------------------------------------------------

    def _become_master(self, reason: str, now: float) -> list[Action]:
        actions: list[Action] = [self._transition(State.MASTER, reason, now)]
        self._master_ip = self._params.primary_ip
        self._master_priority = None
        self._master_adver_int = self._params.advert_int
        self._last_heal = None
        actions += [SendAdvert(self._priority), AddVips(), SendGarp(reason="became-master")]
        actions += self._timers.cancel_all()
        actions.append(self._timers.arm(Timer.ADVER, now + self._params.advert_int))
        return actions

    def _become_backup(
        self, src: IPAddress, advert: Advert, reason: str, now: float
    ) -> list[Action]:
        actions: list[Action] = [self._transition(State.BACKUP, reason, now), RemoveVips()]
        actions += self._timers.cancel_all()
        actions += self._follow(src, advert, now)
        return actions

    def _transition(self, new: State, reason: str, now: float) -> StateChanged:
        old = self._state
        self._state = new
        self._since = now
        self._transitions += 1
        self._last_reason = reason
        return StateChanged(old, new, reason)

    def _master_down_interval(self) -> float:
        return master_down_interval(self._priority, self._master_adver_int, self._params.version)
