"""`python -m netns_lab chaos --minutes N [--seed S] [--impl vrrpd|keepalived|both]`.

Three routers (r1 priority 150, r2 and r3 priority 100), a client pinging the VIP every
10 ms, and a seeded random schedule of faults (chaos_plan.FAULTS: SIGKILL and restart,
SIGSTOP/SIGCONT, port down/up, flaps, VRRP partition and heal, reload, interface delete and
re-create, an admin deleting the VIP, a CPU hog, the MQTT broker down, hung notify hooks:
chaos_faults). After each fault is undone the cluster must
settle: exactly one master, exactly one VIP holder and it is the master, no daemon dead that
was not killed on purpose, every router's own address still there; and the client's longest
outage across the fault must stay under the protocol floor + margin. A violation prints the
seed and fault index (the same seed replays the same schedule) and the cluster is repaired
(every daemon restarted) before the run goes on. Every router runs notify hooks; vrrpd
routers publish to a mosquitto on the client (keepalived has no MQTT client). Every hook
process is killed at teardown (deleting a namespace kills nothing).
"""

from __future__ import annotations

import argparse
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .chaos_cluster import IMPLEMENTATIONS, VIP, Cluster
from .chaos_faults import ChaosKit
from .chaos_hooks import SCRIPT_NAME, kill_hooks
from .chaos_plan import (
    ADVERT_INT,
    FAULTS,
    PRIORITY,
    ROUTERS,
    TRAILING_S,
    Fault,
    Settled,
    outage_bound,
    schedule,
    violations,
    window_outage,
)
from .lab import Lab
from .probe import Prober

STABLE_S = 1.0  # the settled picture must hold this long
SETTLE_MAX_S = 10.0
QUIET_S = 0.5  # checked continuously between faults as well
POLL_S = 0.1
PROBE_INTERVAL_S = 0.01
Say = Callable[[str], None]


@dataclass
class Outcome:
    fault: Fault
    target: str
    hit_master: bool
    at: float  # seconds since the run started
    settle_s: float
    outage_s: float
    bound_s: float
    problems: list[str] = field(default_factory=list)


@dataclass
class ChaosReport:
    impl: str
    seed: int
    minutes: float
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def violations(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.problems]

    def summary(self) -> str:
        lines = [f"chaos {self.impl}: seed {self.seed}, {self.minutes:g} min, "
                 f"{len(self.outcomes)} faults, {len(self.violations)} with violations"]
        for kind in FAULTS:
            mine = [o for o in self.outcomes if o.fault.kind == kind]
            if not mine:
                continue
            worst = max(o.outage_s for o in mine)
            bad = sum(bool(o.problems) for o in mine)
            lines.append(f"  {kind:<10} n={len(mine):<3} worst outage {_ms(worst):>9}  "
                         f"violations {bad}")
        for o in self.violations:
            lines.append(f"  VIOLATION seed {self.seed} fault #{o.fault.index} {o.fault.kind} "
                         f"on {o.target}: {'; '.join(o.problems)}")
        return "\n".join(lines)


def _ms(seconds: float) -> str:
    return "inf" if math.isinf(seconds) else f"{seconds * 1000:.0f} ms"


def _settled(cluster: Cluster) -> Settled:
    return Settled(masters=cluster.masters(), holders=cluster.holders(), dead=cluster.dead(),
                   missing_primary=cluster.missing_primary())


def _wait_settled(cluster: Cluster) -> tuple[float, Settled]:
    """Poll until the picture is right for STABLE_S (bounded); (seconds waited, last seen)."""
    start = time.monotonic()
    good_since: float | None = None
    while True:
        seen = _settled(cluster)
        now = time.monotonic()
        if not violations(seen):
            good_since = good_since or now
            if now - good_since >= STABLE_S:
                return good_since - start, seen
        else:
            good_since = None
        if now - start > SETTLE_MAX_S:
            return now - start, seen
        time.sleep(POLL_S)


def _resolve(cluster: Cluster, fault: Fault) -> str:
    """The router a fault strikes: an admin deletes the VIP where it is (the master); the
    broker is on the client."""
    if fault.kind == "broker":
        return "client"
    role = "master" if fault.kind == "vipdel" else fault.target
    masters = cluster.masters()
    return (masters[0] if masters else "r1") if role == "master" else role


def _apply(lab: Lab, cluster: Cluster, kit: ChaosKit, fault: Fault, target: str) -> None:
    """Strike, hold, undo (blocks for about the hold)."""
    kind, hold = fault.kind, fault.hold
    if kind == "kill":
        cluster.kill(target)
        time.sleep(hold)
        cluster.start(target)
    elif kind == "stop":
        cluster.sigstop(target, True)
        try:
            time.sleep(hold)
        finally:
            cluster.sigstop(target, False)
    elif kind == "port":
        lab.link_flap(target, hold)
    elif kind == "flap":
        for _ in range(3):
            lab.link_flap(target, 0.1)
            time.sleep(0.2)
    elif kind == "partition":
        other = fault.other if fault.other != target else next(
            r for r in ROUTERS if r != target)
        lab.partition_vrrp(target, other)
        try:
            time.sleep(hold)
        finally:
            lab.heal_vrrp()
    elif kind == "reload":
        cluster.reload(target)
        time.sleep(hold)
    elif kind == "iface":
        lab.delete_interface(target)
        try:
            time.sleep(hold)
        finally:
            lab.create_interface(target)
    elif kind == "vipdel":
        cluster.delete_vip(target)
        time.sleep(hold)
    elif kind == "cpuhog":
        for hog in cluster.cpu_hog(target, hold):
            hog.wait(hold + 10)
    elif kind == "broker":
        kit.broker_down(cluster, hold)
    elif kind == "hook":
        kit.hook_hang(target, hold)
    else:  # pragma: no cover - chaos_plan.FAULTS and this function go together
        raise ValueError(f"unknown fault class {kind}")


def run_fault(lab: Lab, cluster: Cluster, kit: ChaosKit, fault: Fault, margin: float,
              t0: float) -> Outcome:
    before = cluster.masters()
    target = _resolve(cluster, fault)
    hit_master = before == [target]
    prober = lab.probe(VIP, interval=PROBE_INTERVAL_S, reply_timeout=0.5).start()
    time.sleep(0.1)
    at = time.monotonic() - t0
    _apply(lab, cluster, kit, fault, target)
    settle_s, seen = _wait_settled(cluster)
    problems = violations(seen)
    bound = outage_bound(fault.kind, hit_master, margin)
    # probe on until the client is answered again, or the bound has passed since the fault
    # was undone: a recovery that comes late must be seen, not cut off by the window's end
    undone = time.monotonic() - settle_s
    quiet_end = time.monotonic() + QUIET_S
    while not problems and (time.monotonic() < quiet_end or (
            not _answered(prober) and time.monotonic() < undone + bound + TRAILING_S)):
        time.sleep(POLL_S)
        problems = violations(_settled(cluster))
    result = prober.stop()
    outage = window_outage([(p.sent_at, p.received_at) for p in result.probes])
    if outage > bound:
        problems.append(f"client outage {_ms(outage)} over the bound {_ms(bound)}")
    problems += kit.check(fault.kind, cluster, target)
    return Outcome(fault, target, hit_master, at, settle_s, outage, bound, problems)


def _answered(prober: Prober) -> bool:
    """The client's last probes (but the ones still in flight) were answered."""
    probes = prober.snapshot().probes
    settled = [p for p in probes if p.sent_at < time.monotonic() - 0.1]
    return bool(settled) and settled[-1].received_at is not None


def _line(o: Outcome) -> str:
    role = " (master)" if o.hit_master else ""
    verdict = "OK" if not o.problems else "VIOLATION: " + "; ".join(o.problems)
    return (f"t={o.at:7.1f}s #{o.fault.index:<3} {o.fault.kind:<9} {o.target}{role:<9} "
            f"hold {o.fault.hold:.2f}s  settled +{o.settle_s:.2f}s  outage {_ms(o.outage_s):>8}"
            f" (bound {_ms(o.bound_s)})  {verdict}")


def run_chaos(minutes: float, seed: int, impl: str, *, margin: float = 1.0,
              say: Say = print, prefix: str | None = None) -> ChaosReport:
    if impl not in IMPLEMENTATIONS:
        raise ValueError(f"--impl must be one of {IMPLEMENTATIONS}")
    if not 0 < minutes <= 24 * 60:
        raise ValueError("--minutes must be in (0, 1440]")
    report = ChaosReport(impl, seed, minutes)
    lab = Lab(prefix, hosts=ROUTERS, client=True, ipv6=False)
    try:
        with lab:
            _run(lab, report, margin, say)
    finally:
        if lab.dir is not None:  # after the daemons: none can start another hook now
            killed, left = kill_hooks(lab.dir / SCRIPT_NAME)
            if killed or left:
                say(f"teardown: {killed} hook processes killed, {len(left)} left {left}")
    say(report.summary())
    return report


def _run(lab: Lab, report: ChaosReport, margin: float, say: Say) -> None:
    """Start the broker, the hooks and the routers, then strike until the time is up."""
    impl, seed, minutes = report.impl, report.seed, report.minutes
    kit = ChaosKit(lab)
    cluster = Cluster(lab, impl, PRIORITY, ADVERT_INT, hooks=kit.hooks, mqtt=kit.mqtt)
    for host in ROUTERS:
        cluster.start(host)
    waited, seen = _wait_settled(cluster)
    if violations(seen):
        raise RuntimeError(f"{impl} did not settle at start: {violations(seen)}")
    say(f"chaos {impl}: seed {seed}, {minutes:g} min, lab {lab.prefix}; "
        f"settled after {waited:.1f}s with master {seen.masters[0]}")
    t0 = time.monotonic()
    deadline = t0 + minutes * 60
    for fault in schedule(seed, 100_000):
        if time.monotonic() >= deadline:
            break
        outcome = run_fault(lab, cluster, kit, fault, margin, t0)
        report.outcomes.append(outcome)
        say(_line(outcome))
        if outcome.problems:
            say(f"  replay: python -m netns_lab chaos --seed {seed} --impl {impl} "
                f"(fault #{fault.index}); repairing: every daemon restarted")
            cluster.restart_all()
            _wait_settled(cluster)


def add_chaos_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chaos", help="seeded random faults on three routers, invariants checked")
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--seed", type=int, help="default: a fresh random seed (printed)")
    p.add_argument("--impl", choices=(*IMPLEMENTATIONS, "both"), default="vrrpd")
    p.add_argument("--margin", type=float, default=1.0,
                   help="seconds of client outage allowed above the protocol floor")
    p.add_argument("--prefix")
    p.set_defaults(func=cmd_chaos)


def cmd_chaos(args: argparse.Namespace) -> int:
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    impls = IMPLEMENTATIONS if args.impl == "both" else (args.impl,)
    reports = [run_chaos(args.minutes, seed, impl, margin=args.margin, prefix=args.prefix)
               for impl in impls]
    if len(reports) > 1:
        print("\n".join(r.summary() for r in reports))
    return 1 if any(r.violations for r in reports if r.impl == "vrrpd") else 0
