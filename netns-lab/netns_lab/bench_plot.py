"""The scale section as a picture: the client's replies around each failover, and the cost.

matplotlib is a bench-only extra (`pip install -e '.[bench]'`, which `make bench` does); the
lab itself stays stdlib-only, so it is imported here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

from .bench_scale_plan import CASES
from .bench_scale_report import IMPLS, ScaleResults

COLOURS = {"vrrpd": "#1f77b4", "keepalived": "#ff7f0e"}


def plot(results: ScaleResults, path: Path) -> str:
    """Write the PNG; return one line saying where (or why not)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "picture not written: matplotlib is missing (pip install -e '.[bench]')"
    cases = [c for c in results.cases if any(r.case == c and r.timeline for r in results.cost)]
    fig = plt.figure(figsize=(13, 4 + 0.6 * max(1, len(cases)) * 2), constrained_layout=True)
    grid = fig.add_gridspec(2, 3, height_ratios=[max(1, len(cases)) * 1.2, 3])
    timeline = fig.add_subplot(grid[0, :])
    _timelines(timeline, results, cases)
    for column, (field, title) in enumerate((
        ("master_cores", "master CPU (cores)"),
        ("backup_cores", "backup CPU (cores)"),
        ("master_rss_mib", "master RSS (MiB)"),
    )):
        _bars(fig.add_subplot(grid[1, column]), results, field, title)
    fig.suptitle("vrrpd vs keepalived, same run (netns lab)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return f"picture written to {path}"


def _timelines(ax, results: ScaleResults, cases: list[str]) -> None:
    """One line per case and implementation: answered probes dots, lost probes red."""
    labels, y = [], 0
    for case in cases:
        for impl in IMPLS:
            row = results.row(case, impl)
            if row is None or not row.timeline:
                continue
            ok = [t / 1000 for t, answered in row.timeline if answered]
            lost = [t / 1000 for t, answered in row.timeline if not answered]
            ax.scatter(ok, [y] * len(ok), s=4, color=COLOURS[impl], marker="|")
            ax.scatter(lost, [y] * len(lost), s=4, color="#d62728", marker="|")
            if row.moved_s is not None:
                ax.plot([row.moved_s], [y], marker="v", color="black", markersize=5)
            labels.append(f"{CASES[case].label} {impl}")
            y += 1
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("seconds after the master's switch port went down (red: probe unanswered,"
                  " v: last VIP on the backup)")
    ax.set_title("client's ICMP probes to the first VIP around each failover")
    ax.invert_yaxis()


def _bars(ax, results: ScaleResults, field: str, title: str) -> None:
    width = 0.4
    keys = results.cases
    for offset, impl in ((-width / 2, "vrrpd"), (width / 2, "keepalived")):
        values = []
        for key in keys:
            row = results.row(key, impl)
            value = getattr(row, field) if row is not None else None
            values.append(value or 0.0)
        ax.bar([i + offset for i in range(len(keys))], values, width, label=impl,
               color=COLOURS[impl])
    ax.set_xticks(range(len(keys)), [CASES[k].label.split(" (")[0] for k in keys],
                  rotation=30, fontsize=8)
    ax.set_title(title)
    ax.legend(fontsize=8)
