"""netns-lab parts that need no root: plan, config text, probe analysis, pcap, guards."""

from __future__ import annotations

import math
import struct
import sys

import pytest
from netns_lab import (
    Lab,
    LabError,
    LabTimeout,
    analyse,
    keepalived_conf,
    make_plan,
    new_prefix,
    read_pcap,
    state_pattern,
    sweep,
    wait_until,
)
from netns_lab.__main__ import main as cli_main
from netns_lab.commands import run
from netns_lab.errors import CommandError
from netns_lab.plan import validate_prefix
from netns_lab.probe import Prober
from netns_lab.probe_agent import echo_request, inet_checksum, parse_reply

# -- plan ------------------------------------------------------------------------------------


def test_plan_names_and_addresses():
    plan = make_plan("vlx1", ("r1", "r2"), bond_hosts=("r2",))
    r1, r2 = plan.hosts
    assert (r1.netns, r1.ipv4, r1.ipv6, r1.mac) == (
        "vlx1-r1",
        "192.0.2.11",
        "2001:db8::11",
        "02:1a:00:00:00:0b",
    )
    assert (r1.ports, r1.slaves, r1.bond) == (("p-r1",), ("eth0",), False)
    assert (r2.ports, r2.slaves, r2.bond) == (("p-r2-0", "p-r2-1"), ("eth0s0", "eth0s1"), True)
    assert (plan.client.ipv4, plan.client.ipv6) == ("192.0.2.200", "2001:db8::200")
    assert plan.namespaces == ("vlx1-sw", "vlx1-r1", "vlx1-r2", "vlx1-client")


def test_plan_without_client_and_ipv6():
    plan = make_plan("vlx1", ("a",), client=False, ipv6=False)
    assert plan.client is None and plan.hosts[0].ipv6 is None
    assert plan.namespaces == ("vlx1-sw", "vlx1-a")


def test_longest_names_fit_the_interface_limit():
    plan = make_plan("vlx1", ("abcdefghij",), bond_hosts=("abcdefghij",))
    assert all(len(name) <= 15 for name in plan.hosts[0].ports + plan.hosts[0].slaves)


def test_plan_stops_below_the_vip_range():
    plan = make_plan("vlx1", [f"h{i}" for i in range(1, 90)])
    assert plan.hosts[-1].ipv4 == "192.0.2.99"


@pytest.mark.parametrize(
    ("hosts", "bond_hosts", "message"),
    [
        ((), (), "1..89 hosts"),
        ([f"h{i}" for i in range(90)], (), "1..89 hosts"),
        (("R1",), (), "must be 1-10 chars"),
        (("abcdefghijk",), (), "must be 1-10 chars"),
        (("1r",), (), "must be 1-10 chars"),
        (("client",), (), "reserved"),
        (("sw",), (), "reserved"),
        (("r1", "r1"), (), "duplicate"),
        (("r1",), ("r2",), "not among hosts"),
        ("r1", (), "not a string"),
        (("r1",), "r1", "not a string"),
    ],
)
def test_plan_rejects_bad_hosts(hosts, bond_hosts, message):
    with pytest.raises(ValueError, match=message):
        make_plan("vlx1", hosts, bond_hosts=bond_hosts)


@pytest.mark.parametrize("prefix", ["", "v", "Vl1", "1vl", "vl-1", "vl_1", "a" * 17, None])
def test_bad_prefixes_are_rejected(prefix):
    with pytest.raises(ValueError, match="prefix"):
        validate_prefix(prefix)


def test_new_prefixes_are_valid_short_and_distinct():
    prefixes = {new_prefix() for _ in range(20)}
    assert len(prefixes) > 1
    assert all(validate_prefix(p) and len(p) <= 10 and p.startswith("vl") for p in prefixes)


# -- keepalived config -----------------------------------------------------------------------


def test_keepalived_conf_v3():
    conf = keepalived_conf(
        router_id="r1", vrid=51, priority=150, advert_int=0.1, vips=["192.0.2.100/24"]
    )
    for line in (
        "router_id r1",
        "vrrp_version 3",
        "script_user root",
        "vrrp_garp_master_delay 1",
        "vrrp_instance VI_1 {",
        "state BACKUP",
        "interface eth0",
        "virtual_router_id 51",
        "priority 150",
        "advert_int 0.1",
        "version 3",
        "192.0.2.100/24 dev eth0",
    ):
        assert line in {text.strip() for text in conf.splitlines()}, line
    assert "nopreempt" not in conf and "enable_script_security" not in conf
    assert conf.count("{") == conf.count("}")


def test_keepalived_conf_v2_unicast_auth_nopreempt():
    conf = keepalived_conf(
        vrid=7,
        priority=100,
        advert_int=2,
        version=2,
        vips=["192.0.2.101"],
        unicast_src="192.0.2.11",
        peers=["192.0.2.12"],
        auth_pass="secret12",
        preempt=False,
    )
    for line in (
        "vrrp_version 2",
        "advert_int 2",
        "version 2",
        "nopreempt",
        "unicast_src_ip 192.0.2.11",
        "unicast_peer {",
        "        192.0.2.12",
        "auth_type PASS",
        "auth_pass secret12",
    ):
        assert line.strip() in {text.strip() for text in conf.splitlines()}, line
    assert conf.count("{") == conf.count("}")


def test_keepalived_conf_notify_scripts():
    conf = keepalived_conf(vrid=51, priority=100, vips=["192.0.2.100/24"],
                           notify={"master": "/lab/hook.sh r1 master", "fault": "/lab/f.sh"})
    lines = [text.strip() for text in conf.splitlines()]
    assert 'notify_master "/lab/hook.sh r1 master"' in lines
    assert 'notify_fault "/lab/f.sh"' in lines
    assert lines.index('notify_fault "/lab/f.sh"') < lines.index("virtual_ipaddress {")
    assert "notify_backup" not in conf


def test_keepalived_conf_ipv6():
    conf = keepalived_conf(vrid=9, priority=100, vips=["2001:db8::100/64"], peers=["2001:db8::12"])
    assert "2001:db8::100/64 dev eth0" in conf and "advert_int 1" in conf


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vrid": 0}, "vrid"),
        ({"vrid": 256}, "vrid"),
        ({"priority": 0}, "priority"),
        ({"priority": 256}, "priority"),
        ({"version": 4}, "version"),
        ({"version": 2, "advert_int": 0.5}, "whole seconds"),
        ({"version": 2, "advert_int": 256}, "whole seconds"),
        ({"advert_int": 0.005}, "0.01"),
        ({"advert_int": 0.015}, "0.01"),
        ({"advert_int": 41}, "0.01"),
        ({"vips": []}, "at least one VIP"),
        ({"vips": "192.0.2.100"}, "not a string"),
        ({"vips": ["192.0.2.100", "2001:db8::100"]}, "one address family"),
        ({"vips": ["192.0.2.300"]}, "bad address"),
        ({"peers": ["2001:db8::12"]}, "one address family"),
        ({"unicast_src": "not-an-ip"}, "bad address"),
        ({"vips": ["2001:db8::100"], "version": 2}, "IPv4 only"),
        ({"auth_pass": "secret"}, "only in VRRPv2"),
        ({"version": 2, "auth_pass": "toolongpw"}, "1-8 printable"),
        ({"version": 2, "auth_pass": "a b"}, "1-8 printable"),
        ({"state": "INIT"}, "MASTER or BACKUP"),
        ({"state": "MASTER", "preempt": False}, "nopreempt"),
        ({"instance": "VI 1"}, "instance"),
        ({"interface": "eth0 x"}, "interface"),
        ({"interface": "a" * 16}, "interface"),
        ({"router_id": "r 1"}, "router_id"),
        ({"garp_master_delay": -1}, "GARP"),
        ({"notify": {"primary": "/bin/true"}}, "notify state"),
        ({"notify": {"master": "true"}}, "absolute path"),
        ({"notify": {"master": '/bin/echo "x"'}}, "no quotes"),
        ({"notify": {"master": "/bin/true\nnopreempt"}}, "no quotes"),
    ],
)
def test_keepalived_conf_rejects_bad_parameters(overrides, message):
    params = {"vrid": 51, "priority": 100, "vips": ["192.0.2.100/24"], **overrides}
    with pytest.raises(ValueError, match=message):
        keepalived_conf(**params)


def test_state_pattern_matches_keepalived_log_lines():
    import re

    line = "Sat Nov 21 13:22:00 2026: (VI_1) Entering MASTER STATE"
    assert re.search(state_pattern("VI_1", "master"), line)
    assert not re.search(state_pattern("VI_1", "BACKUP"), line)
    assert not re.search(state_pattern("VI_10", "MASTER"), line)


# -- probe analysis --------------------------------------------------------------------------

R1, R2 = "02:1a:00:00:00:0b", "02:1a:00:00:00:0c"


def probe_log(events: list[tuple]) -> str:
    lines = ["READY 0.0"]
    for event in events:
        lines.append(" ".join(str(x) for x in event))
    return "\n".join([*lines, "END 99.0"]) + "\n"


def test_analyse_without_loss():
    text = probe_log([("S", 0, 1.0), ("R", 0, 1.001, R1), ("S", 1, 1.01), ("R", 1, 1.011, R1)])
    result = analyse(text, target="192.0.2.100", reply_timeout=0.5)
    assert (result.sent, result.received, result.lost, result.outage_ms) == (2, 2, 0, 0.0)
    assert result.recovered and result.gap_start is None and result.replies_by_mac == {R1: 2}


def test_analyse_measures_the_longest_gap_between_replies():
    events = [
        ("S", 0, 1.00),
        ("R", 0, 1.001, R1),
        ("S", 1, 1.01),
        ("S", 2, 1.02),
        ("R", 2, 1.021, R1),  # short gap: 20 ms
        ("S", 3, 1.03),
        ("S", 4, 1.04),
        ("S", 5, 1.05),
        ("R", 5, 1.051, R2),  # 30 ms
        ("S", 6, 1.06),
        ("R", 6, 1.061, R2),
    ]
    result = analyse(probe_log(events), target="192.0.2.100", reply_timeout=0.5)
    assert (result.sent, result.received, result.lost) == (7, 4, 3)
    assert result.outage_ms == pytest.approx(30.0)
    assert (result.gap_start, result.gap_end) == (1.021, 1.051)
    assert (result.first_mac, result.last_mac) == (R1, R2)
    assert result.replies_by_mac == {R1: 2, R2: 2}


def test_analyse_counts_late_and_duplicate_replies():
    events = [
        ("S", 0, 1.0),
        ("R", 0, 1.001, R1),
        ("R", 0, 1.002, R2),
        ("S", 1, 1.1),
        ("R", 1, 2.0, R1),  # 0.9 s late: lost
        ("S", 2, 1.2),
        ("R", 2, 1.201, R1),
    ]
    result = analyse(probe_log(events), target="192.0.2.100", reply_timeout=0.5)
    assert (result.lost, result.late, result.duplicates) == (1, 1, 1)
    assert result.outage_ms == pytest.approx(200.0)


def test_analyse_unrecovered_and_leading_gaps():
    never = analyse(probe_log([("S", 0, 1.0), ("S", 1, 1.1)]), target="x", reply_timeout=0.5)
    assert not never.recovered and math.isinf(never.outage_ms) and never.gap_start == 1.0
    late_start = [("S", 0, 1.0), ("S", 1, 1.1), ("R", 1, 1.15, R1)]
    result = analyse(probe_log(late_start), target="x", reply_timeout=0.5)
    assert result.recovered and result.outage_ms == pytest.approx(150.0)
    empty = analyse("", target="x", reply_timeout=0.5)
    assert (empty.sent, empty.outage_ms, empty.recovered) == (0, 0.0, True)


@pytest.mark.parametrize("line", ["S 1", "R 1 2.0", "S x 1.0", "X 1 2", "R 1 1.0 mac extra"])
def test_analyse_rejects_malformed_lines(line):
    with pytest.raises(LabError, match="malformed"):
        analyse(f"READY 0\n{line}\n", target="x", reply_timeout=0.5)


@pytest.mark.parametrize(
    "kwargs", [{"interval": 0}, {"interval": -1}, {"reply_timeout": -1}, {"duration": 0}]
)
def test_prober_rejects_bad_timing(kwargs, tmp_path):
    with pytest.raises(ValueError, match="bad probe timing"):
        Prober(None, "192.0.2.100", out_path=tmp_path / "p", **kwargs)


# -- probe agent wire format -----------------------------------------------------------------

TARGET4 = bytes([192, 0, 2, 100])
TARGET6 = bytes.fromhex("20010db8000000000000000000000100")
MAC = bytes.fromhex("021a0000000b")


def reply_frame(version: int, ident: int, seq: int, src: bytes, kind: int | None = None) -> bytes:
    icmp = bytearray(echo_request(version, ident, seq))
    icmp[0] = kind if kind is not None else (0 if version == 4 else 129)
    eth = bytes(6) + MAC + struct.pack("!H", 0x0800 if version == 4 else 0x86DD)
    if version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0, src, bytes(4))
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(icmp), 58, 64, src, bytes(16))
    return eth + ip + bytes(icmp)


def test_echo_request_v4_has_a_valid_checksum_and_full_sequence():
    packet = echo_request(4, 0x1234, 70000)
    assert inet_checksum(packet) == 0
    assert packet[0] == 8 and struct.unpack("!H", packet[6:8])[0] == 70000 & 0xFFFF
    assert struct.unpack("!Q", packet[12:20])[0] == 70000


@pytest.mark.parametrize(("version", "target"), [(4, TARGET4), (6, TARGET6)])
def test_parse_reply_accepts_our_echo_reply(version, target):
    frame = reply_frame(version, 0x1234, 70000, target)
    assert parse_reply(frame, version, target, 0x1234) == (70000, "02:1a:00:00:00:0b")


@pytest.mark.parametrize(("version", "target"), [(4, TARGET4), (6, TARGET6)])
def test_parse_reply_ignores_other_traffic(version, target):
    good = reply_frame(version, 0x1234, 5, target)
    assert parse_reply(good, version, target, 0x4321) is None  # someone else's ping
    assert parse_reply(good, 10 - version, target, 0x1234) is None  # other family
    assert (
        parse_reply(reply_frame(version, 0x1234, 5, bytes(len(target))), version, target, 0x1234)
        is None
    )
    request = reply_frame(version, 0x1234, 5, target, kind=8 if version == 4 else 128)
    assert parse_reply(request, version, target, 0x1234) is None
    assert parse_reply(good[:-4], version, target, 0x1234) is None  # truncated
    assert parse_reply(b"\0" * 10, version, target, 0x1234) is None


# -- pcap ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("magic", "order", "unit"),
    [
        (0xA1B2C3D4, "<", 1e-6),
        (0xA1B2C3D4, ">", 1e-6),
        (0xA1B23C4D, "<", 1e-9),
    ],
)
def test_read_pcap(tmp_path, magic, order, unit):
    frames = [b"\x01" * 60, b"\x02" * 42]
    data = struct.pack(f"{order}IHHiIII", magic, 2, 4, 0, 0, 65535, 1)
    for i, frame in enumerate(frames):
        data += struct.pack(f"{order}IIII", 100 + i, 500, len(frame), len(frame)) + frame
    (tmp_path / "x.pcap").write_bytes(data)
    read = read_pcap(tmp_path / "x.pcap")
    assert [f.data for f in read] == frames
    assert read[1].timestamp == pytest.approx(101 + 500 * unit)


@pytest.mark.parametrize("cut", [0, 10, 30, 50])
def test_read_pcap_rejects_bad_or_truncated_files(tmp_path, cut):
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    data += struct.pack("<IIII", 1, 0, 20, 20) + b"\0" * 20
    (tmp_path / "x.pcap").write_bytes(data[:cut] if cut else b"not a pcap file at all.....")
    with pytest.raises(LabError):
        read_pcap(tmp_path / "x.pcap")


# -- waits, commands, guards -----------------------------------------------------------------


def test_wait_until_returns_the_value_and_times_out_with_a_message():
    calls = []
    assert wait_until(lambda: calls.append(1) or len(calls) >= 3 and "ok", 2, 0.001) == "ok"
    with pytest.raises(LabTimeout, match="the thing not true within 0.05s"):
        wait_until(lambda: False, 0.05, 0.01, message="the thing")
    once = []
    with pytest.raises(TimeoutError):
        wait_until(lambda: once.append(1), 0, 0.01)
    assert len(once) == 1  # a zero timeout still tries once
    twice = []
    with pytest.raises(TimeoutError):
        wait_until(lambda: twice.append(1), 0.05, 10)
    assert len(twice) == 2  # at the start and again at the deadline
    with pytest.raises(ValueError):
        wait_until(lambda: True, -1)
    with pytest.raises(ValueError):
        wait_until(lambda: True, 1, 0)


def test_run_reports_failures_timeouts_and_missing_tools():
    with pytest.raises(CommandError, match="exited 3: oops") as failed:
        run([sys.executable, "-c", "import sys; sys.stderr.write('oops'); sys.exit(3)"])
    assert failed.value.returncode == 3 and failed.value.stderr == "oops"
    with pytest.raises(LabTimeout, match="did not finish"):
        run(["sleep", "5"], timeout=0.1)
    with pytest.raises(LabError, match="not found"):
        run(["/nonexistent/tool"])
    assert run(["sh", "-c", "exit 1"], check=False).returncode == 1


@pytest.mark.parametrize("glob", ["*", "", "v*", "?l1", "Vl1", "-x", None])
def test_sweep_refuses_globs_that_could_reach_foreign_namespaces(glob):
    with pytest.raises(ValueError, match="sweep glob"):
        sweep(glob)


def test_lab_refuses_use_before_up():
    lab = Lab("vlx1")
    with pytest.raises(LabError, match="no host"):
        lab.host("r1")
    with pytest.raises(LabError, match="not up"):
        lab.heal_vrrp()
    with pytest.raises(LabError, match="no host"):
        lab.probe("192.0.2.100")
    lab.down()  # nothing was created: must not touch any namespace


def test_cli_reports_bad_arguments():
    assert cli_main(["sweep", "--glob", "*"]) == 1
    assert cli_main(["up", "--prefix", "BAD"]) == 1
    with pytest.raises(SystemExit):
        cli_main(["frobnicate"])


def test_bench_hog_variants_are_checked_before_any_lab(capsys):
    from netns_lab.__main__ import main

    with pytest.raises(SystemExit, match="unknown \\['vrrpd fast'\\]"):
        main(["bench", "--scale", "--cases", "", "--hog-variants", "vrrpd,vrrpd fast"])
