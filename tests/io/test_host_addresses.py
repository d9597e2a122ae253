"""check-config's stdlib netlink dump: sees every address and which ones vrrpd added."""

from __future__ import annotations

import json
import subprocess
import sys
from ipaddress import ip_interface

import pytest

from tests.io.test_netlink import VIP4, run
from vrrpd.io import host_addresses, netlink
from vrrpd.io.netlink import Netlink


def test_proto_value_matches_the_netlink_adapter():
    assert host_addresses.VRRPD_ADDR_PROTO == netlink.VRRPD_ADDR_PROTO


def test_unreadable_netlink_means_unknown(monkeypatch):
    def refuse(*_args):
        raise OSError("no netlink here")

    monkeypatch.setattr(host_addresses.socket, "socket", refuse)
    assert host_addresses.host_addresses() is None


@pytest.mark.lab
def test_dump_in_a_namespace_marks_our_vip_and_not_the_primary(netpair):
    a = netpair.a

    async def add() -> None:
        async with Netlink(netns=a.ns) as nl:
            await nl.add_vip(a.ifindex, VIP4)
            held = await nl.held(a.ifindex, 2)
            assert {(h.address, h.ours) for h in held} == {(a.ipv4, False), (VIP4, True)}

    run(add())
    code = ("import json; from vrrpd.io.host_addresses import host_addresses; "
            "print(json.dumps({k: [[str(a), o] for a, o in v] for k, v in "
            "host_addresses().items()}))")
    out = subprocess.run(["ip", "netns", "exec", a.ns, sys.executable, "-c", code],
                         capture_output=True, text=True, timeout=30, check=True).stdout
    found = {ip_interface(address): ours for address, ours in json.loads(out)[a.ifname]}
    assert found[a.ipv4] is False and found[VIP4] is True
    assert found[a.ipv6] is False


@pytest.mark.parametrize("release,keeps", [
    ("6.18.44-fc-v657", True), ("6.1.0-13-amd64", True), ("5.15.0-91-generic", False),
    ("6.0.9", False), ("weird", True)])
def test_kernel_keeps_addr_proto_from_6_1(release, keeps):
    assert netlink.kernel_keeps_addr_proto(release) is keeps
