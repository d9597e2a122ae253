"""A keepalived notify script and FIFO reader see the same lines under real keepalived and
under the config `vrrpd import-keepalived` makes of the same keepalived.conf, through a
failover, a preemption and a clean stop (issue 11, deliverable 3)."""

from __future__ import annotations

import os

import pytest
from egress_support import write_script
from netns_lab import keepalived_conf, wait_until
from vrrpd_support import (
    VIP4,
    stop,
    vrrpd_conf,
    wait_keepalived_state,
    wait_state,
)

from vrrpd.keepalived_import import convert_text

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]

LOGGER = 'echo "$1 $2 $3 $4" >> {log}\n'


def _lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _keepalived_node_conf(lab_, tag: str) -> str:
    notify = write_script(lab_, f"notify-{tag}.sh", LOGGER.format(log=lab_.dir / f"{tag}-n.log"))
    state = write_script(lab_, f"state-{tag}.sh", LOGGER.format(log=lab_.dir / f"{tag}-s.log"))
    hooks = "".join(
        f'    {key} "{state} {key}"\n'
        for key in ("notify_master", "notify_backup", "notify_fault", "notify_stop")
    )
    text = keepalived_conf(router_id="r2", vrid=51, priority=100, advert_int=0.1,
                           vips=[f"{VIP4}/24"])
    text = text.replace("    virtual_ipaddress {", f'    notify "{notify}"\n{hooks}'
                        "    virtual_ipaddress {", 1)
    return text.replace("global_defs {\n", f"global_defs {{\n    notify_fifo {lab_.dir}/"
                        f"{tag}.fifo\n", 1)


def _run(lab_, tag: str, start_node) -> tuple[list[str], list[str], list[str]]:
    """Peer r1 (150) master; node r2 (100) starts as backup, takes over when r1 stops, hands
    back when r1 returns, then stops cleanly. Returns (notify, state-hook, FIFO) lines."""
    peer_conf = vrrpd_conf(priority=150, router_id="r1", vips=(f"{VIP4}/24",))
    r1 = lab_.start_vrrpd("r1", peer_conf)
    wait_state(r1, "MASTER")
    node, wait_node = start_node()
    wait_node("BACKUP")
    notify_log, state_log = lab_.dir / f"{tag}-n.log", lab_.dir / f"{tag}-s.log"
    wait_until(lambda: len(_lines(notify_log)) >= 1, 10, message="BACKUP notify")
    fifo = os.open(lab_.dir / f"{tag}.fifo", os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert stop(r1) == 0
        wait_node("MASTER")
        wait_until(lambda: len(_lines(notify_log)) >= 2, 10, message="MASTER notify")
        r1 = lab_.start_vrrpd("r1", peer_conf)
        wait_state(r1, "MASTER")
        wait_node("BACKUP")
        wait_until(lambda: len(_lines(notify_log)) >= 3, 10, message="BACKUP notify again")
        assert stop(node) == 0
        wait_until(lambda: len(_lines(notify_log)) >= 4, 10, message="STOP notify")
        wait_until(lambda: len(_lines(state_log)) >= 4, 10, message="state hooks")
        data = os.read(fifo, 65536).decode()
    finally:
        os.close(fifo)
    stop(r1)
    return _lines(notify_log), _lines(state_log), data.splitlines()


def test_notify_script_and_fifo_see_the_same_lines_as_under_keepalived(lab):
    lab_ = lab(hosts=("r1", "r2"))

    def keepalived_node():
        proc = lab_.start_keepalived("r2", _keepalived_node_conf(lab_, "k"))
        return proc, lambda state: wait_keepalived_state(proc, state, timeout=15)

    under_keepalived = _run(lab_, "k", keepalived_node)

    conversion = convert_text(_keepalived_node_conf(lab_, "v"), "keepalived.conf")
    assert not conversion.failover_lost, [n.render() for n in conversion.notes]

    def vrrpd_node():
        proc = lab_.start_vrrpd("r2", conversion.toml())
        return proc, lambda state: wait_state(proc, state, timeout=15)

    under_vrrpd = _run(lab_, "v", vrrpd_node)

    expected_notify = [
        "INSTANCE VI_1 BACKUP 100",
        "INSTANCE VI_1 MASTER 100",
        "INSTANCE VI_1 BACKUP 100",
        "INSTANCE VI_1 STOP 100",
    ]
    assert under_keepalived[0] == expected_notify
    assert under_vrrpd[0] == under_keepalived[0]
    assert under_vrrpd[1] == under_keepalived[1]  # state hooks: only their own argument
    assert under_keepalived[1][:2] == ["notify_backup   ", "notify_master   "]
    assert under_vrrpd[2] == under_keepalived[2]  # FIFO lines, keepalived's format
    assert under_keepalived[2][-1] == 'INSTANCE "VI_1" STOP 100'
