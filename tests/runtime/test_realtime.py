"""global.realtime_priority: SCHED_RR for the daemon, children back at normal priority."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from vrrpd.runtime.realtime import RealtimeError, current_rt_priority, set_realtime

CHILD = ("import os, sys; from vrrpd.runtime.realtime import set_realtime, current_rt_priority;"
         "changed = set_realtime(int(sys.argv[1])); again = set_realtime(int(sys.argv[1]));"
         "import subprocess; child = subprocess.run([sys.executable, '-c', 'import os;"
         " print(os.sched_getscheduler(0))'], capture_output=True, text=True).stdout.strip();"
         "print(changed, again, current_rt_priority(), child)")


def run_child(priority: int, preexec=None) -> subprocess.CompletedProcess[str]:
    # in a child process: the test runner itself must not end up real-time
    return subprocess.run([sys.executable, "-c", CHILD, str(priority)], capture_output=True,
                          text=True, timeout=60, preexec_fn=preexec)


@pytest.mark.skipif(os.geteuid() != 0, reason="SCHED_RR needs root here")
def test_sets_sched_rr_once_and_children_start_normal():
    done = run_child(7)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "False", "7", str(os.SCHED_OTHER)]


def test_not_permitted_is_one_clear_error(monkeypatch):
    def refuse(*_args) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    with pytest.raises(RealtimeError, match="not permitted to set SCHED_RR") as caught:
        set_realtime(7)
    assert "\n" not in str(caught.value)


def test_vrrpd_run_says_so_in_one_line_and_exits_1(monkeypatch, tmp_path, capsys):
    from vrrpd.runtime import entry as daemon  # `vrrpd run`

    config = tmp_path / "v.toml"
    config.write_text('[global]\nrealtime_priority = 10\n\n[instances.VI_1]\ninterface = "lo"\n'
                      'virtual_router_id = 1\npriority = 100\n'
                      'virtual_ipaddress = ["192.0.2.100/24"]\n')
    monkeypatch.setattr(daemon, "missing_capabilities", lambda: [])
    monkeypatch.setattr(daemon.log, "configure", lambda *_a, **_k: None)  # keep global logging
    monkeypatch.setattr(os, "sched_setscheduler",
                        lambda *_a: (_ for _ in ()).throw(PermissionError(1, "no")))
    assert daemon.run(str(config), str(tmp_path / "s.sock")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vrrpd: error: global.realtime_priority = 10")


def test_priority_outside_1_to_99_is_refused():
    with pytest.raises(ValueError):
        set_realtime(0)
    with pytest.raises(ValueError):
        set_realtime(100)


def test_normal_process_reports_priority_zero():
    assert current_rt_priority() == 0
    assert issubclass(RealtimeError, Exception)
