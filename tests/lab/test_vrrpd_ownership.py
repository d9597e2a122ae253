"""Never touch what we do not own: the node's own address as a VIP is refused (run and
check-config, exit 2, one line with the key path) and stays; a VIP a killed vrrpd left
behind is recognised (IFA_PROTO) and removed at the next start, a foreign one is not."""

from __future__ import annotations

import signal
import sys

import pytest
from vrrpd_support import VIP4, start_pair, vrrpd_conf, wait_holder, wait_state

pytestmark = pytest.mark.lab

PRIMARY = "192.0.2.11"  # r1's own address


def test_primary_address_as_vip_is_refused_and_left_alone(lab):
    lab_ = lab(hosts=("r1",))
    conf = vrrpd_conf(priority=150, router_id="r1", vips=(f"{VIP4}/24", f"{PRIMARY}/24"))
    proc = lab_.start_vrrpd("r1", conf)
    assert proc.wait(20) == 2, proc.log_tail(20)
    config = proc.files["config"]
    errors = [ln for ln in proc.log_text().splitlines() if ln.startswith(str(config))]
    assert errors == [f"{config}: instances.VI_1.virtual_ipaddress[1]: {PRIMARY} is already an "
                      f"address of eth0 ({PRIMARY}/24) that vrrpd did not add; vrrpd would "
                      "delete it when it releases the VIP: use an address nobody owns"]
    assert "Traceback" not in proc.log_text()
    assert lab_["r1"].has_address(PRIMARY) and not lab_["r1"].has_address(VIP4)
    check = lab_["r1"].run([sys.executable, "-m", "vrrpd", "check-config", "-c", str(config)],
                           check=False)
    assert check.returncode == 2 and check.stderr == errors[0] + "\n"


def test_foreign_copy_of_a_vip_is_refused_but_our_leftover_is_removed(lab):
    lab_ = lab()
    r1, r2 = start_pair(lab_)
    lab_.kill(r1, signal.SIGKILL)  # leaves its VIP (marked ours) behind
    wait_state(r2, "MASTER")
    r1b = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1"))
    wait_state(r1b, "MASTER")
    wait_holder(lab_, VIP4, "r1")
    assert "removed stale VIP left by an earlier run" in r1b.log_text()
    # an admin's copy of the same address (no IFA_PROTO): not ours, refused
    r1b.signal(signal.SIGTERM, group=False)
    assert r1b.wait(10) == 0
    lab_["r1"].ip("addr", "add", f"{VIP4}/24", "dev", "eth0")
    r1c = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1"))
    assert r1c.wait(20) == 2, r1c.log_tail(20)
    assert lab_["r1"].has_address(VIP4)
