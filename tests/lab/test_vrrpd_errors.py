"""Mistakes a user can make at start-up: one clear line, exit 1, no traceback, nothing broken."""

from __future__ import annotations

import os
import sys

import pytest
from netns_lab import daemons
from vrrpd_support import VIP4, instance, vrrpd_conf, wait_state

pytestmark = pytest.mark.lab


def _run_once(lab_, host: str, conf: str, *, prefix=(), socket_name="err.sock"):
    h = lab_[host]
    path = h.workdir / f"err-{len(list(h.workdir.glob('err-*')))}.toml"
    path.write_text(conf)
    argv = [*prefix, sys.executable, "-m", "vrrpd", "run", "-c", str(path),
            "--socket", str(h.workdir / socket_name)]
    return h.run(argv, check=False, timeout=20, env=daemons.vrrpd_env(dict(os.environ)))


def _assert_one_clear_line(done, *needles: str) -> None:
    assert done.returncode == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("vrrpd: error:")]
    assert len(errors) == 1, done.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_missing_interface(lab):
    lab_ = lab(hosts=("r1",), client=False)
    done = _run_once(lab_, "r1", vrrpd_conf().replace('interface = "eth0"', 'interface = "eth9"'))
    _assert_one_clear_line(done, "eth9")


def test_without_net_capabilities(lab):
    lab_ = lab(hosts=("r1",), client=False)
    done = _run_once(lab_, "r1", vrrpd_conf(),
                     prefix=("setpriv", "--bounding-set=-all", "--inh-caps=-all"))
    _assert_one_clear_line(done, "CAP_NET_ADMIN and CAP_NET_RAW",
                           "missing: CAP_NET_ADMIN, CAP_NET_RAW")


def test_vip_already_on_another_interface(lab):
    lab_ = lab(hosts=("r1",), client=False)
    r1 = lab_["r1"]
    r1.ip("link", "add", "side0", "type", "veth", "peer", "name", "side1")
    r1.ip("addr", "add", f"{VIP4}/24", "dev", "side0")
    done = _run_once(lab_, "r1", vrrpd_conf())
    _assert_one_clear_line(done, VIP4, "another interface")
    assert VIP4 in r1.ip("-o", "addr", "show", "dev", "side0")  # left alone


def test_control_socket_in_use(lab):
    lab_ = lab(hosts=("r1",), client=False)
    first = lab_.start_vrrpd("r1", vrrpd_conf(priority=150))
    wait_state(first, "MASTER")
    done = _run_once(lab_, "r1", vrrpd_conf(priority=150), socket_name=first.files["socket"].name)
    _assert_one_clear_line(done, "in use")
    assert instance(first)["state"] == "MASTER"  # the running daemon is untouched
    assert lab_["r1"].has_address(VIP4)
