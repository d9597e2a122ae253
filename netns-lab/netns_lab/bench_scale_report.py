"""The scale bench's numbers and their printed tables (pure: bench_scale.py fills them).

Every figure is vrrpd's next to keepalived's from the same run, with the ratio, because the
machine is shared and absolute numbers move with whatever else runs on it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field

from .bench_scale_plan import CASES

IMPLS = ("vrrpd", "keepalived")


@dataclass
class CostRow:
    """One case on one implementation: r1 master, r2 backup."""

    case: str
    impl: str
    master_cores: float | None = None  # CPU s per wall s, summed over the daemon's processes
    backup_cores: float | None = None
    master_rss_mib: float | None = None
    backup_rss_mib: float | None = None
    all_up_s: float | None = None  # master daemon started -> every VIP on r1
    moved_s: float | None = None  # r1's port down -> every VIP on r2
    outage_ms: float | None = None  # the client's, probing the first VIP across the move
    timeline: list[tuple[float, bool]] = field(default_factory=list)  # (ms after down, answered)
    error: str | None = None


@dataclass
class HogRun:
    """One advertiser (r1, 10 ms) under a CPU hog on every core, seen from a capture."""

    variant: str  # "vrrpd", "vrrpd rt", "keepalived", "keepalived rt"
    duration_s: float
    sent: int = 0
    due: int = 0
    max_gap_ms: float | None = None
    p999_gap_ms: float | None = None
    mean_gap_ms: float | None = None
    takeovers: int = 0  # runs of adverts from the backup: it believed the master dead
    error: str | None = None


@dataclass
class ScaleResults:
    cases: list[str]
    cost: list[CostRow] = field(default_factory=list)
    owner_start_s: dict[str, list[float]] = field(default_factory=dict)
    hog: list[HogRun] = field(default_factory=list)
    cost_window_s: float = 0.0
    runtime_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    def row(self, case: str, impl: str) -> CostRow | None:
        return next((r for r in self.cost if (r.case, r.impl) == (case, impl)), None)

    def failures(self) -> list[str]:
        found = [f"{r.impl} {r.case}: {r.error}" for r in self.cost if r.error]
        return found + [f"hog {h.variant}: {h.error}" for h in self.hog if h.error]

    def as_json(self) -> dict:
        return asdict(self)


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in zip(ordered, ordered[1:], strict=False)]


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile (fraction 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def takeover_runs(times: list[float], quiet_s: float) -> int:
    """Separate runs of adverts (a new run after `quiet_s` of silence)."""
    runs, last = 0, None
    for t in sorted(times):
        if last is None or t - last > quiet_s:
            runs += 1
        last = t
    return runs


def hog_figures(run: HogRun, master: list[float], backup: list[float], interval: float,
                began: float, ended: float) -> HogRun:
    """Fill a HogRun from advert timestamps (seconds, one clock) inside [began, ended]."""
    inside = [t for t in master if began <= t <= ended]
    between = gaps(inside)
    run.sent = len(inside)
    run.due = round((ended - began) / interval)
    if between:
        run.max_gap_ms = max(between) * 1000
        run.p999_gap_ms = (percentile(between, 0.999) or 0.0) * 1000
        run.mean_gap_ms = statistics.fmean(between) * 1000
    run.takeovers = takeover_runs([t for t in backup if began <= t <= ended], 10 * interval)
    return run


def _num(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None:
        return "n/a"
    if theirs <= 0:
        return "inf" if ours > 0 else "1.0"
    return f"{ours / theirs:.1f}x"


def _pair(ours: float | None, theirs: float | None, digits: int) -> str:
    return f"{_num(ours, digits)} / {_num(theirs, digits)} ({_ratio(ours, theirs)})"


COST_HEADER = (f"{'case':<24} {'master cores v / ka':>26} {'backup cores v / ka':>26} "
               f"{'RSS MiB v / ka':>22} {'all VIPs up s v / ka':>24} {'moved s v / ka (diff)':>28}")


def cost_table(results: ScaleResults) -> str:
    lines = [f"== cost at scale (cores over {results.cost_window_s:g} s; v = vrrpd, "
             "ka = keepalived, same run)", COST_HEADER]
    for key in results.cases:
        v = results.row(key, "vrrpd") or CostRow(key, "vrrpd")
        k = results.row(key, "keepalived") or CostRow(key, "keepalived")
        diff = (None if v.moved_s is None or k.moved_s is None
                else f"{(v.moved_s - k.moved_s) * 1000:+.0f} ms")
        moved = f"{_num(v.moved_s, 3)} / {_num(k.moved_s, 3)} ({diff or 'n/a'})"
        lines.append(
            f"{CASES[key].label:<24} {_pair(v.master_cores, k.master_cores, 4):>26} "
            f"{_pair(v.backup_cores, k.backup_cores, 4):>26} "
            f"{_pair(v.master_rss_mib, k.master_rss_mib, 1):>22} "
            f"{_pair(v.all_up_s, k.all_up_s, 2):>24} {moved:>28}"
        )
    return "\n".join(lines)


def owner_line(results: ScaleResults) -> str:
    parts = []
    for impl in IMPLS:
        times = results.owner_start_s.get(impl) or []
        med = statistics.median(times) if times else None
        parts.append(f"{impl} median {_num(med, 3)} s (max {_num(max(times, default=None), 3)},"
                     f" {len(times)} starts)")
    return "== owner (priority 255) start -> VIP up: " + "; ".join(parts)


HOG_HEADER = (f"{'variant':<15} {'sent/due':>13} {'sent %':>7} {'max gap ms':>11} "
              f"{'p99.9 ms':>9} {'mean ms':>8} {'false takeovers':>16}")


def hog_table(results: ScaleResults) -> str:
    if not results.hog:
        return "== cadence under a CPU hog: not run"
    duration = results.hog[0].duration_s
    lines = [f"== 10 ms adverts under a CPU hog on every core for {duration:g} s "
             "(gaps from a capture on the client)", HOG_HEADER]
    for run in results.hog:
        if run.error:
            lines.append(f"{run.variant:<15} FAILED: {run.error}")
            continue
        share = f"{run.sent / run.due * 100:.1f}" if run.due else "n/a"
        lines.append(f"{run.variant:<15} {f'{run.sent}/{run.due}':>13} {share:>7} "
                     f"{_num(run.max_gap_ms, 1):>11} {_num(run.p999_gap_ms, 1):>9} "
                     f"{_num(run.mean_gap_ms, 2):>8} {run.takeovers:>16}")
    return "\n".join(lines)


LEGEND = (
    "Legend: r1 (priority 150) is master and r2 (priority 100) backup of every instance, one "
    "/32 or /128 VIP each, VRRPv3. cores = CPU seconds per wall second of all the daemon's "
    "processes (keepalived: parent + VRRP child), from /proc/PID/task/*/schedstat over the "
    "window; RSS = VmRSS summed over them, on the master. all VIPs up = r1's daemon started "
    "alone -> its last VIP appears (rtnetlink event; the protocol's Master_Down_Interval "
    "is part of it). moved = r1's switch ports down (right after an advert) -> r2 holds "
    "every VIP. owner start = exec of the daemon -> its VIP appears. Ratios are vrrpd / "
    "keepalived; absolute numbers vary with the machine's other load."
)


def render(results: ScaleResults) -> str:
    parts = [cost_table(results), owner_line(results), hog_table(results)]
    parts += results.notes
    parts += [f"FAILED {what}" for what in results.failures()]
    parts.append(f"scale section runtime {results.runtime_s:.0f} s")
    parts.append(LEGEND)
    return "\n\n".join(parts)
