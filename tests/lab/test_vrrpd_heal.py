"""A VRRP partition healed just after the backup took over: the master that stayed master
must win the client back even when the other router's announcement reaches the client after
the master's heal burst (its first advert, which made the master heal, can leave before its
GARP). Found by the chaos run: before, the client stayed on the router that had let the VIP
go until its neighbour entry expired."""

from __future__ import annotations

import sys
import time

import pytest
from netns_lab import wait_until
from vrrpd_support import VIP4, start_pair, wait_holder, wait_state

pytestmark = pytest.mark.lab

# a gratuitous ARP request for the VIP from the given MAC, as the other router's late one
LATE_GARP = """
import socket, struct, sys
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
vip = socket.inet_aton(sys.argv[2])
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, vip, bytes(6), vip)
with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
    s.bind(("eth0", 0))
    s.send(b"\\xff" * 6 + mac + b"\\x08\\x06" + arp)
"""


def _neighbour_mac(lab) -> str | None:
    for entry in lab["client"].ip_json("neigh", "show", "dev", "eth0"):
        if entry.get("dst") == VIP4 and entry.get("lladdr"):
            return entry["lladdr"].lower()
    return None


def test_partition_heal_master_wins_the_client_back_after_a_late_announcement(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    prober = lab_.probe(VIP4, interval=0.01).start()
    time.sleep(0.3)
    lab_.partition_vrrp("r1", "r2")
    wait_state(r2, "MASTER", timeout=5)
    lab_.heal_vrrp()
    healed = time.monotonic()
    wait_state(r2, "BACKUP", timeout=5)
    wait_holder(lab_, VIP4, "r1")
    lab_["r2"].run([sys.executable, "-c", LATE_GARP, lab_["r2"].mac, VIP4])
    late = time.monotonic() - healed
    assert late < 1.0, late  # before r1's second heal burst (garp_master_delay 1.1 s)
    wait_until(lambda: _neighbour_mac(lab_) == lab_["r1"].mac, 5.0, 0.05)
    time.sleep(0.5)
    result = prober.stop()
    assert result.recovered and result.last_mac == lab_["r1"].mac, lab_.report()
