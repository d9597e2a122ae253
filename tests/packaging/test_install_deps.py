"""`make deps` never touches the host's services: packages are installed with a policy-rc.d
that forbids starting services, an admin's own policy-rc.d comes back unchanged, and nothing
in the Makefile or the packaging scripts starts, stops or restarts a service."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "install-deps.sh"
PACKAGES = ["keepalived", "mosquitto", "iproute2", "tcpdump", "nftables", "ethtool", "frr"]

# The fake apt-get records how it was called and what policy-rc.d said, then "installs" by
# creating the probed files under DEPS_ROOT.
FAKE_APT = """#!/bin/sh
echo "apt-get $*" >>"$LOG"
if [ "$1" = install ]; then
    "$POLICY_RC_D" mosquitto start; echo "policy-rc.d says $?" >>"$LOG"
    [ -n "${FAIL:-}" ] && exit 100
    for f in usr/sbin/keepalived usr/sbin/mosquitto usr/bin/ip usr/bin/tcpdump usr/sbin/nft \\
             usr/sbin/ethtool usr/lib/frr/bgpd; do
        mkdir -p "$DEPS_ROOT/$(dirname $f)"; printf '#!/bin/sh\\n' >"$DEPS_ROOT/$f"
        chmod +x "$DEPS_ROOT/$f"
    done
fi
"""
FAKE_SYSTEMCTL = '#!/bin/sh\necho "systemctl $*" >>"$LOG"\n'


@pytest.fixture
def running_keepalived(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process named keepalived in the root namespace (a copy of sleep: it
    touches nothing)."""
    fake = tmp_path / "bin-keepalived" / "keepalived"
    fake.parent.mkdir()
    shutil.copy(shutil.which("sleep") or "/bin/sleep", fake)
    process = subprocess.Popen([str(fake), "300"])
    try:
        yield process
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    bindir = tmp_path / "fakebin"
    bindir.mkdir(exist_ok=True)
    for name, text in (("apt-get", FAKE_APT), ("systemctl", FAKE_SYSTEMCTL)):
        (bindir / name).write_text(text)
        (bindir / name).chmod(0o755)
    (tmp_path / "root").mkdir(exist_ok=True)
    return {
        **os.environ,
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "APT_GET": str(bindir / "apt-get"),
        "SYSTEMCTL": str(bindir / "systemctl"),
        "POLICY_RC_D": str(tmp_path / "policy-rc.d"),
        "DEPS_ROOT": str(tmp_path / "root"),
        "LOG": str(tmp_path / "log"),
        **extra,
    }


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60)


def _alive(process: subprocess.Popen[bytes]) -> bool:
    return process.poll() is None and Path(f"/proc/{process.pid}").exists()


def test_missing_packages_are_installed_with_services_kept_from_starting(
        tmp_path, running_keepalived):
    env = _env(tmp_path)
    done = _run(env)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "log").read_text().splitlines()
    install = next(line for line in log if line.startswith("apt-get install"))
    assert install.split()[-len(PACKAGES):] == PACKAGES
    assert "policy-rc.d says 101" in log
    assert not (tmp_path / "policy-rc.d").exists()  # removed afterwards
    # only the newly installed packages' services are disabled; nothing is stopped/started
    systemctl = [line for line in log if line.startswith("systemctl")]
    assert systemctl == [f"systemctl disable --quiet {unit}" for unit in
                         ("keepalived.service", "mosquitto.service", "frr.service")]
    assert _alive(running_keepalived)


def test_admin_policy_rc_d_is_restored_even_when_the_install_fails(tmp_path,
                                                                  running_keepalived):
    env = _env(tmp_path, FAIL="1")
    admin = tmp_path / "policy-rc.d"
    admin.write_text("#!/bin/sh\n# the admin's own\nexit 0\n")
    admin.chmod(0o750)
    before = (admin.read_bytes(), admin.stat().st_mode, admin.stat().st_mtime_ns)
    done = _run(env)
    assert done.returncode != 0
    assert "policy-rc.d says 101" in (tmp_path / "log").read_text()  # ours was in place
    assert (admin.read_bytes(), admin.stat().st_mode, admin.stat().st_mtime_ns) == before
    assert list(tmp_path.glob("policy-rc.d.*")) == []
    assert _alive(running_keepalived)


def test_nothing_missing_means_no_apt_and_no_policy(tmp_path, running_keepalived):
    env = _env(tmp_path)
    assert _run(env).returncode == 0  # installs (fakes) everything
    (tmp_path / "log").unlink()
    done = _run(env)
    assert done.returncode == 0 and done.stdout == ""
    assert not (tmp_path / "log").exists()
    assert _alive(running_keepalived)


def test_make_deps_on_this_machine_leaves_a_running_keepalived_alone(tmp_path,
                                                                    running_keepalived):
    """The real `make deps` (no fakes): whatever it has to do, the process survives it."""
    before = Path("/usr/sbin/policy-rc.d").exists()
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "deps"], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    time.sleep(0.2)
    assert _alive(running_keepalived)
    assert Path("/usr/sbin/policy-rc.d").exists() == before


SERVICE_ACTION = re.compile(
    r"\b(systemctl|service|deb-systemd-invoke|invoke-rc\.d)\b[^\n#]*"
    r"\b(start|stop|restart|try-restart|reload-or-restart|kill)\b")


# in Python, a service manager run as a program: ["systemctl", ...] or "systemctl stop ..."
PY_SERVICE_CALL = re.compile(
    r"""["'](systemctl|service|deb-systemd-invoke|invoke-rc\.d)["' ]""")


def test_no_target_or_script_starts_or_stops_a_service():
    shell = [ROOT / "Makefile", *sorted((ROOT / "packaging").glob("*.sh"))]
    python = sorted((ROOT / "netns-lab" / "netns_lab").glob("*.py"))
    offenders = [f"{path.relative_to(ROOT)}: {line.strip()}"
                 for path in shell for line in path.read_text().splitlines()
                 if SERVICE_ACTION.search(line) and not line.lstrip().startswith("#")]
    offenders += [f"{path.relative_to(ROOT)}: {line.strip()}"
                  for path in python for line in path.read_text().splitlines()
                  if PY_SERVICE_CALL.search(line)]
    assert offenders == []


def test_only_the_packages_own_service_is_stopped_on_remove():
    """prerm may stop vrrpd.service (the package's own) and nothing else."""
    for script in (ROOT / "packaging" / "debian").iterdir():
        for line in script.read_text().splitlines():
            if SERVICE_ACTION.search(line) and not line.lstrip().startswith("#"):
                assert script.name == "prerm" and "stop vrrpd.service" in line, line
