"""Notify hooks in the lab: strict order under rapid flaps, and a hanging hook that is killed
at its timeout without delaying the failover."""

from __future__ import annotations

import time

import pytest
from egress_support import pid_alive, write_script
from netns_lab import wait_until
from vrrpd_support import VIP4, instance, vrrpd_conf, vrrpd_states, wait_holder, wait_state

pytestmark = [pytest.mark.lab, pytest.mark.timeout(120)]

RECORD = """\
log="$1"; shift
echo "start $* env=$VRRPD_INSTANCE/$VRRPD_STATE/$VRRPD_OLD_STATE/$VRRPD_PRIORITY" >> "$log"
sleep {sleep}
echo "end $*" >> "$log"
"""


def _hook(path: str, *args: str) -> str:
    items = ", ".join(f'"{item}"' for item in (path, *args))
    return f"[{items}]"


def _records(path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def test_hooks_run_one_at_a_time_in_transition_order_under_rapid_flaps(lab):
    lab_ = lab(hosts=("r1",))
    log = lab_.dir / "hooks.log"
    script = write_script(lab_, "record.sh", RECORD.format(sleep=0.3))
    extra = f"notify = {_hook(script, str(log), 'instance')}\nnotify_timeout = 5.0"
    text = vrrpd_conf(priority=150, router_id="r1", extra=extra).replace(
        "[global]\n", f"[global]\nnotify = {_hook(script, str(log), 'global')}\n", 1
    )
    r1 = lab_.start_vrrpd("r1", text)
    wait_state(r1, "MASTER")  # INIT->BACKUP, BACKUP->MASTER
    lab_.port_down("r1")  # MASTER->FAULT
    wait_state(r1, "FAULT")
    started = time.monotonic()
    lab_.port_up("r1")  # FAULT->BACKUP, BACKUP->MASTER while earlier hooks still run
    wait_state(r1, "MASTER", timeout=5)
    # the hooks (2 x 0.3 s per transition) are seconds behind; the state machine is not
    assert time.monotonic() - started < 2.0
    wait_holder(lab_, VIP4, "r1")

    states = vrrpd_states(r1)
    assert states == ["BACKUP", "MASTER", "FAULT", "BACKUP", "MASTER"]
    runs = 2 * len(states)
    wait_until(
        lambda: sum(r[0] == "end" for r in _records(log)) == runs, 10, message="every hook finished"
    )
    records = _records(log)
    assert [r[0] for r in records] == ["start", "end"] * runs  # never two at once
    starts = [r for r in records if r[0] == "start"]
    # per transition: the instance hook, then the global one; transitions in order
    assert [r[1] for r in starts] == ["instance", "global"] * len(states)
    olds = ["INIT", *states[:-1]]
    expected = [["VI_1", new, old] for new, old in zip(states, olds, strict=True) for _ in "ig"]
    assert [r[2:5] for r in starts] == expected
    assert all(r[5] == "150" for r in starts), starts  # priority argument
    assert [r[6] for r in starts[:2]] == ["env=VI_1/BACKUP/INIT/150"] * 2
    counters = instance(r1)["counters"]
    assert counters["hooks_run"] == runs
    assert counters["hooks_failed"] == counters["hooks_timed_out"] == 0


def test_hanging_hook_is_killed_at_its_timeout_and_failover_is_on_time(lab):
    lab_ = lab()
    log = lab_.dir / "r2-hooks.log"
    pidfile = lab_.dir / "hang-child.pid"
    hang = write_script(lab_, "hang.sh", f'sleep 60 &\necho $! > "{pidfile}"\nwait\n')
    record = write_script(lab_, "record.sh", RECORD.format(sleep=0))
    r2_extra = (
        f"notify_backup = {_hook(hang)}\n"
        f"notify = {_hook(record, str(log), 'instance')}\n"
        "notify_timeout = 4.0"
    )
    r1 = lab_.start_vrrpd("r1", vrrpd_conf(priority=150, router_id="r1"))
    wait_state(r1, "MASTER")
    r2 = lab_.start_vrrpd("r2", vrrpd_conf(priority=100, router_id="r2", extra=r2_extra))
    wait_state(r2, "BACKUP")
    wait_until(pidfile.exists, 5, message="the hanging hook started")
    child = int(pidfile.read_text())
    assert pid_alive(child)

    started = time.monotonic()
    lab_.port_down("r1")  # the master dies while r2's BACKUP hook hangs
    wait_state(r2, "MASTER", timeout=5)
    wait_holder(lab_, VIP4, "r2", timeout=5)
    # Master_Down_Interval ~0.34 s (advert_int 0.1); the 4 s hook is not in the way
    assert time.monotonic() - started < 2.0
    assert pid_alive(child), "the hook was killed before its timeout"

    wait_until(lambda: not pid_alive(child), 7, message="the hook's process group was killed")
    wait_until(lambda: len(_records(log)) == 4, 5, message="the queued hooks ran after it")
    assert [r[3] for r in _records(log) if r[0] == "start"] == ["BACKUP", "MASTER"]
    assert "hook timed out" in r2.log_text()
    counters = instance(r2)["counters"]
    assert counters["hooks_timed_out"] == 1
    assert counters["hooks_run"] == 3  # hang (BACKUP), record (BACKUP), record (MASTER)
    assert counters["hooks_failed"] == 0
