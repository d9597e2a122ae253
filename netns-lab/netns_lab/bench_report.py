"""What the benchmark measures, the protocol floors it compares with, and the printed tables.

Pure (no lab, no processes): the runner in bench.py fills a BenchResults, this module turns it
into text and JSON.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field

IMPLEMENTATIONS = ("vrrpd", "keepalived")
PRIORITY = {"r1": 150, "r2": 100}  # r1 is the preferred master, r2 the backup
PREEMPT_TARGET_PROBES = 2  # preempt-back target: an outage of at most two probe intervals
PROBE_JITTER = 1.1  # ... give or take the prober's send jitter (one lost probe = 2 intervals)
FLOOR_MARGIN_MS = 10.0  # hard fault / graceful target: median within this of the floor
STALL_PROBES = 3  # a prober that sent nothing for this many intervals at an outage's edge


@dataclass(frozen=True)
class Setting:
    """One advert interval under test, with the VRRP version that carries it."""

    advert_int: float  # seconds
    version: int

    @property
    def label(self) -> str:
        if self.advert_int >= 1:
            return f"{self.advert_int:g} s v{self.version}"
        return f"{self.advert_int * 1000:g} ms v{self.version}"

    @property
    def probe_interval(self) -> float:
        """5 ms, finer (2 ms) where the advert interval itself is only 10 ms."""
        return 0.005 if self.advert_int >= 0.05 else 0.002

    def skew(self, priority: int) -> float:
        """Skew_Time in seconds: RFC 5798 scales it by the interval, RFC 3768 does not."""
        if self.version == 2:
            return (256 - priority) / 256
        return (256 - priority) * self.advert_int / 256

    def master_down(self, priority: int) -> float:
        return 3 * self.advert_int + self.skew(priority)


SETTINGS = {
    "1": Setting(1.0, 2),
    "0.1": Setting(0.1, 3),
    "0.01": Setting(0.01, 3),
}


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    event: str

    def floor_ms(self, setting: Setting) -> float:
        """The outage the protocol itself imposes on the backup (prio 100) taking over."""
        backup = PRIORITY["r2"]
        if self.key == "hard":
            return setting.master_down(backup) * 1000
        if self.key == "graceful":
            return setting.skew(backup) * 1000
        return 0.0

    @property
    def is_preempt(self) -> bool:
        return self.key.startswith("preempt")


SCENARIOS = (
    Scenario("hard", "hard fault", "the master's switch port goes down right after an advert"),
    Scenario("graceful", "graceful stop", "SIGTERM to the master daemon (priority-0 advert)"),
    Scenario(
        "preempt_restart",
        "preempt-back: daemon restart",
        "the stopped higher-priority daemon starts again while r2 is master",
    ),
    Scenario(
        "preempt_portup",
        "preempt-back: port up",
        "the higher-priority router's switch port comes back while r2 is master",
    ),
)
SCENARIO_BY_KEY = {s.key: s for s in SCENARIOS}


@dataclass
class Sample:
    impl: str
    setting: str  # key of SETTINGS
    scenario: str  # key of SCENARIO_BY_KEY
    round: int
    outage_ms: float | None  # None: the round failed before this scenario gave a number
    error: str | None = None
    details: dict = field(default_factory=dict)


@dataclass
class BenchResults:
    settings: list[str]
    rounds: int
    samples: list[Sample] = field(default_factory=list)
    unsupported: dict[str, str] = field(default_factory=dict)  # "impl setting" -> why n/a
    status_times_s: list[float] = field(default_factory=list)
    status_note: str | None = None
    runtime_s: float = 0.0

    def outages(self, impl: str, setting: str, scenario: str) -> list[float]:
        return [
            s.outage_ms
            for s in self.samples
            if (s.impl, s.setting, s.scenario) == (impl, setting, scenario)
            and s.outage_ms is not None
            and math.isfinite(s.outage_ms)
        ]

    def failures(self) -> list[Sample]:
        return [s for s in self.samples if s.outage_ms is None or not math.isfinite(s.outage_ms)]

    def disturbed(self) -> list[Sample]:
        """Samples whose outage edges the prober missed its own schedule at (CPU starved)."""
        return [
            s
            for s in self.samples
            if s.details.get("edge_send_gap_ms", 0)
            > STALL_PROBES * SETTINGS[s.setting].probe_interval * 1000
        ]

    def as_json(self) -> dict:
        return {
            **{k: v for k, v in asdict(self).items() if k != "samples"},
            "probe_interval_ms": {k: SETTINGS[k].probe_interval * 1000 for k in self.settings},
            "floor_ms": {
                k: {s.key: SCENARIO_BY_KEY[s.key].floor_ms(SETTINGS[k]) for s in SCENARIOS}
                for k in self.settings
            },
            "samples": [asdict(s) for s in self.samples],
        }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _summary(values: list[float]) -> tuple[float | None, float | None]:
    return (statistics.median(values), max(values)) if values else (None, None)


def _target(scenario: Scenario, setting: Setting, vrrpd: list[float], ka: list[float]) -> str:
    if not vrrpd:
        return "n/a"
    probe_ms = setting.probe_interval * 1000
    if scenario.is_preempt:
        limit = PREEMPT_TARGET_PROBES * probe_ms * PROBE_JITTER
        return "met" if max(vrrpd) <= limit else "MISSED"
    median = statistics.median(vrrpd)
    near_floor = median - scenario.floor_ms(setting) <= FLOOR_MARGIN_MS
    not_worse = not ka or median <= statistics.median(ka) + probe_ms
    return "met" if near_floor and not_worse else "MISSED"


HEADER = (
    f"{'interval':<10} {'probe':>5} {'rounds':>6} {'floor':>8} {'vrrpd med':>9} {'max':>8} "
    f"{'ka med':>8} {'max':>8} {'v-floor':>8} {'v/ka':>6}  target"
)


def scenario_table(results: BenchResults, scenario: Scenario) -> str:
    lines = [f"== {scenario.title}: {scenario.event} (outage ms)", HEADER]
    for key in results.settings:
        setting = SETTINGS[key]
        vrrpd = results.outages("vrrpd", key, scenario.key)
        ka = results.outages("keepalived", key, scenario.key)
        v_med, v_max = _summary(vrrpd)
        k_med, k_max = _summary(ka)
        floor = scenario.floor_ms(setting)
        if f"keepalived {key}" in results.unsupported:
            k_med_text = k_max_text = "n/a*"
        else:
            k_med_text, k_max_text = _fmt(k_med), _fmt(k_max)
        if v_med is None or k_med is None:
            ratio = "n/a"
        elif k_med == 0:
            ratio = "1.00" if v_med == 0 else "inf"
        else:
            ratio = f"{v_med / k_med:.2f}"
        lines.append(
            f"{setting.label:<10} {setting.probe_interval * 1000:>3g}ms "
            f"{len(vrrpd)}/{len(ka):<4} {floor:>8.1f} {_fmt(v_med):>9} {_fmt(v_max):>8} "
            f"{k_med_text:>8} {k_max_text:>8} "
            f"{_fmt(None if v_med is None else v_med - floor):>8} {ratio:>6}  "
            f"{_target(scenario, setting, vrrpd, ka)}"
        )
    return "\n".join(lines)


LEGEND = (
    "Legend: outage = longest run of unanswered ICMP echo probes sent from the client to the "
    "VIP, from the last reply before it to the first reply after it (0 = no probe lost); "
    "med/max over the rounds; rounds = vrrpd/keepalived rounds with a number. r1 (priority "
    "150) is master, r2 (priority 100) the backup, both the same implementation, each with its "
    "default GARP schedule. floor = what the protocol imposes: hard fault 3 x advert_int + "
    "Skew_Time (v3: (256-100) x advert_int / 256, v2: (256-100)/256 s), graceful stop "
    "Skew_Time, preempt-back 0. The hard fault is struck right after an advert leaves the "
    "master, so every round sees the full Master_Down_Interval (the floor) instead of a random "
    "phase up to one interval shorter. Preempt-back is measured twice: the daemon starting "
    "again (reboot, upgrade: the usual way an old master returns) and the switch port coming "
    "back with the daemon running (cable, switch reload). v-floor = vrrpd median - floor (the "
    "cost of noticing, adding the VIP and announcing it, plus up to one probe interval of "
    "sampling); v/ka = vrrpd median / keepalived median. target: hard fault and graceful stop "
    "want the vrrpd median within 10 ms of the floor and at most one probe interval above "
    "keepalived's median; preempt-back wants the vrrpd max within two probe intervals (+10% "
    "send jitter: at most one probe lost). n/a* = keepalived cannot run that interval."
)


def render(results: BenchResults) -> str:
    parts = [scenario_table(results, scenario) for scenario in SCENARIOS]
    for what, why in results.unsupported.items():
        parts.append(f"* {what}: {why}")
    times = results.status_times_s
    if times:
        parts.append(
            f"vrrpd status --json: median {statistics.median(times) * 1000:.0f} ms, max "
            f"{max(times) * 1000:.0f} ms wall time over {len(times)} calls "
            "(a fresh Python process each, against a running daemon)"
        )
    else:
        parts.append(f"vrrpd status --json: not measured ({results.status_note or 'no daemon'})")
    for sample in results.disturbed():
        parts.append(
            f"DISTURBED {sample.impl} {SETTINGS[sample.setting].label} "
            f"{SCENARIO_BY_KEY[sample.scenario].title} round {sample.round}: the prober itself "
            f"sent nothing for {sample.details['edge_send_gap_ms']:.0f} ms at an edge of the "
            f"outage (not scheduled in time): its {sample.outage_ms:.1f} ms is known only to that"
        )
    failures = results.failures()
    for sample in failures:
        parts.append(
            f"FAILED {sample.impl} {SETTINGS[sample.setting].label} "
            f"{SCENARIO_BY_KEY[sample.scenario].title} round {sample.round}: {sample.error}"
        )
    parts.append(f"total runtime {results.runtime_s:.0f} s")
    parts.append(LEGEND)
    return "\n\n".join(parts)
