"""`python -m netns_lab bench`: the pure parts (floors, tables, config text, guards) and one
quick real run that must produce finite numbers for both implementations and every scenario.

Timing is never asserted here: the benchmark reports numbers, it does not judge them.
"""

from __future__ import annotations

import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from netns_lab import analyse, bench, keepalived_conf
from netns_lab.bench import (
    Pair,
    edge_send_gap,
    keepalived_config,
    keepalived_refuses,
    run_bench,
    vrrpd_config,
)
from netns_lab.bench_fault import is_vrrp
from netns_lab.bench_fault import main as fault_main
from netns_lab.bench_report import (
    IMPLEMENTATIONS,
    SCENARIO_BY_KEY,
    SCENARIOS,
    SETTINGS,
    BenchResults,
    Sample,
    render,
    scenario_table,
)

from vrrpd.config import load_config

REPO = Path(__file__).resolve().parents[2]
LAB_ENV = {**os.environ, "PYTHONPATH": str(REPO / "netns-lab")}  # the lab is not installed

# -- floors and settings ----------------------------------------------------------------------


def test_settings_labels_and_probe_intervals():
    assert [(s.label, s.probe_interval) for s in SETTINGS.values()] == [
        ("1 s v2", 0.005),
        ("100 ms v3", 0.005),
        ("10 ms v3", 0.002),
    ]


@pytest.mark.parametrize(
    ("key", "scenario", "floor_ms"),
    [
        ("1", "hard", 3000 + 156 / 256 * 1000),  # v2: skew in whole seconds, not scaled
        ("1", "graceful", 156 / 256 * 1000),
        ("0.1", "hard", 300 + 156 * 100 / 256),  # v3: skew scaled by the interval
        ("0.01", "graceful", 156 * 10 / 256),
        ("0.1", "preempt_restart", 0.0),
        ("0.01", "preempt_portup", 0.0),
    ],
)
def test_protocol_floor(key, scenario, floor_ms):
    assert SCENARIO_BY_KEY[scenario].floor_ms(SETTINGS[key]) == pytest.approx(floor_ms)


# -- tables ------------------------------------------------------------------------------------


def _results(**outages) -> BenchResults:
    """One round at 100 ms: outages["vrrpd_hard"] = 365.0 and so on."""
    results = BenchResults(settings=["0.1"], rounds=1)
    for name, value in outages.items():
        impl, scenario = name.split("_", 1)
        results.samples.append(Sample(impl, "0.1", scenario, 1, value))
    return results


def test_table_row_has_medians_difference_ratio_and_target():
    results = _results(vrrpd_hard=365.0, keepalived_hard=362.0)
    row = scenario_table(results, SCENARIO_BY_KEY["hard"]).splitlines()[2]
    assert row.split() == [
        *("100", "ms", "v3", "5ms", "1/1", "360.9", "365.0", "365.0", "362.0", "362.0"),
        *("4.1", "1.01", "met"),
    ]


def test_target_missed_when_far_above_floor_or_worse_than_keepalived():
    far = _results(vrrpd_graceful=80.0, keepalived_graceful=80.0)
    worse = _results(vrrpd_graceful=66.0, keepalived_graceful=60.0)
    for results in (far, worse):
        table = scenario_table(results, SCENARIO_BY_KEY["graceful"])
        assert table.splitlines()[2].endswith("MISSED")


def test_preempt_target_allows_one_lost_probe_only():
    one = scenario_table(_results(vrrpd_preempt_restart=10.2), SCENARIO_BY_KEY["preempt_restart"])
    two = scenario_table(_results(vrrpd_preempt_restart=15.1), SCENARIO_BY_KEY["preempt_restart"])
    assert one.splitlines()[2].endswith("met")
    assert two.splitlines()[2].endswith("MISSED")


def test_ratio_of_zero_outages_and_missing_numbers():
    both_zero = _results(vrrpd_preempt_portup=0.0, keepalived_preempt_portup=0.0)
    row = scenario_table(both_zero, SCENARIO_BY_KEY["preempt_portup"]).splitlines()[2]
    assert row.split()[-2:] == ["1.00", "met"]
    only_vrrpd = _results(vrrpd_preempt_portup=4.0, keepalived_preempt_portup=0.0)
    row = scenario_table(only_vrrpd, SCENARIO_BY_KEY["preempt_portup"]).splitlines()[2]
    assert row.split()[-2] == "inf"
    empty = scenario_table(_results(), SCENARIO_BY_KEY["hard"]).splitlines()[2]
    assert empty.split()[4:] == ["0/0", "360.9", *["n/a"] * 7]


def test_render_lists_failures_unsupported_status_and_legend():
    results = _results(vrrpd_hard=365.0)
    results.samples.append(Sample("keepalived", "0.1", "hard", 1, None, "r2 never took over"))
    results.unsupported["keepalived 0.1"] = "100 ms v3: keepalived -t exited 5"
    results.status_times_s = [0.1, 0.12, 0.2]
    text = render(results)
    assert "FAILED keepalived 100 ms v3 hard fault round 1: r2 never took over" in text
    assert "n/a*" in text and "* keepalived 0.1: 100 ms v3: keepalived -t exited 5" in text
    assert "vrrpd status --json: median 120 ms, max 200 ms wall time over 3 calls" in text
    assert "Legend:" in text
    assert [s.impl for s in results.failures()] == ["keepalived"]


def test_a_starved_prober_is_flagged_not_hidden():
    results = _results(vrrpd_graceful=70.0, keepalived_graceful=66.0)
    results.samples[0].details["edge_send_gap_ms"] = 14.0  # under 3 probe intervals: fine
    results.samples[1].details["edge_send_gap_ms"] = 450.0
    assert [s.impl for s in results.disturbed()] == ["keepalived"]
    text = render(results)
    assert (
        "DISTURBED keepalived 100 ms v3 graceful stop round 1: the prober itself sent nothing "
        "for 450 ms at an edge of the outage" in text
    )
    assert "DISTURBED vrrpd" not in text


def _probe_log(sends: list[float], answered: set[int]) -> str:
    lines = ["READY 0.0"]
    for seq, at in enumerate(sends):
        lines.append(f"S {seq} {at:.6f}")
        if seq in answered:
            lines.append(f"R {seq} {at + 0.0002:.6f} 02:1a:00:00:00:0c")
    return "\n".join(lines) + "\n"


def test_edge_send_gap_is_the_prober_stall_at_the_outage_edges():
    steady = [n * 0.005 for n in range(10)]
    result = analyse(_probe_log(steady, {0, 1, 2, 3, 7, 8, 9}), target="x", reply_timeout=0.5)
    assert edge_send_gap(result) == pytest.approx(0.005)
    stalled = [*steady[:7], 0.060, 0.065, 0.070]  # nothing sent for 30 ms before recovery
    result = analyse(_probe_log(stalled, {0, 1, 2, 3, 7, 8, 9}), target="x", reply_timeout=0.5)
    assert edge_send_gap(result) == pytest.approx(0.030)
    no_loss = analyse(_probe_log(stalled, set(range(10))), target="x", reply_timeout=0.5)
    assert edge_send_gap(no_loss) == 0.0


def test_json_holds_samples_floors_and_probe_intervals():
    data = json.loads(json.dumps(_results(vrrpd_hard=365.0).as_json()))
    assert data["samples"][0]["outage_ms"] == 365.0
    assert data["floor_ms"]["0.1"]["hard"] == pytest.approx(360.9375)
    assert data["probe_interval_ms"] == {"0.1": 5.0}


# -- config text -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(SETTINGS))
def test_vrrpd_config_is_valid_for_vrrpd(tmp_path, key):
    path = tmp_path / "r2.toml"
    path.write_text(vrrpd_config("r2", SETTINGS[key]))
    (inst,) = load_config(path).instances
    assert (inst.priority, inst.advert_int, inst.version) == (
        100,
        SETTINGS[key].advert_int,
        SETTINGS[key].version,
    )


def test_keepalived_config_matches_the_lab_writer():
    text = keepalived_config("r1", SETTINGS["0.01"])
    assert "priority 150" in text and "advert_int 0.01" in text and "version 3" in text
    expected = keepalived_conf(
        router_id="r1", vrid=51, priority=150, advert_int=0.01, version=3, vips=["192.0.2.100/24"]
    )
    assert text == expected


# -- guards ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"settings": ["0.1"], "rounds": 0}, "rounds must be >= 1"),
        ({"settings": ["0.5"], "rounds": 1}, "unknown advert intervals"),
        ({"settings": ["0.1"], "rounds": 1, "prefix": "Bad-Prefix"}, "lab prefix"),
    ],
)
def test_run_bench_rejects_bad_arguments_before_building_anything(kwargs, message):
    with pytest.raises(ValueError, match=message):
        run_bench(say=lambda line: None, **kwargs)


def test_pair_rejects_an_unknown_implementation():
    with pytest.raises(ValueError, match="implementation 'bird'"):
        Pair(None, "bird", SETTINGS["0.1"])  # type: ignore[arg-type]


def _frame(ethertype: int, payload: bytes) -> bytes:
    return b"\x01\x00\x5e\x00\x00\x12" + b"\x02" * 6 + struct.pack("!H", ethertype) + payload


def test_fault_agent_recognises_vrrp_only():
    ip4 = bytes(9) + bytes([112]) + bytes(10)
    ip6 = bytes(6) + bytes([112]) + bytes(33)
    assert is_vrrp(_frame(0x0800, ip4))
    assert is_vrrp(_frame(0x86DD, ip6))
    assert not is_vrrp(_frame(0x0800, bytes(9) + bytes([1]) + bytes(10)))  # ICMP
    assert not is_vrrp(_frame(0x0806, bytes(28)))  # ARP
    assert not is_vrrp(_frame(0x0800, ip4[:10]))  # truncated IPv4 header
    assert not is_vrrp(b"\x00" * 13)


@pytest.mark.parametrize("timeout", ["0", "-1", "601"])
def test_fault_agent_rejects_a_bad_timeout(tmp_path, timeout):
    with pytest.raises(SystemExit):
        fault_main(["p-r1", "--timeout", timeout, "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


# -- the real thing --------------------------------------------------------------------------


@pytest.mark.lab
def test_keepalived_accepts_10_ms_and_a_refusal_is_explained(lab, monkeypatch):
    lab_ = lab(hosts=("r1",), client=False, ipv6=False)
    assert keepalived_refuses(lab_, SETTINGS["0.01"]) is None
    too_fast = keepalived_config("r1", SETTINGS["0.01"]).replace(
        "advert_int 0.01", "advert_int 0.001"
    )
    monkeypatch.setattr(bench, "keepalived_config", lambda host, setting: too_fast)
    why = keepalived_refuses(lab_, SETTINGS["0.01"])
    assert why is not None and "outside range" in why, why


@pytest.mark.lab
@pytest.mark.timeout(120)
def test_quick_bench_measures_every_scenario_for_both(lab_session, tmp_path):
    raw = tmp_path / "bench.json"
    argv = [sys.executable, "-m", "netns_lab", "bench", "--quick", "--json", str(raw)]
    done = subprocess.run(
        [*argv, "--prefix", lab_session.next_prefix()],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=REPO,
        env=LAB_ENV,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads(raw.read_text())
    assert data["settings"] == ["0.1"] and data["rounds"] == 1
    got = {(s["impl"], s["scenario"]): s["outage_ms"] for s in data["samples"]}
    for impl in IMPLEMENTATIONS:
        for scenario in SCENARIOS:
            outage = got.get((impl, scenario.key))
            assert outage is not None and math.isfinite(outage) and outage >= 0, (impl, scenario)
    hard = [s for s in data["samples"] if s["scenario"] == "hard"]
    assert all(s["details"]["synced"] for s in hard)  # the fault agent saw an advert each time
    assert all(s["details"]["max_send_gap_ms"] > 0 for s in data["samples"])
    assert all(s["details"]["edge_send_gap_ms"] > 0 for s in hard)  # a hard fault loses probes
    assert len(data["status_times_s"]) == 10
    for scenario in SCENARIOS:
        assert f"== {scenario.title}:" in done.stdout
    row = next(line for line in done.stdout.splitlines() if line.startswith("100 ms v3"))
    assert "n/a" not in row  # numbers for vrrpd and keepalived
    assert "vrrpd status --json: median" in done.stdout


@pytest.mark.lab
@pytest.mark.timeout(120)
def test_routed_bench_rows(lab_session, tmp_path):
    """`bench --routed-only`: the routed rows, split into VRRP detection and BGP propagation."""
    raw = tmp_path / "routed.json"
    argv = [sys.executable, "-m", "netns_lab", "bench", "--routed-only", "--quick"]
    argv += ["--json", str(raw)]
    done = subprocess.run(
        [*argv, "--prefix", lab_session.next_prefix()],
        capture_output=True,
        text=True,
        timeout=110,
        cwd=REPO,
        env=LAB_ENV,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    routed = json.loads(raw.read_text())["routed"]
    assert {s["scenario"] for s in routed["samples"]} == {"fault", "stop"}
    for sample in routed["samples"]:
        parts = sample["detection_ms"] + sample["propagation_ms"]
        assert math.isclose(parts, sample["outage_ms"], abs_tol=1.0), sample
        assert sample["detection_ms"] >= 0 and sample["propagation_ms"] >= 0
    assert "hard fault (uplink pulled)" in done.stdout and "BGP propagation" in done.stdout
