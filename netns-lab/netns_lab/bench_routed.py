"""The routed rows of `make bench`: VIP announced by BGP (netns_lab.routed), client-visible
outage split into the share VRRP takes to elect the new master and the share the route
needs to reach the client's router through zebra and bgpd.

Per round: hard fault (r1's uplink cable pulled at the upstream) -> r1 back, preempting
after PREEMPT_DELAY_S -> graceful stop (SIGTERM to r1's vrrpd) -> r1's vrrpd started again.
The moment the new master took over comes from its transition log line (wall clock,
converted to the prober's CLOCK_MONOTONIC); detection = takeover - last reply before the
gap (0 when the takeover came first, as in a graceful hand-over), propagation = first reply
after the gap - takeover. Numbers are reported, not judged.
"""

from __future__ import annotations

import json
import signal
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime

from .errors import LabError
from .processes import LabProcess
from .routed import ROUTERS, RoutedLab, routed_vrrpd_conf
from .vrrpd_lab import wait_vrrpd_state
from .waiting import wait_until

ADVERT_INT = 0.1
BACKUP_PRIORITY = 100
PREEMPT_DELAY_S = 3.0  # r1's BGP session must be up again before it takes over
SCENARIOS = {"fault": "hard fault (uplink pulled)", "stop": "graceful stop (SIGTERM)"}


@dataclass
class RoutedSample:
    scenario: str
    outage_ms: float
    detection_ms: float
    propagation_ms: float


@dataclass
class RoutedResults:
    rounds: int
    samples: list[RoutedSample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def master_down_ms(self) -> float:
        skew = (256 - BACKUP_PRIORITY) * ADVERT_INT / 256
        return (3 * ADVERT_INT + skew) * 1000

    def as_json(self) -> dict:
        return {
            "advert_int": ADVERT_INT,
            "master_down_ms": self.master_down_ms,
            "samples": [vars(s) for s in self.samples],
            "failures": self.failures,
        }


def _takeover_monotonic(proc: LabProcess, since: int) -> float:
    """When the process logged becoming MASTER (after log offset `since`), monotonic."""
    for line in proc.log_text(since).splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record.get("event") == "transition" and record.get("new") == "MASTER":
            wall = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).timestamp()
            return wall - (time.time() - time.monotonic())
    raise LabError(f"{proc.name} logged no takeover")


def _measure(lab: RoutedLab, scenario: str, r2: LabProcess, event) -> RoutedSample:
    prober = lab.probe().start()
    time.sleep(0.5)
    since = r2.log_size()
    event()
    wait_vrrpd_state(r2, "MASTER", 10)
    wait_until(
        lambda: prober.snapshot().recovered and lab.announcer() == "r2",
        10,
        0.05,
        message="client back on r2",
    )
    time.sleep(0.3)
    result = prober.stop()
    if result.gap_start is None or result.gap_end is None:
        raise LabError(f"{scenario}: the client saw no outage at all")
    # a graceful stop hands over before the client notices: the takeover precedes the gap,
    # and all of the outage is the route's way through BGP
    took_over = max(_takeover_monotonic(r2, since), result.gap_start)
    return RoutedSample(
        scenario,
        result.outage_ms,
        (took_over - result.gap_start) * 1000,
        (result.gap_end - took_over) * 1000,
    )


def _round(lab: RoutedLab, r1: LabProcess, r2: LabProcess, results: RoutedResults) -> LabProcess:
    results.samples.append(_measure(lab, "fault", r2, lambda: lab.uplink("r1", up=False)))
    lab.uplink("r1", up=True)
    wait_until(lab.established, 20, 0.2, message="r1's BGP session back")
    wait_vrrpd_state(r1, "MASTER", PREEMPT_DELAY_S + 10)
    wait_until(lambda: lab.announcer() == "r1", 10, 0.05, message="route back on r1")

    results.samples.append(
        _measure(lab, "stop", r2, lambda: r1.signal(signal.SIGTERM, group=False))
    )
    r1.wait(10)
    r1 = _start(lab, "r1")
    wait_vrrpd_state(r1, "MASTER", PREEMPT_DELAY_S + 10)
    wait_until(lambda: lab.announcer() == "r1", 10, 0.05, message="route back on r1")
    return r1


def _start(lab: RoutedLab, name: str) -> LabProcess:
    plan = next(p for p in ROUTERS if p.name == name)
    priority = 150 if name == "r1" else BACKUP_PRIORITY
    delay = PREEMPT_DELAY_S if name == "r1" else 0.0
    return lab.start_vrrpd(
        name, routed_vrrpd_conf(plan, priority=priority, advert_int=ADVERT_INT, preempt_delay=delay)
    )


def run_routed_bench(rounds: int, prefix: str, say=print) -> RoutedResults:
    results = RoutedResults(rounds)
    say(f"routed (BGP via FRR) at advert_int {ADVERT_INT * 1000:g} ms, {rounds} round(s)")
    try:
        with RoutedLab(prefix) as lab:
            wait_until(lab.established, 20, 0.2, message="upstream BGP sessions established")
            r1, r2 = _start(lab, "r1"), _start(lab, "r2")
            wait_vrrpd_state(r1, "MASTER", 15)
            wait_vrrpd_state(r2, "BACKUP", 15)
            wait_until(lambda: lab.announcer() == "r1", 10, 0.05, message="route on r1")
            for number in range(1, rounds + 1):
                try:
                    r1 = _round(lab, r1, r2, results)
                except (LabError, TimeoutError, AssertionError) as exc:
                    results.failures.append(f"round {number}: {' '.join(str(exc).split())[:300]}")
                    break  # the pair is in an unknown state: stop this series
    except (LabError, TimeoutError) as exc:
        results.failures.append(f"lab: {' '.join(str(exc).split())[:300]}")
    return results


def render_routed(results: RoutedResults) -> str:
    goal = results.master_down_ms + 50
    lines = [
        f"Routed VIP (BGP through FRR, unicast VRRP through a router), advert_int "
        f"{ADVERT_INT * 1000:g} ms, vrrpd only (keepalived has no announce). "
        f"Master_Down_Interval {results.master_down_ms:.0f} ms; hard-fault goal <= {goal:.0f} ms",
        f"{'event':<28} {'n':>2} {'outage ms (median/max)':>24} {'VRRP detection':>16} "
        f"{'BGP propagation':>16}",
    ]
    for key, title in SCENARIOS.items():
        samples = [s for s in results.samples if s.scenario == key]
        if not samples:
            lines.append(f"{title:<28} {0:>2} {'-':>24}")
            continue

        def both(values: list[float]) -> str:
            return f"{statistics.median(values):.0f}/{max(values):.0f}"

        lines.append(
            f"{title:<28} {len(samples):>2} {both([s.outage_ms for s in samples]):>24} "
            f"{both([s.detection_ms for s in samples]):>16} "
            f"{both([s.propagation_ms for s in samples]):>16}"
        )
    lines += [f"FAILED {failure}" for failure in results.failures]
    return "\n".join(lines)
