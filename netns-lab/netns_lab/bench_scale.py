"""`python -m netns_lab bench --scale`: what N instances cost, vrrpd next to keepalived.

Per case (bench_scale_plan.CASES) and implementation, a fresh lab: r1 starts alone and the
time until all its VIPs are up is taken from rtnetlink (bench_addrwatch); r2 starts and
settles as backup; both daemons' CPU time is read over a window; then r1's switch ports go
down right after an advert (bench_fault) and the time until r2 holds every VIP is taken,
while the client probes the first VIP for the reply timeline. Then: an address owner's
start-up, and the cadence of 10 ms adverts under a CPU hog (bench_hog). Numbers are
reported, never asserted.
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

from . import bench_addrwatch
from .bench import synced_port_down
from .bench_scale_plan import (
    CASES,
    OWNER_VIP,
    PROBE_ROUTES,
    SEGMENT_BRIDGE,
    SEGMENT_PORT,
    Instance,
    ScaleCase,
    keepalived_scale_conf,
    segment_address,
    vrrpd_scale_conf,
)
from .bench_scale_report import IMPLS, CostRow, ScaleResults
from .errors import LabError
from .host import Host
from .lab import Lab
from .processes import LabProcess
from .waiting import wait_until

Say = Callable[[str], None]
PROBE_INTERVAL_S = 0.005
SETTLE_S = 1.0  # after the backup's last instance settled: start-up work has ended
TIMELINE_BEFORE_S = 0.3
TIMELINE_AFTER_S = 0.6
OWNER_STARTS = 3
BACKUP_LINE = {"vrrpd": re.compile(r'"new": "BACKUP"'),
               "keepalived": re.compile(r"Entering BACKUP STATE")}


# -- the lab's extra segments -----------------------------------------------------------------

def add_segments(lab: Lab, count: int) -> None:
    """eth1..eth<count> on every VRRP host, each pair of them on its own bridge."""
    if count <= 0:
        return
    lines = []
    for seg in range(1, count + 1):
        bridge = SEGMENT_BRIDGE.format(seg)
        lines.append(f"link add {bridge} type bridge mcast_snooping 0 stp_state 0 forward_delay 0")
        for host in lab.hosts.values():
            port = SEGMENT_PORT.format(seg, host.name)
            lines += [f"link add {port} type veth peer name eth{seg} netns {host.netns}",
                      f"link set {port} master {bridge}", f"link set {port} up"]
        lines.append(f"link set {bridge} up")
    lab.switch.ip_batch(lines)
    for host in lab.hosts.values():
        host.ip_batch(line for seg in range(1, count + 1) for line in (
            f"addr add {segment_address(seg, host.plan.index)}/32 dev eth{seg}",
            f"link set eth{seg} up"))


def host_ports(lab: Lab, host: str, segments: int) -> list[str]:
    return [*lab[host].plan.ports, *(SEGMENT_PORT.format(s, host) for s in range(1, segments))]


# -- processes: CPU time and memory -----------------------------------------------------------

def daemon_pids(proc: LabProcess) -> list[int]:
    """The daemon and every process of its group (keepalived's VRRP child)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == proc.pid:  # pgrp: each lab process leads its own session
            pids.append(int(entry))
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time of every thread of each pid, in seconds (nanosecond schedstat counters)."""
    found: dict[int, float] = {}
    for pid in pids:
        total = 0
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                total += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
            except (OSError, IndexError, ValueError):
                continue
        found[pid] = total / 1e9
    return found


def rss_mib(pids: list[int]) -> float:
    total_kib = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kib += int(found.group(1)) if found else 0
    return total_kib / 1024


def cores(procs: list[LabProcess], window: float) -> list[float]:
    """CPU seconds per wall second of each daemon over `window` (measured side by side).

    Per process: the growth of those alive at both ends, plus all of one that started
    inside the window (a process that ended inside it is lost, which only a short-lived
    helper could do)."""
    before, began = [cpu_seconds(daemon_pids(p)) for p in procs], time.monotonic()
    time.sleep(window)
    after = [cpu_seconds(daemon_pids(p)) for p in procs]
    wall = time.monotonic() - began
    return [sum(t - b.get(pid, 0.0) for pid, t in a.items()) / wall
            for a, b in zip(after, before, strict=True)]


# -- address watch ----------------------------------------------------------------------------

class AddrWatch:
    """bench_addrwatch in a host's namespace: when did every wanted address appear?"""

    def __init__(self, host: Host, want: list[str], timeout: float) -> None:
        self.out = host.workdir / f"addrwatch-{host.name}-{time.monotonic_ns()}.log"
        self.timeout = timeout
        argv = bench_addrwatch.agent_argv(want, timeout=timeout, out=str(self.out))
        self.proc = host.popen(argv, name=self.out.stem)
        wait_until(lambda: self.out.exists() and self.out.read_text().startswith("READY"),
                   5, 0.005, message="address watch ready")

    def result(self) -> tuple[float, float]:
        """(first, last) appearance, CLOCK_MONOTONIC; LabError if they did not all appear."""
        try:
            self.proc.wait(self.timeout + 5)
        finally:
            self.proc.stop()
        words = self.out.read_text().split()
        if "ALL" not in words:
            raise LabError(f"not every address appeared: {' '.join(words[-4:])}")
        first, last = (float(w) for w in words[words.index("ALL") + 1 :][:2])
        return first, last


# -- daemons ----------------------------------------------------------------------------------

def start_daemon(lab: Lab, impl: str, host: str, instances: list[Instance], advert_int: float,
                 **conf) -> LabProcess:
    if impl == "vrrpd":
        return lab.start_vrrpd(host, vrrpd_scale_conf(host, instances, advert_int, **conf))
    return lab.start_keepalived(host, keepalived_scale_conf(host, instances, advert_int, **conf))


def wait_backups(proc: LabProcess, impl: str, count: int, timeout: float) -> None:
    pattern = BACKUP_LINE[impl]

    def settled() -> bool:
        if not proc.running:
            raise LabError(f"{proc.name} exited ({proc.poll()}):\n{proc.log_tail(10)}")
        return len(pattern.findall(proc.log_text())) >= count

    wait_until(settled, timeout, 0.1, message=f"{proc.name}: {count} instances BACKUP")


def held(host: Host, vips: list[str]) -> int:
    present = set(host.addresses_all())
    return sum(v in present for v in vips)


def stop_daemon(proc: LabProcess, timeout: float = 10.0) -> None:
    proc.signal(signal.SIGTERM, group=False)
    try:
        proc.wait(timeout)
    except LabError:
        proc.stop()


# -- one case ---------------------------------------------------------------------------------

def run_case(case: ScaleCase, impl: str, prefix: str, window: float) -> CostRow:
    row = CostRow(case.key, impl)
    instances = case.instances()
    vips = [i.vip for i in instances]
    grace = 30 + len(instances) / 10  # start-up of many instances on a loaded machine
    with Lab(prefix, hosts=("r1", "r2"), ipv6=False) as lab:
        try:
            add_segments(lab, case.interfaces - 1)
            lab["client"].ip_batch(f"route add {net} dev eth0" for net in PROBE_ROUTES)
            watch = AddrWatch(lab["r1"], vips, case.master_down() + grace)
            began = time.monotonic()
            master = start_daemon(lab, impl, "r1", instances, case.advert_int)
            row.all_up_s = watch.result()[1] - began
            backup = start_daemon(lab, impl, "r2", instances, case.advert_int)
            wait_backups(backup, impl, len(instances), grace)
            time.sleep(SETTLE_S)
            if held(lab["r1"], vips) != len(vips) or held(lab["r2"], vips):
                raise LabError("VIPs not all on r1 alone after the backup settled")
            row.master_cores, row.backup_cores = cores([master, backup], window)
            row.master_rss_mib = rss_mib(daemon_pids(master))
            row.backup_rss_mib = rss_mib(daemon_pids(backup))
            _failover(lab, case, row, vips, grace)
        except (LabError, ValueError) as exc:
            row.error = " ".join(str(exc).split())[:300]
    return row


def _failover(lab: Lab, case: ScaleCase, row: CostRow, vips: list[str], grace: float) -> None:
    prober = lab.probe(vips[0], interval=PROBE_INTERVAL_S, reply_timeout=0.5)
    prober.start()
    try:
        wait_until(lambda: sum(p.received_at is not None for p in prober.snapshot().probes) >= 10,
                   5, 0.05, message="client reaches the first VIP")
        watch = AddrWatch(lab["r2"], vips, case.master_down() + grace)
        fault = synced_port_down(lab, "r1", 2 * case.advert_int + 2)
        others = host_ports(lab, "r1", case.interfaces)[1:]
        if others:
            lab.switch.set_ports(others, up=False)
        down = fault.get("event_at", time.monotonic())
        row.moved_s = watch.result()[1] - down
        time.sleep(TIMELINE_AFTER_S)
    finally:
        result = prober.stop()
    row.outage_ms = result.outage_ms
    end = down + row.moved_s + TIMELINE_AFTER_S
    row.timeline = [(round((p.sent_at - down) * 1000, 2), p.received_at is not None)
                    for p in result.probes if down - TIMELINE_BEFORE_S <= p.sent_at <= end]


# -- owner start-up ---------------------------------------------------------------------------

def run_owner(impl: str, prefix: str, starts: int = OWNER_STARTS) -> list[float]:
    """exec -> VIP up for an address owner (priority 255) alone on its segment."""
    owner = [Instance("eth0", 4, 1, OWNER_VIP)]
    times = []
    with Lab(prefix, hosts=("r1",), client=False, ipv6=False) as lab:
        for _ in range(starts):
            watch = AddrWatch(lab["r1"], [OWNER_VIP], 20)
            began = time.monotonic()
            proc = start_daemon(lab, impl, "r1", owner, 1.0, priority=255)
            times.append(watch.result()[1] - began)
            stop_daemon(proc)
            wait_until(lambda: not lab["r1"].has_address(OWNER_VIP), 10, 0.05,
                       message="owner VIP released at stop")
    return times


# -- the section ------------------------------------------------------------------------------

def run_scale(cases: list[str], *, prefix: str, window: float = 10.0, hog_s: float = 60.0,
              say: Say = print, owner_starts: int = OWNER_STARTS,
              hog_variants: tuple[str, ...] | None = None) -> ScaleResults:
    """The whole section; the lab smoke test runs it small (one case, short waits)."""
    from .bench_hog import HOG_VARIANTS, run_hog

    unknown = [c for c in cases if c not in CASES]
    if unknown:
        raise ValueError(f"unknown scale cases {unknown}; choose from {list(CASES)}")
    if window <= 0 or hog_s < 0:
        raise ValueError("the cost window must be > 0 s and the hog duration >= 0 s")
    results = ScaleResults(cases=list(cases), cost_window_s=window)
    began = time.monotonic()
    counter = iter(range(1, 10_000))

    def lab_prefix() -> str:
        return f"{prefix}s{next(counter)}"

    say(f"scale labs {prefix}s1, {prefix}s2, ... (leftovers: python -m netns_lab sweep "
        f"--glob '{prefix}s*')")
    for key in cases:
        for impl in IMPLS:
            started = time.monotonic()
            row = run_case(CASES[key], impl, lab_prefix(), window)
            results.cost.append(row)
            say(f"  {impl:<10} {CASES[key].label:<24} " + (
                f"FAILED {row.error}" if row.error else
                f"master {row.master_cores:.4f} backup {row.backup_cores:.4f} cores, "
                f"RSS {row.master_rss_mib:.1f} MiB, up {row.all_up_s:.2f} s, "
                f"moved {row.moved_s:.3f} s") + f"  ({time.monotonic() - started:.0f} s)")
    for impl in IMPLS:
        try:
            results.owner_start_s[impl] = run_owner(impl, lab_prefix(), owner_starts)
            say(f"  {impl:<10} owner start: "
                + " ".join(f"{t:.3f}" for t in results.owner_start_s[impl]) + " s")
        except LabError as exc:
            results.notes.append(f"owner start-up {impl} FAILED: {exc}")
    if hog_s > 0:
        for variant in hog_variants if hog_variants is not None else HOG_VARIANTS:
            run = run_hog(variant, lab_prefix(), hog_s)
            results.hog.append(run)
            say(f"  hog {variant:<14} " + (f"FAILED {run.error}" if run.error else
                f"{run.sent}/{run.due} adverts, max gap {run.max_gap_ms:.1f} ms, "
                f"takeovers {run.takeovers}"))
    results.runtime_s = time.monotonic() - began
    return results
