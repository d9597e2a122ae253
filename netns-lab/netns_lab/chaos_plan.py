"""The chaos run's schedule and its judgements, pure (testable without root).

A seed fixes the whole schedule: which fault class, aimed at which role (the current master
or a named router), held for how long. The same seed gives the same schedule on vrrpd and on
keepalived, so a violation can be replayed (`--seed S`) and both can be compared.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

ROUTERS = ("r1", "r2", "r3")
PRIORITY = {"r1": 150, "r2": 100, "r3": 100}  # two backups with equal priority
ADVERT_INT = 0.1
# Master_Down_Interval of the backups (priority 100): 3 x 0.1 + (256 - 100) / 256 x 0.1 s
MASTER_DOWN_S = 3 * ADVERT_INT + (256 - 100) / 256 * ADVERT_INT

# A partition healed just after a takeover: the router that backs off may announce itself
# after the master's heal burst, and the master's second heal burst comes garp_master_delay
# (1.1 s by default, past the clients' neighbour locktime) later, whoever was partitioned.
HEAL_SECOND_BURST_S = 1.1

# fault class -> (weight, protocol floor in s when it hits the master). The floor is what
# the protocol itself costs the client: a master gone silent is noticed after Master_Down.
FAULTS: dict[str, tuple[int, float]] = {
    "kill": (3, MASTER_DOWN_S),  # SIGKILL, restart after the hold
    "stop": (2, MASTER_DOWN_S),  # SIGSTOP, SIGCONT after the hold
    "port": (3, MASTER_DOWN_S),  # switch port down, up after the hold
    "flap": (2, MASTER_DOWN_S),  # three short port flaps
    "partition": (2, 0.0),  # VRRP dropped between two routers, healed after the hold
    "reload": (2, 0.0),  # SIGHUP with the same file
    "iface": (2, MASTER_DOWN_S),  # eth0 deleted, re-created (new MAC) after the hold
    "vipdel": (2, 0.0),  # an admin deletes the VIP on the master
    "cpuhog": (1, 0.0),  # two busy loops in the router's namespace for the hold
    "broker": (1, 0.0),  # the MQTT broker stopped, started after the hold (chaos_faults)
    "hook": (1, MASTER_DOWN_S),  # hooks hang while the port is down for the hold (chaos_faults)
}


@dataclass(frozen=True)
class Fault:
    index: int
    kind: str
    target: str  # "master" (resolved when it strikes) or a router name
    other: str  # the second router of a partition (resolved likewise)
    hold: float  # seconds the fault lasts before it is undone


def schedule(seed: int, count: int) -> list[Fault]:
    """`count` faults drawn from `seed` (deterministic)."""
    rng = random.Random(seed)
    kinds = list(FAULTS)
    weights = [FAULTS[k][0] for k in kinds]
    faults = []
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        target = "master" if rng.random() < 0.6 else rng.choice(ROUTERS)
        other = rng.choice(ROUTERS)
        hold = round(rng.uniform(0.3, 2.0), 2)
        faults.append(Fault(index, kind, target, other, hold))
    return faults


def outage_bound(kind: str, hit_master: bool, margin: float) -> float:
    """The longest client outage (s) a fault of `kind` may cause: protocol floor + margin."""
    if kind == "partition":
        return HEAL_SECOND_BURST_S + margin
    return (FAULTS[kind][1] if hit_master else 0.0) + margin


TRAILING_S = 0.6  # unanswered probes at the very end of a window shorter than this: in flight


def window_outage(probes: list[tuple[float, float | None]]) -> float:
    """The client's longest outage (s) in one window from (sent_at, received_at or None)
    probes: the longest time between replies across unanswered probes; inf when the window
    ends in an outage longer than TRAILING_S (the last probes' replies may still be in
    flight when the prober stops: a shorter trailing gap is not an outage)."""
    longest, last_reply, open_gap = 0.0, None, False
    for _sent_at, received_at in probes:
        if received_at is None:
            open_gap = True
            continue
        if open_gap:
            start = last_reply if last_reply is not None else probes[0][0]
            longest = max(longest, received_at - start)
            open_gap = False
        last_reply = received_at if last_reply is None else max(last_reply, received_at)
    if open_gap:
        start = last_reply if last_reply is not None else probes[0][0]
        if probes[-1][0] - start > TRAILING_S:
            return math.inf
    return longest


@dataclass
class Settled:
    """What the cluster looked like after a fault's settle window."""

    masters: list[str]
    holders: list[str]
    dead: list[str]  # daemons not running that were not killed on purpose
    missing_primary: list[str]  # routers whose own address is gone


def violations(s: Settled) -> list[str]:
    """The invariants after a settle window; empty when all hold."""
    found = []
    if len(s.holders) > 1:
        found.append(f"{len(s.holders)} VIP holders {s.holders}")
    if len(s.masters) != 1:
        found.append(f"{len(s.masters)} masters {s.masters}")
    if not s.holders:
        found.append("nobody holds the VIP")
    left = sorted(set(s.holders) - set(s.masters))
    if left:
        found.append(f"VIP left behind on {left}")
    if s.dead:
        found.append(f"daemons dead {s.dead}")
    if s.missing_primary:
        found.append(f"own address gone on {s.missing_primary}")
    return found
