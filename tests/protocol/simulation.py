"""Several pure Routers on a fake wire, driven by a discrete-event fake clock.

The harness plays the driver: it runs each router's actions (adverts reach every other live
router after `latency`, timers fire at their deadlines, VIPs go up and down) and checks after
every event that the router kept its own promises (VIPs held exactly while MASTER, the timers it
asked for are the ones it believes armed, one StateChanged per transition). Disturbances:
crash (the box vanishes silently), clean stop (Shutdown), restart (a new Router + Startup),
priority changes, interface faults, partitions and a per-link drop filter.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, ip_address

from vrrpd.protocol.actions import (
    Action,
    AddVips,
    AdvertDropped,
    AdvertNoted,
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
    Timer,
    TimerFired,
)
from vrrpd.protocol.packet import Advert
from vrrpd.protocol.router import Router, RouterParams

DropFilter = Callable[[str, str, Advert], bool]
"""(sender, receiver, advert) -> True to lose that copy of the advert."""


class InvariantViolation(AssertionError):
    """A router broke a promise the driver relies on."""


@dataclass
class Node:
    """One box on the wire: its settings, its router while it runs, and what the driver did."""

    params: RouterParams
    router: Router | None = None
    incarnation: int = 0  # bumped on crash/restart so the old box's pending events vanish
    timer_tokens: dict[Timer, int] = field(default_factory=dict)
    vips_up: bool = False
    adverts_sent: int = 0
    garps: list[str] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def alive(self) -> bool:
        return self.router is not None


@dataclass(frozen=True)
class Transition:
    time: float
    name: str
    change: StateChanged


class Simulation:
    """The fake wire and clock. Time only moves inside run_until()/run_for()."""

    def __init__(
        self,
        *,
        latency: float = 0.001,
        stale_timers: bool = False,
        router_factory: Callable[[RouterParams], Router] = Router,
    ) -> None:
        self.now = 0.0
        self.router_factory = router_factory  # a broken Router here shows the checks bite
        self.latency = latency
        self.stale_timers = stale_timers  # also deliver TimerFired for cancelled timers
        self.nodes: dict[str, Node] = {}
        self.transitions: list[Transition] = []
        self.drop: DropFilter | None = None
        self._groups: list[frozenset[str]] | None = None
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._tokens = itertools.count(1)

    # -- set-up and disturbances ------------------------------------------------------------

    def add(self, params: RouterParams) -> Node:
        if params.name in self.nodes:
            raise ValueError(f"duplicate router name {params.name}")
        node = self.nodes[params.name] = Node(params)
        return node

    def start(self, name: str) -> None:
        """Boot a box that is not running (a new Router, then Startup)."""
        node = self.nodes[name]
        if node.alive:
            raise ValueError(f"{name} is already running")
        node.incarnation += 1
        node.timer_tokens.clear()
        node.router = self.router_factory(node.params)
        self._feed(node, Startup())

    def crash(self, name: str) -> None:
        """The box dies silently: no advert, its VIPs vanish with it."""
        node = self.nodes[name]
        node.router = None
        node.incarnation += 1
        node.timer_tokens.clear()
        node.vips_up = False

    def stop(self, name: str) -> None:
        """Clean stop: Shutdown (a master resigns with priority 0), then the process exits."""
        node = self.nodes[name]
        self._feed(node, Shutdown())
        self.crash(name)

    def restart(self, name: str, params: RouterParams | None = None) -> None:
        if self.nodes[name].alive:
            self.stop(name)
        if params is not None:
            self.nodes[name].params = params
        self.start(name)

    def set_priority(self, name: str, priority: int) -> None:
        self._feed(self.nodes[name], PriorityChanged(priority))

    def interface_down(self, name: str) -> None:
        self._feed(self.nodes[name], InterfaceDown())

    def interface_up(self, name: str) -> None:
        self._feed(self.nodes[name], InterfaceUp())

    def partition(self, *groups: Iterable[str]) -> None:
        """Adverts only travel inside a group; a router in no group hears nobody."""
        self._groups = [frozenset(group) for group in groups]

    def heal(self) -> None:
        """End partitions and packet loss."""
        self._groups = None
        self.drop = None

    # -- observation ------------------------------------------------------------------------

    def routers(self) -> dict[str, Router]:
        return {name: node.router for name, node in self.nodes.items() if node.router is not None}

    def masters(self) -> list[str]:
        return sorted(name for name, r in self.routers().items() if r.state is State.MASTER)

    def vip_holders(self) -> list[str]:
        return sorted(name for name, node in self.nodes.items() if node.vips_up)

    def transitions_since(self, time: float) -> list[Transition]:
        return [t for t in self.transitions if t.time >= time]

    # -- the clock --------------------------------------------------------------------------

    def run_until(self, time: float, *, max_events: int = 1_000_000) -> None:
        """Process every event due up to `time` (bounded, so a runaway router fails loudly)."""
        for _ in range(max_events):
            if not self._queue or self._queue[0][0] > time:
                self.now = max(self.now, time)
                return
            due, _, callback = heapq.heappop(self._queue)
            self.now = due
            callback()
        raise InvariantViolation(f"more than {max_events} events before t={time}")

    def run_for(self, seconds: float) -> None:
        self.run_until(self.now + seconds)

    def _at(self, time: float, callback: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (max(time, self.now), next(self._seq), callback))

    # -- the driver -------------------------------------------------------------------------

    def _feed(self, node: Node, event: Event) -> None:
        router = node.router
        if router is None:
            return
        before = router.transitions
        actions = router.handle(event, self.now)
        for action in actions:
            self._run(node, action)
        self._check(node, before, actions)

    def _run(self, node: Node, action: Action) -> None:
        match action:
            case SendAdvert(priority=priority):
                node.adverts_sent += 1
                self._broadcast(node, node.router.advert(priority))
            case AddVips():
                node.vips_up = True
            case RemoveVips():
                node.vips_up = False
            case SendGarp(reason=reason):
                node.garps.append(reason)
            case SetTimer(timer=timer, deadline=deadline):
                self._set_timer(node, timer, deadline)
            case StateChanged():
                self.transitions.append(Transition(self.now, node.params.name, action))
            case AdvertDropped(reason=reason):
                node.drops.append(reason)
            case AdvertNoted(reason=reason):
                node.notes.append(reason)
            case _:
                raise InvariantViolation(f"unknown action {action!r}")

    def _broadcast(self, sender: Node, advert: Advert) -> None:
        src = sender.params.primary_ip
        for receiver in self.nodes.values():
            if receiver is sender or not self._reachable(sender, receiver, advert):
                continue
            self._at(self.now + self.latency, self._deliver(receiver, AdvertReceived(src, advert)))

    def _reachable(self, sender: Node, receiver: Node, advert: Advert) -> bool:
        a, b = sender.params.name, receiver.params.name
        if self._groups is not None and not any(a in g and b in g for g in self._groups):
            return False
        return self.drop is None or not self.drop(a, b, advert)

    def _deliver(self, node: Node, event: Event) -> Callable[[], None]:
        return lambda: self._feed(node, event)

    def _set_timer(self, node: Node, timer: Timer, deadline: float | None) -> None:
        if deadline is None:
            node.timer_tokens.pop(timer, None)
            return
        token = node.timer_tokens[timer] = next(self._tokens)
        incarnation = node.incarnation

        def fire() -> None:
            if node.incarnation != incarnation:
                return  # the box that asked for it is gone
            if node.timer_tokens.get(timer) == token:
                del node.timer_tokens[timer]
            elif not self.stale_timers:
                return
            self._feed(node, TimerFired(timer))

        self._at(deadline, fire)

    def _check(self, node: Node, transitions_before: int, actions: list[Action]) -> None:
        router = node.router
        name = node.params.name
        changes = [a for a in actions if isinstance(a, StateChanged)]
        if router.transitions - transitions_before != len(changes):
            raise InvariantViolation(f"{name}: transitions counter disagrees with {changes}")
        if changes and changes[-1].new is not router.state:
            raise InvariantViolation(f"{name}: last StateChanged is not the state: {changes}")
        if node.vips_up != (router.state is State.MASTER):
            raise InvariantViolation(f"{name}: VIPs up={node.vips_up} in {router.state}")
        armed = set(router.timers)
        if router.state is State.MASTER:
            timers_fit = armed == {Timer.ADVER}
        elif router.state is State.BACKUP:
            timers_fit = Timer.MASTER_DOWN in armed and armed <= {Timer.MASTER_DOWN, Timer.PREEMPT}
        else:
            timers_fit = not armed
        if not timers_fit:
            raise InvariantViolation(f"{name}: timers {armed} in {router.state}")
        if not self.stale_timers and armed != set(node.timer_tokens):
            raise InvariantViolation(
                f"{name}: router armed {armed}, driver runs {node.timer_tokens}"
            )


# -- builders shared with the playbook tests ------------------------------------------------

VIP = IPv4Address("192.0.2.100")
OURS = IPv4Address("192.0.2.10")  # the primary address instance() routers use


def instance(**overrides: object) -> RouterParams:
    """A valid v3 instance (VRID 51, priority 100, 1 s, VIP 192.0.2.100 at 192.0.2.10)."""
    base = RouterParams(
        name="VI_1",
        vrid=51,
        priority=100,
        advert_int=1.0,
        version=3,
        addresses=(VIP,),
        primary_ip=OURS,
    )
    return replace(base, **overrides)


def heard(
    src: str, priority: int, *, version: int = 3, interval: int | None = None, vrid: int = 51
) -> AdvertReceived:
    """An advert from `src`; interval in the wire unit, default 1 s (100 cs for v3, 1 for v2)."""
    if interval is None:
        interval = 100 if version == 3 else 1
    advert = Advert(
        version=version, vrid=vrid, priority=priority, interval=interval, addresses=(VIP,)
    )
    return AdvertReceived(ip_address(src), advert)


def group(
    priorities: Iterable[int], *, version: int = 3, advert_int: float = 1.0, **overrides: object
) -> list[RouterParams]:
    """Params for routers r0, r1, ... of one VRID, r<i> at 192.0.2.(10+i) with VIP 192.0.2.100."""
    return [
        instance(
            name=f"r{i}",
            priority=priority,
            version=version,
            advert_int=advert_int,
            primary_ip=IPv4Address(f"192.0.2.{10 + i}"),
            **overrides,
        )
        for i, priority in enumerate(priorities)
    ]
