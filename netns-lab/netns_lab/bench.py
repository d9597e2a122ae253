"""`python -m netns_lab bench`: client-visible outage of vrrpd and keepalived in the same run.

For each advert interval and implementation a fresh lab runs a pair (r1 priority 150, r2
priority 100, VIP 192.0.2.100) and, per round, four events probed from the client:
hard fault (r1's switch port down) -> preempt-back as the port comes up -> graceful stop
(SIGTERM to r1) -> preempt-back as r1's daemon starts again, which leaves the pair as the
round found it. A round that goes wrong is recorded as failed and the series continues in a
fresh lab. Numbers are reported, never asserted (bench_report.py prints them).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from . import bench_fault
from .bench_report import (
    IMPLEMENTATIONS,
    PRIORITY,
    SCENARIOS,
    SETTINGS,
    BenchResults,
    Sample,
    Setting,
)
from .daemons import vrrpd_env
from .errors import LabError
from .keepalived import KEEPALIVED, keepalived_conf
from .lab import Lab
from .plan import VIPS4, new_prefix, validate_prefix
from .probe import Prober, ProbeResult, analyse
from .processes import LabProcess
from .waiting import wait_until

VIP = VIPS4[0]
VRID = 51
SETTLE_S = 1.5  # probe on after each takeover: past both daemons' delayed GARP (1 s / 1.1 s)
REPLY_TIMEOUT_S = 0.5
STOP_WAIT_S = 10.0
# Polling (an `ip` process per host, a parse of the probe log) costs CPU the daemons under test
# compete for; at 10 ms it delayed them by milliseconds on a 2-CPU machine. The outage comes
# from the prober's own timestamps, so slow polling costs accuracy nothing.
POLL_S = 0.05
STATUS_CALLS = 10
Say = Callable[[str], None]


class BenchError(LabError):
    """A round did not reach the state it waited for; the series goes on in a fresh lab."""


def vrrpd_config(host: str, setting: Setting) -> str:
    """A one-instance vrrpd TOML config for the lab's eth0. The GARP schedule is vrrpd's
    default, as keepalived runs with the lab writer's (second burst after 1 s, 5 frames)."""
    return (
        f'[global]\nrouter_id = "{host}"\nlog_level = "info"\n\n'
        f'[instances.VI_1]\ninterface = "eth0"\nvirtual_router_id = {VRID}\n'
        f"priority = {PRIORITY[host]}\nadvert_int = {setting.advert_int}\n"
        f'version = {setting.version}\nvirtual_ipaddress = ["{VIP}/24"]\n'
    )


def keepalived_config(host: str, setting: Setting) -> str:
    return keepalived_conf(
        router_id=host,
        vrid=VRID,
        priority=PRIORITY[host],
        advert_int=setting.advert_int,
        version=setting.version,
        vips=[f"{VIP}/24"],
    )


class Pair:
    """r1 and r2 running one implementation; knows how to start and stop either."""

    def __init__(self, lab: Lab, impl: str, setting: Setting) -> None:
        if impl not in IMPLEMENTATIONS:
            raise ValueError(f"implementation {impl!r} is not one of {IMPLEMENTATIONS}")
        self.lab, self.impl, self.setting = lab, impl, setting
        self.procs: dict[str, LabProcess] = {}

    def start(self, host: str) -> None:
        if self.impl == "vrrpd":
            proc = self.lab.start_vrrpd(host, vrrpd_config(host, self.setting))
        else:
            proc = self.lab.start_keepalived(host, keepalived_config(host, self.setting))
        self.procs[host] = proc

    def terminate(self, host: str) -> None:
        """SIGTERM to the daemon itself, as `systemctl stop` or `kill PID` would send it."""
        self.procs[host].signal(signal.SIGTERM, group=False)

    def wait_stopped(self, host: str) -> None:
        """Wait for a terminated daemon to exit; it is no longer part of the pair."""
        proc = self.procs.pop(host)
        try:
            proc.wait(STOP_WAIT_S)
        except LabError as exc:
            proc.stop()
            raise BenchError(f"{proc.name} ignored SIGTERM for {STOP_WAIT_S} s") from exc

    def check_running(self) -> None:
        for proc in self.procs.values():
            if not proc.running:
                raise BenchError(f"{proc.name} exited ({proc.poll()}):\n{proc.log_tail(15)}")


def keepalived_refuses(lab: Lab, setting: Setting) -> str | None:
    """keepalived's own config test (`keepalived -t`) on this interval: None if accepted."""
    conf = lab.dir / f"keepalived-check-{setting.advert_int:g}.conf"
    conf.write_text(keepalived_config("r1", setting))
    argv = [KEEPALIVED, "-t", "-f", str(conf), "-l", "--no-syslog", "--log-console"]
    try:
        done = lab["r1"].run(argv, check=False, timeout=10)
    except LabError as exc:
        return f"keepalived -t did not run: {exc}"
    if done.returncode == 0:
        return None
    return f"keepalived -t exited {done.returncode}: " + " ".join(
        (done.stderr or done.stdout).split()
    )


def snapshot(prober: Prober) -> ProbeResult:
    """The prober's result so far, ignoring a last line the agent has not finished writing."""
    text = prober.out_path.read_text() if prober.out_path.exists() else ""
    return analyse(text[: text.rfind("\n") + 1], target=VIP, reply_timeout=REPLY_TIMEOUT_S)


def answered_since(prober: Prober, since: float) -> int:
    return sum(1 for p in snapshot(prober).probes if p.sent_at >= since and p.received_at)


def synced_port_down(lab: Lab, host: str, timeout: float) -> dict:
    """Take host's port down the instant its next advert passes the switch (bench_fault)."""
    (port,) = lab[host].plan.ports
    out = lab.dir / f"fault-{host}-{time.monotonic_ns()}.log"
    argv = bench_fault.agent_argv(port, timeout=timeout, out=str(out))
    agent = lab.switch.popen(argv, name=out.stem)
    try:
        wait_until(
            lambda: out.exists() and out.read_text().startswith("READY"),
            5,
            0.005,
            message="fault agent ready",
        )
        agent.wait(timeout + 5)
    finally:
        agent.stop()
    words = out.read_text().split()
    if "DOWN" not in words:
        lab.port_down(host)  # no advert seen: still pull the cable, at a random phase
        return {"synced": False}
    seen, down = (float(w) for w in words[words.index("DOWN") + 1 :][:2])
    return {"synced": True, "advert_to_down_ms": (down - seen) * 1000, "event_at": down}


def measure(lab: Lab, setting: Setting, event: Callable[[], dict | None], expect: str) -> tuple:
    """Probe the VIP around `event` until `expect` alone holds the VIP and answers the client;
    return (outage_ms, details)."""
    timeout = setting.master_down(PRIORITY["r2"]) + 10
    prober = lab.probe(VIP, interval=setting.probe_interval, reply_timeout=REPLY_TIMEOUT_S)
    prober.start()
    try:
        wait_until(
            lambda: answered_since(prober, 0) >= 20,
            5,
            POLL_S,
            message="client reaches the VIP before the event",
        )
        started = time.monotonic()
        details = event() or {}
        wait_until(
            lambda: lab.vip_holders(VIP) == [expect],
            timeout,
            POLL_S,
            message=f"{VIP} held by {expect} alone",
        )
        moved = time.monotonic()
        wait_until(
            lambda: answered_since(prober, moved) >= 20,
            5,
            POLL_S,
            message=f"client answered by {expect}",
        )
        time.sleep(SETTLE_S)  # a late announcement that pulls the client away still counts
    finally:
        result = prober.stop()
    if not result.recovered or lab.host_by_mac(result.last_mac) != expect:
        raise BenchError(f"client did not end up on {expect}: {result}")
    event_at = details.pop("event_at", started)
    sends = [p.sent_at for p in result.probes]
    stall = max((b - a for a, b in itertools.pairwise(sends)), default=0.0)
    details.update(
        max_send_gap_ms=round(stall * 1000, 2),
        edge_send_gap_ms=round(edge_send_gap(result) * 1000, 2),
        lost=result.lost,
        sent=result.sent,
        duplicates=result.duplicates,
        takeover_s=round(moved - event_at, 4),
    )
    for name, at in (("gap_start", result.gap_start), ("gap_end", result.gap_end)):
        if at is not None:  # relative to the event: how the gap sits around it
            details[f"{name}_after_event_ms"] = round((at - event_at) * 1000, 2)
    return result.outage_ms, details


def edge_send_gap(result: ProbeResult) -> float:
    """The longer of the prober's own send gaps at the two edges of the outage (seconds).

    Normally one probe interval. A prober the machine did not schedule in time (a VM's vCPU
    stolen by the host, say) leaves a longer one, and the outage is then only known to within
    that much; elsewhere in the run a stall does not change the number.
    """
    probes = result.probes
    edges = []
    for index, probe in enumerate(probes):
        if probe.received_at is None:
            continue
        if probe.received_at == result.gap_start and index + 1 < len(probes):
            edges.append(probes[index + 1].sent_at - probe.sent_at)
        if probe.received_at == result.gap_end and index > 0:
            edges.append(probe.sent_at - probes[index - 1].sent_at)
    return max(edges, default=0.0)


def run_round(lab: Lab, pair: Pair, setting: Setting, record: Callable[..., None]) -> None:
    """The four events of one round, starting and ending with r1 master, r2 backup."""
    pair.check_running()
    if lab.vip_holders(VIP) != ["r1"]:
        raise BenchError(f"round starts with {VIP} on {lab.vip_holders(VIP)}, not r1 alone")
    fault_wait = 2 * setting.advert_int + 2
    steps: list[tuple[str, Callable[[], dict | None], str]] = [
        ("hard", lambda: synced_port_down(lab, "r1", fault_wait), "r2"),
        ("preempt_portup", lambda: lab.port_up("r1"), "r1"),
        ("graceful", lambda: pair.terminate("r1"), "r2"),
        ("preempt_restart", lambda: pair.start("r1"), "r1"),
    ]
    for key, event, expect in steps:
        record(key, *measure(lab, setting, event, expect))
        if key == "graceful":
            pair.wait_stopped("r1")
        pair.check_running()


def start_pair(lab: Lab, pair: Pair, setting: Setting) -> None:
    pair.start("r1")
    pair.start("r2")
    wait_until(
        lambda: lab.vip_holders(VIP) == ["r1"],
        setting.master_down(PRIORITY["r2"]) + 15,
        POLL_S,
        message=f"{pair.impl} pair up with r1 master",
    )
    pair.check_running()
    time.sleep(SETTLE_S)


def status_times(proc: LabProcess, calls: int = STATUS_CALLS) -> list[float]:
    """Wall time of `python -m vrrpd status --json` (a new interpreter each call). The control
    socket is a file path, so this runs outside the namespaces and touches no network."""
    argv = [
        sys.executable,
        "-m",
        "vrrpd",
        "status",
        "--json",
        "--socket",
        str(proc.files["socket"]),
    ]
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=10, env={**os.environ, **vrrpd_env()}
        )
        times.append(time.perf_counter() - began)
        if done.returncode != 0 or not json.loads(done.stdout).get("instances"):
            raise BenchError(f"vrrpd status failed ({done.returncode}): {done.stderr.strip()}")
    return times


def run_series(
    impl: str, key: str, rounds: int, results: BenchResults, labs: Callable[[], str], say: Say
) -> None:
    """`rounds` rounds of one implementation at one interval; a failed round costs its lab."""
    setting = SETTINGS[key]
    done = 0  # rounds finished or failed
    while done < rounds:
        with Lab(labs(), hosts=("r1", "r2"), ipv6=False) as lab:
            if impl == "keepalived" and (why := keepalived_refuses(lab, setting)):
                results.unsupported[f"keepalived {key}"] = f"{setting.label}: {why}"
                say(f"  keepalived {setting.label}: n/a ({why})")
                return
            pair = Pair(lab, impl, setting)
            try:
                try:
                    start_pair(lab, pair, setting)
                except LabError:
                    done += 1  # the round this lab was built for is lost
                    raise
                while done < rounds:
                    done += 1
                    _one_round(lab, pair, setting, done, results, impl, key, say)
            except LabError as exc:
                _fail_rest(results, impl, key, done, exc)
                say(f"  {impl} {setting.label} round {done} FAILED: {exc}\n{lab.report(10)}")
                continue
            if impl == "vrrpd" and not results.status_times_s:
                try:
                    results.status_times_s = status_times(pair.procs["r1"])
                except (LabError, subprocess.SubprocessError, ValueError) as exc:
                    results.status_note = str(exc)


def _one_round(
    lab: Lab,
    pair: Pair,
    setting: Setting,
    number: int,
    results: BenchResults,
    impl: str,
    key: str,
    say: Say,
) -> None:
    def record(scenario: str, outage_ms: float, details: dict) -> None:
        results.samples.append(Sample(impl, key, scenario, number, outage_ms, None, details))

    began = time.monotonic()
    run_round(lab, pair, setting, record)
    mine = [s for s in results.samples if (s.impl, s.setting, s.round) == (impl, key, number)]
    say(
        f"  {impl:<10} {setting.label:<9} round {number}: "
        + "  ".join(f"{s.scenario} {s.outage_ms:.1f}" for s in mine)
        + f"  ({time.monotonic() - began:.0f} s)"
    )


def _fail_rest(results: BenchResults, impl: str, key: str, number: int, exc: Exception) -> None:
    """Mark the scenarios of round `number` that have no sample yet as failed."""
    have = {
        s.scenario for s in results.samples if (s.impl, s.setting, s.round) == (impl, key, number)
    }
    for scenario in SCENARIOS:
        if scenario.key not in have:
            error = " ".join(str(exc).split())[:300]
            results.samples.append(Sample(impl, key, scenario.key, number, None, error))


def run_bench(
    settings: list[str], rounds: int, *, prefix: str | None = None, say: Say = print
) -> BenchResults:
    """Every interval, each implementation in turn (so both see the same machine state)."""
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, not {rounds}")
    unknown = [k for k in settings if k not in SETTINGS]
    if unknown:
        raise ValueError(f"unknown advert intervals {unknown}; choose from {list(SETTINGS)}")
    base = validate_prefix(prefix or new_prefix())
    counter = iter(range(1, 10_000))
    results = BenchResults(settings=list(settings), rounds=rounds)
    began = time.monotonic()
    say(f"labs {base}b1, {base}b2, ... (leftovers: python -m netns_lab sweep --glob '{base}b*')")
    for key in settings:
        for impl in IMPLEMENTATIONS:
            say(f"{impl} at advert_int {SETTINGS[key].label}, {rounds} round(s)")
            run_series(impl, key, rounds, results, lambda: f"{base}b{next(counter)}", say)
    if not results.status_times_s:
        results.status_note = "no vrrpd pair ran to the end of a series"
    results.runtime_s = time.monotonic() - began
    return results
