"""The lab itself, proven with keepalived as the VRRP speaker (vrrpd plugs into the same API).

Timing bounds are generous on purpose: exact numbers belong to the benchmark.
"""

from __future__ import annotations

import os
import re
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from netns_lab import (
    Lab,
    LabError,
    LabTimeout,
    bonding_available,
    keepalived_conf,
    keepalived_instance,
    state_pattern,
    wait_for_log,
    wait_until,
)

pytestmark = [pytest.mark.lab, pytest.mark.timeout(60)]

VIP = "192.0.2.100"
LAB_SRC = Path(__file__).resolve().parents[2] / "netns-lab"


def start_pair(lab: Lab, *, vip: str = VIP, vrid: int = 51, **kwargs) -> dict:
    """keepalived on r1 (priority 150) and r2 (100); returns once r1 alone holds vip."""
    procs = {}
    for name, priority in (("r1", 150), ("r2", 100)):
        conf = keepalived_conf(
            router_id=name, vrid=vrid, priority=priority, vips=[f"{vip}/24"], **kwargs
        )
        procs[name] = lab.start_keepalived(name, conf)
    wait_until(lambda: lab.vip_holder(vip) == "r1", 10, message="r1 alone holds the VIP")
    return procs


def namespaces_of(prefix: str) -> list[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(f"{prefix}-")]


def dead(pid: int) -> bool:
    """Gone, or a zombie waiting for init to reap it (it no longer runs)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_lab_builds_and_client_reaches_every_host(lab):
    lab = lab()
    assert sorted(namespaces_of(lab.prefix)) == sorted(lab.plan.namespaces)
    for host in lab.hosts.values():
        assert lab.client.ping(host.ipv4), host
        assert lab.client.ping(host.ipv6), host
        assert {host.ipv4, host.ipv6} <= set(host.addresses())
    assert lab.vip_holders(VIP) == []
    assert not lab.client.ping(VIP, count=1)
    (bridge,) = lab.switch.ip_json("-d", "link", "show", "dev", "br0")
    assert bridge["linkinfo"]["info_data"]["mcast_snooping"] == 0
    assert bridge["linkinfo"]["info_data"]["stp_state"] == 0


def test_sysctls_keep_kernel_defaults_and_can_be_set_per_host(lab):
    lab = lab(hosts=("r1",))
    key = "net.ipv4.conf.eth0.arp_accept"
    assert lab.client.get_sysctl(key) == "0"
    lab.client.set_sysctl(key, 1)
    assert lab.client.get_sysctl(key) == "1"
    assert lab["r1"].get_sysctl(key) == "0"  # per namespace, not global


def test_teardown_removes_namespaces_and_processes_when_the_body_raises(lab_session):
    prefix = lab_session.next_prefix()
    with pytest.raises(RuntimeError, match="boom"), Lab(prefix) as lab:
        tracked = lab.start("r1", ["sleep", "60"])
        lab["r2"].run(["sh", "-c", "setsid sleep 60 >/dev/null 2>&1 &"])  # escapes tracking
        untracked = lab["r2"].pids()
        workdir = lab.dir
        assert tracked.running and untracked
        raise RuntimeError("boom")
    assert namespaces_of(prefix) == []
    assert tracked.returncode == -signal.SIGTERM
    assert all(dead(pid) for pid in untracked)
    assert not workdir.exists()


def test_keepalived_master_sigkill_backup_takes_over(lab):
    lab = lab()
    procs = start_pair(lab, advert_int=0.1, version=3)
    capture = lab.capture("client")
    prober = lab.probe(VIP).start()
    wait_until(lambda: prober.snapshot().received >= 20, 5)
    lab.kill(procs["r1"], signal.SIGKILL)
    wait_for_log(procs["r2"], state_pattern("VI_1", "MASTER"), 5)
    assert "r2" in lab.vip_holders(VIP)
    time.sleep(1.5)  # keepalived's second GARP burst (after 1 s) passes the client's locktime
    result = prober.stop()
    assert procs["r1"].poll() == -signal.SIGKILL
    assert result.recovered and result.outage_ms < 5000
    assert lab.host_by_mac(result.first_mac) == "r1"
    assert lab.host_by_mac(result.last_mac) == "r2"
    adverts = [f.data for f in capture.stop()]
    assert adverts, "the client saw no VRRP adverts"
    ip = adverts[0][14:]
    assert struct.unpack("!H", adverts[0][12:14])[0] == 0x0800
    assert (ip[8], ip[9], ip[12:16], ip[16:20]) == (
        255,
        112,
        bytes([192, 0, 2, 11]),
        bytes([224, 0, 0, 18]),
    )
    assert ip[20] >> 4 == 3 and ip[21] == 51  # VRRPv3, VRID 51


def test_port_down_is_a_hard_fault_and_port_up_recovers(lab):
    lab = lab()
    procs = start_pair(lab, advert_int=0.1, version=3)
    prober = lab.probe(VIP).start()
    wait_until(lambda: prober.snapshot().received >= 20, 5)
    lab.port_down("r1")
    assert not lab.switch.port_is_up("p-r1")
    wait_for_log(procs["r1"], state_pattern("VI_1", "FAULT"), 5)
    wait_until(lambda: lab.vip_holder(VIP) == "r2", 5)
    result = prober.stop()
    assert result.lost > 0 and result.recovered
    assert 0 < result.outage_ms < 5000
    lab.port_up("r1")
    wait_until(lambda: lab.vip_holder(VIP) == "r1", 5, message="r1 preempts back")


def test_link_flap_takes_carrier_down_and_up(lab):
    lab = lab(hosts=("r1",))

    def carrier_changes() -> int:
        return int(lab["r1"].run(["cat", "/sys/class/net/eth0/carrier_changes"]).stdout)

    before = carrier_changes()
    lab.link_flap("r1", 0.2)
    assert carrier_changes() >= before + 2
    assert lab.client.ping(lab["r1"].ipv4)
    with pytest.raises(ValueError):
        lab.link_flap("r1", -1)


def test_partition_makes_split_brain_and_heal_returns_to_one_master(lab):
    lab = lab()
    start_pair(lab, advert_int=0.1, version=3)
    lab.partition_vrrp("r1", "r2")
    wait_until(lambda: sorted(lab.vip_holders(VIP)) == ["r1", "r2"], 5, message="split brain")
    assert lab.client.ping(lab["r2"].ipv4)  # only VRRP is cut
    lab.heal_vrrp()
    wait_until(lambda: lab.vip_holders(VIP) == ["r1"], 5, message="one master again")
    assert "drop" not in lab.switch.ruleset()
    with pytest.raises(ValueError):
        lab.partition_vrrp("r1", "r1")


def test_multicast_block_splits_multicast_pairs_but_not_unicast_ones(lab):
    lab = lab()
    lab.block_multicast_vrrp()
    unicast_vip, multicast_vip = "192.0.2.101", "192.0.2.102"
    for name, priority, me, peer in (("r1", 150, "r1", "r2"), ("r2", 100, "r2", "r1")):
        conf = keepalived_conf(
            router_id=name,
            instance="UNI",
            vrid=53,
            priority=priority,
            advert_int=0.1,
            vips=[f"{unicast_vip}/24"],
            unicast_src=lab[me].ipv4,
            peers=[lab[peer].ipv4],
        ) + keepalived_instance(
            instance="MULTI",
            vrid=54,
            priority=priority,
            advert_int=0.1,
            vips=[f"{multicast_vip}/24"],
        )
        lab.start_keepalived(name, conf)
    wait_until(lambda: len(lab.vip_holders(multicast_vip)) == 2, 5, message="multicast split")
    for _ in range(5):  # the unicast pair stays at one master while multicast is blocked
        assert lab.vip_holders(unicast_vip) == ["r1"]
        time.sleep(0.1)
    lab.unblock_multicast_vrrp()
    wait_until(lambda: lab.vip_holders(multicast_vip) == ["r1"], 5, message="multicast heals")


def test_ipv6_vip_failover(lab):
    lab = lab()
    vip6 = "2001:db8::100"
    procs = {}
    for name, priority in (("r1", 150), ("r2", 100)):
        conf = keepalived_conf(
            router_id=name, vrid=61, priority=priority, advert_int=0.1, vips=[f"{vip6}/64"]
        )
        procs[name] = lab.start_keepalived(name, conf)
    wait_until(lambda: lab.vip_holder(vip6) == "r1", 10)
    prober = lab.probe(vip6).start()
    wait_until(lambda: prober.snapshot().received >= 20, 5)
    lab.kill(procs["r1"])
    lab.port_down("r1")
    wait_until(lambda: "r2" in lab.vip_holders(vip6), 5)
    time.sleep(0.5)
    result = prober.stop()
    assert result.recovered and 0 < result.outage_ms < 5000


def test_prober_reports_an_unanswered_target_as_unrecovered(lab):
    lab = lab(hosts=("r1",))
    result = lab.probe(VIP, interval=0.01, duration=0.2, reply_timeout=0.05).start().wait(5)
    assert result.sent >= 10 and result.received == 0 and result.lost == result.sent
    assert not result.recovered and result.outage_ms == float("inf")


def test_wait_for_log_matches_and_fails_fast_when_the_process_exits(lab):
    lab = lab(hosts=("r1",), client=False)
    proc = lab.start(
        "r1", ["sh", "-c", "echo ready on $(cat /proc/sys/net/ipv4/ip_forward); exit 3"]
    )
    assert wait_for_log(proc, r"ready on \d", 5)
    started = time.monotonic()
    with pytest.raises(LabError, match="exited"):
        wait_for_log(proc, "never printed", 10)
    assert time.monotonic() - started < 2
    sleeper = lab.start("r1", ["sleep", "30"])
    with pytest.raises(LabTimeout):
        wait_for_log(sleeper, "never printed", 0.2)
    assert sleeper.stop() == -signal.SIGTERM


def test_start_vrrpd_runs_the_vrrpd_command_in_the_host_namespace(lab, tmp_path):
    lab = lab(hosts=("r1",), client=False)
    fake_python = tmp_path / "python"  # stands in for the interpreter: shows argv, env, netns
    fake_python.write_text(
        '#!/bin/sh\necho "argv: $*"\necho "pythonpath: $PYTHONPATH"\nip -o addr show dev eth0\n'
    )
    fake_python.chmod(0o755)
    proc = lab.start_vrrpd("r1", "[global]\n", python=str(fake_python))
    conf, sock = proc.files["config"], proc.files["socket"]
    assert proc.argv == [
        str(fake_python),
        "-m",
        "vrrpd",
        "run",
        "-c",
        str(conf),
        "--socket",
        str(sock),
    ]
    assert conf.read_text() == "[global]\n" and conf.parent == lab.dir == sock.parent
    wait_for_log(proc, r"192\.0\.2\.11/24", 5)
    assert proc.wait(5) == 0
    assert f"argv: -m vrrpd run -c {conf} --socket {sock}" in proc.log_text()
    assert str(LAB_SRC.parent) in proc.log_text()
    second = lab.start_vrrpd("r1", "", python=str(fake_python))
    assert second.files["config"] != conf  # every instance gets its own files


@pytest.mark.skipif(bonding_available(), reason="the kernel has the bonding driver")
def test_bond_hosts_are_refused_with_a_reason_without_the_bonding_driver(lab_session):
    with pytest.raises(LabError, match="bonding"):
        Lab(lab_session.next_prefix(), bond_hosts=("r1",)).up()


@pytest.mark.skipif(
    not bonding_available(),
    reason="kernel lacks the bonding driver (/sys/module/bonding); load with "
    "`modprobe bonding max_bonds=0` where CONFIG_BONDING exists",
)
def test_bond_slave_down_on_the_active_slave_keeps_connectivity(lab):
    lab = lab(bond_hosts=("r1",))
    wait_until(lambda: lab.bond_active_slave("r1") is not None, 5, message="bond has a slave")
    active = lab.bond_active_slave("r1")
    prober = lab.probe(lab["r1"].ipv4).start()
    wait_until(lambda: prober.snapshot().received >= 20, 5)
    lab.bond_slave_down("r1", active)
    wait_until(lambda: lab.bond_active_slave("r1") == 1 - active, 5, message="bond fails over")
    time.sleep(0.5)
    result = prober.stop()
    assert result.recovered and result.outage_ms < 2000


def test_cli_up_down_and_sweep(lab_session):
    env = {**os.environ, "PYTHONPATH": str(LAB_SRC)}

    def cli(*args: str) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-m", "netns_lab", *args]
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=30)

    prefix = lab_session.next_prefix()
    up = cli("up", "--prefix", prefix, "--hosts", "r1")
    assert up.returncode == 0, up.stderr
    assert f"host r1 netns {prefix}-r1 192.0.2.11 2001:db8::11" in up.stdout
    assert cli("up", "--prefix", prefix).returncode == 1  # prefix in use: refused
    inside = subprocess.Popen(["ip", "netns", "exec", f"{prefix}-r1", "sleep", "60"])

    def sleeping_inside() -> bool:
        pids = ["ip", "netns", "pids", f"{prefix}-r1"]
        return str(inside.pid) in subprocess.run(pids, capture_output=True, text=True).stdout

    wait_until(sleeping_inside, 5)
    down = cli("down", "--prefix", prefix)
    assert down.returncode == 0, down.stderr
    assert inside.wait(5) == -signal.SIGTERM
    assert namespaces_of(prefix) == []
    assert "no namespaces" in cli("down", "--prefix", prefix).stdout
    second = lab_session.next_prefix()
    assert cli("up", "--prefix", second, "--no-client").returncode == 0
    swept = cli("sweep", "--glob", f"{lab_session.prefix}*")
    assert swept.returncode == 0 and f"{second}-r1" in swept.stdout
    assert namespaces_of(second) == []
    refused = cli("sweep", "--glob", "*")
    assert refused.returncode == 1 and "must start with" in refused.stderr


def test_cli_demo_keepalived_reports_a_finite_outage(lab_session):
    env = {**os.environ, "PYTHONPATH": str(LAB_SRC)}
    argv = [
        sys.executable,
        "-m",
        "netns_lab",
        "demo-keepalived",
        "--prefix",
        lab_session.next_prefix(),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=45)
    assert done.returncode == 0, done.stdout + done.stderr
    outage = float(re.search(r"outage_ms (\S+)", done.stdout).group(1))
    assert 0 < outage < 5000
