"""keepalived keywords in the lab: an excluded VIP and a VIP on another interface follow
the instance through a failover.

What this proves: on the master both the excluded address (192.0.2.150, on eth0, not in the
adverts) and the address with `dev = "lo"` (203.0.113.7/32) are present, on the backup
neither; after the master's switch port goes down the new master holds both and the old one
has let go of both. The client's probe of the excluded address recovers within the failover
margin although the client had the old master's MAC cached for it, so the new master
announced it (a stale neighbour entry would otherwise last tens of seconds). The lab hosts
have one LAN interface, so the other-dev VIP sits on `lo`: this shows it is added and removed
on that interface (lo has no link layer, so nothing is announced there; the per-interface
GARP/NA is covered by tests/runtime/test_vip_links.py).
"""

from __future__ import annotations

import time

import pytest
from netns_lab import wait_until
from vrrpd_support import VIP4, instance, start_pair, wait_holder, wait_state

pytestmark = pytest.mark.lab

EXCLUDED = "192.0.2.150"
OTHER_DEV = "203.0.113.7"
EXTRA = (
    f'virtual_ipaddress_excluded = ["{EXCLUDED}/24", "2001:db8::150/64"]\n'
    f'garp_master_delay = 0.5'
)
VIPS = (f"{VIP4}/24",)


def _conf_patch(lab):
    """start_pair writes strings only: turn the VIP list into one with a `dev` table."""
    original = lab.start_vrrpd

    def start(host, text):
        text = text.replace(
            f'virtual_ipaddress = ["{VIP4}/24"]',
            f'virtual_ipaddress = ["{VIP4}/24", {{ address = "{OTHER_DEV}/32", dev = "lo" }}]',
        )
        return original(host, text)

    lab.start_vrrpd = start


def test_excluded_and_other_dev_vips_move_with_a_failover(lab):
    lab_ = lab()
    _conf_patch(lab_)
    r1, r2 = start_pair(lab_, vips=VIPS, extra=EXTRA)
    wait_holder(lab_, EXCLUDED, "r1")
    assert lab_["r1"].has_address(OTHER_DEV, "lo") and not lab_["r2"].has_address(OTHER_DEV, "lo")
    assert lab_["r1"].has_address("2001:db8::150")
    status = instance(r1)
    assert status["vips"] == [f"{VIP4}/24", f"{OTHER_DEV}/32"]
    assert status["vips_excluded"] == [f"{EXCLUDED}/24", "2001:db8::150/64"]

    prober = lab_.probe(EXCLUDED, interval=0.005).start()  # the client caches r1's MAC
    time.sleep(0.5)
    lab_.port_down("r1")
    wait_state(r2, "MASTER")
    time.sleep(2.0)
    result = prober.stop()
    assert result.recovered and result.outage_ms < 2000, lab_.report()

    wait_holder(lab_, EXCLUDED, "r2")
    wait_state(r1, "FAULT")
    wait_until(lambda: lab_["r2"].has_address(OTHER_DEV, "lo"), 5, 0.05)
    wait_until(lambda: not lab_["r1"].has_address(OTHER_DEV, "lo"), 5, 0.05)
    assert lab_["r2"].has_address("2001:db8::150") and not lab_["r1"].has_address("2001:db8::150")
