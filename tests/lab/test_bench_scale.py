"""`python -m netns_lab bench --scale`: the pure parts (cases, configs, figures, tables) and
one small real run of the whole section, so the bench code cannot rot.

Timing is never asserted: the bench reports numbers, it does not judge them.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
import subprocess
from collections import Counter

import pytest
from netns_lab import bench_addrwatch
from netns_lab.bench_hog import advert_times
from netns_lab.bench_scale import run_scale
from netns_lab.bench_scale_plan import (
    CASES,
    keepalived_scale_conf,
    vrrpd_scale_conf,
)
from netns_lab.bench_scale_report import (
    CostRow,
    HogRun,
    ScaleResults,
    hog_figures,
    percentile,
    render,
    takeover_runs,
)
from netns_lab.capture import Frame
from netns_lab.keepalived import KEEPALIVED

from vrrpd.config import parse_config

TEST_NETS = [ipaddress.ip_network(n) for n in ("198.51.100.0/24", "203.0.113.0/24",
                                               "2001:db8::/32")]


@pytest.mark.parametrize("key", list(CASES))
def test_cases_have_unique_vrids_per_interface_and_family_and_test_net_vips(key):
    case = CASES[key]
    instances = case.instances()
    assert len(instances) == case.n
    slots = Counter((i.interface, i.family, i.vrid) for i in instances)
    assert max(slots.values()) == 1 and all(1 <= i.vrid <= 255 for i in instances)
    assert all(str(ipaddress.ip_address(i.vip)) == i.vip for i in instances)  # `ip` spelling
    vips = [ipaddress.ip_address(i.vip) for i in instances]
    assert len(set(vips)) == len(vips)
    assert all(any(v in net for net in TEST_NETS) for v in vips)
    assert {i.interface for i in instances} == {f"eth{n}" for n in range(case.interfaces)}


def test_thousand_instances_spread_over_four_interfaces_and_both_families():
    counts = Counter((i.interface, i.family) for i in CASES["1000"].instances())
    assert counts == {(f"eth{n}", f): 125 for n in range(4) for f in (4, 6)}


def test_vrrpd_accepts_the_scale_config():
    instances = CASES["1000"].instances()
    config = parse_config(vrrpd_scale_conf("r1", instances, 1.0, realtime=50), "scale.toml")
    assert len(config.instances) == 1000 and config.global_.realtime_priority == 50


def test_keepalived_accepts_the_scale_config(tmp_path):
    conf = tmp_path / "k.conf"
    conf.write_text(keepalived_scale_conf("r2", CASES["1000"].instances(), 1.0, realtime=50))
    done = subprocess.run([KEEPALIVED, "-t", "-f", str(conf), "-l", "--no-syslog",
                           "--log-console"], capture_output=True, text=True, timeout=60)
    # -t runs outside the lab: only its complaints about absent interfaces are expected
    complaints = [line for line in (done.stdout + done.stderr).splitlines()
                  if ("WARNING" in line or "rror" in line) and "doesn't exist" not in line]
    assert complaints == []


def test_owner_config_starts_keepalived_as_master():
    text = keepalived_scale_conf("r1", CASES["1"].instances(), 1.0, priority=255)
    assert "state MASTER" in text and "priority 255" in text


def test_gap_figures_from_advert_times():
    master = [i * 0.01 for i in range(101)]
    master[50] += 0.008  # one late advert: gaps 18 ms then 2 ms
    backup = [0.3, 0.31, 0.32, 0.9]  # two runs of backup adverts: two false takeovers
    run = hog_figures(HogRun("x", 1.0), master, backup, 0.01, 0.0, 1.0)
    assert (run.sent, run.due, run.takeovers) == (101, 100, 2)
    assert run.max_gap_ms == pytest.approx(18.0)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0 and percentile([], 0.9) is None
    assert takeover_runs([], 0.1) == 0


def test_advert_times_keeps_one_sources_adverts_with_a_priority():
    def frame(src: str, priority: int, t: float) -> Frame:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 255, 112, 0,
                         socket.inet_aton(src), socket.inet_aton("224.0.0.18"))
        return Frame(t, b"\x01\x00\x5e\x00\x00\x12" + b"\x02" * 6 + b"\x08\x00" + ip
                     + bytes([0x31, 1, priority, 1]) + b"\x00" * 16)

    frames = [frame("192.0.2.11", 150, 1.0), frame("192.0.2.12", 100, 2.0),
              frame("192.0.2.11", 0, 3.0), Frame(4.0, b"\x00" * 10)]
    assert advert_times(frames, "192.0.2.11") == [1.0]


def test_addrwatch_parses_rtnetlink_address_messages():
    def newaddr(kind: int, family: int, packed: bytes) -> bytes:
        rta = struct.pack("=HH", 4 + len(packed), 2) + packed
        rta += b"\x00" * (-len(rta) % 4)
        body = struct.pack("=BBBBI", family, 24, 0, 0, 2) + rta
        return struct.pack("=IHHII", 16 + len(body), kind, 0, 0, 0) + body

    data = newaddr(20, socket.AF_INET, socket.inet_aton("198.51.100.1")) + newaddr(
        21, socket.AF_INET6, socket.inet_pton(socket.AF_INET6, "2001:db8::1"))
    assert bench_addrwatch.parse(data) == [(20, "198.51.100.1"), (21, "2001:db8::1")]


def test_render_shows_ratios_and_failures():
    results = ScaleResults(cases=["1"], cost_window_s=10)
    results.cost = [CostRow("1", "vrrpd", 0.002, 0.003, 40.0, 39.0, 0.5, 0.36, 360.0),
                    CostRow("1", "keepalived", 0.001, 0.002, 13.0, 13.0, 0.4, 0.35, 350.0)]
    results.hog = [HogRun("vrrpd", 60, 5990, 6000, 12.0, 11.0, 10.0, 0),
                   HogRun("keepalived rt", 60, error="boom")]
    results.owner_start_s = {"vrrpd": [0.2, 0.3], "keepalived": [0.01]}
    text = render(results)
    assert "0.0020 / 0.0010 (2.0x)" in text and "(+10 ms)" in text
    assert "5990/6000" in text and "FAILED hog keepalived rt: boom" in text
    assert "vrrpd median 0.250 s" in text


@pytest.mark.lab
@pytest.mark.timeout(300)
def test_scale_section_runs_small(tmp_path, lab_session):
    """The whole section for one instance, short waits, one hog variant (with realtime)."""
    results = run_scale(["1"], prefix=lab_session.next_prefix(), window=1.0, hog_s=2.0,
                        say=lambda _l: None, owner_starts=1, hog_variants=("vrrpd rt",))
    assert results.failures() == []
    for impl in ("vrrpd", "keepalived"):
        row = results.row("1", impl)
        assert row is not None and row.moved_s is not None and row.timeline
        assert row.master_cores is not None and row.master_cores >= 0
        assert len(results.owner_start_s[impl]) == 1
    assert results.hog[0].sent > 0
    assert "cost at scale" in render(results)
    pytest.importorskip("matplotlib")
    from netns_lab.bench_plot import plot

    assert "written" in plot(results, tmp_path / "scale.png")
    assert (tmp_path / "scale.png").stat().st_size > 10_000
