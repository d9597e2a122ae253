"""`make deb`: the package's metadata and contents, then its whole life with the real dpkg
in a scratch root (`dpkg --root`, maintainer scripts run without chroot and see DPKG_ROOT,
so they do nothing to the host's systemd): install, run the installed vrrpd, remove,
purge. The host's dpkg database is never touched."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.conftest import run_installed

pytestmark = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="no dpkg-deb here")


def _dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], capture_output=True, text=True, check=True,
                          timeout=120).stdout


def test_control_fields(deb_file: Path):
    arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert deb_file.parent.name == "dist" and deb_file.name == f"vrrpd_0.1.0_{arch}.deb"
    assert _dpkg_deb("-f", str(deb_file), "Package") == "vrrpd\n"
    assert _dpkg_deb("-f", str(deb_file), "Architecture") == f"{arch}\n"  # msgspec: C code
    depends = _dpkg_deb("-f", str(deb_file), "Depends").strip().split(", ")
    assert depends[0].startswith("python3.") and int(depends[0].split(".")[1]) >= 11
    assert "iproute2" in depends
    assert "Recommends" not in _dpkg_deb("-I", str(deb_file))
    info = _dpkg_deb("-I", str(deb_file))
    for script in ("postinst", "prerm", "postrm", "conffiles", "md5sums"):
        assert script in info


def test_conffiles_and_scripts(deb_file: Path, tmp_path: Path):
    subprocess.run(["dpkg-deb", "-e", str(deb_file), str(tmp_path)], check=True, timeout=60)
    assert (tmp_path / "conffiles").read_text() == "/etc/vrrpd/vrrpd.toml\n"
    code = [line for line in (tmp_path / "postinst").read_text().splitlines()
            if not line.lstrip().startswith("#")]
    assert any("systemctl --system daemon-reload" in line for line in code)
    for line in code:  # never starts or enables on install
        assert not any(word in line.split() for word in ("start", "enable", "restart")), line
    assert "stop vrrpd.service" in (tmp_path / "prerm").read_text()
    assert 'rm -rf "${DPKG_ROOT:-}/etc/vrrpd"' in (tmp_path / "postrm").read_text()


def test_contents(deb_file: Path):
    listing = _dpkg_deb("-c", str(deb_file))
    paths = {line.split()[5].removeprefix(".") for line in listing.splitlines()}
    for path in ("/usr/sbin/vrrpd", "/usr/lib/systemd/system/vrrpd.service",
                 "/etc/vrrpd/vrrpd.toml", "/usr/share/man/man8/vrrpd.8.gz",
                 "/usr/share/man/man5/vrrpd.toml.5.gz", "/usr/share/vrrpd/vrrpd.schema.json",
                 "/usr/share/bash-completion/completions/vrrpd", "/opt/vrrpd/bin/vrrpd"):
        assert path in paths, path
    assert not any("netns_lab" in path or "/pip/" in path for path in paths)
    assert "/usr/sbin/vrrpd -> /opt/vrrpd/bin/vrrpd" in listing
    assert all(" root/root " in line for line in listing.splitlines())
    unit = subprocess.run(f"dpkg-deb --fsys-tarfile {deb_file} | tar -xO "
                          "./usr/lib/systemd/system/vrrpd.service", shell=True,
                          capture_output=True, text=True, check=True, timeout=60).stdout
    assert "ExecStart=/usr/sbin/vrrpd run -c /etc/vrrpd/vrrpd.toml" in unit


@pytest.fixture
def scratch_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "root"
    for sub in ("info", "updates", "triggers"):
        (root / "var/lib/dpkg" / sub).mkdir(parents=True)
    (root / "var/lib/dpkg/status").touch()
    yield root


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["dpkg", f"--root={root}", "--log=/dev/null", "--force-script-chrootless",
         "--force-depends", "--force-not-root", *args],
        capture_output=True, text=True, timeout=120)


def _left(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if not p.is_dir() and "var/lib/dpkg" not in str(p.relative_to(root))}


def test_install_run_remove_purge(deb_file: Path, scratch_root: Path):
    root = scratch_root
    done = _dpkg(root, "-i", str(deb_file))
    assert done.returncode == 0, done.stderr
    vrrpd = str(root / "usr/sbin/vrrpd")
    version = run_installed(root, "/opt/vrrpd", [vrrpd, "--version"])
    assert version.returncode == 0 and version.stdout == "vrrpd 0.1.0\n", version.stderr
    config = str(root / "etc/vrrpd/vrrpd.toml")
    check = run_installed(root, "/opt/vrrpd", [vrrpd, "check-config", "-c", config])
    assert check.returncode == 0, check.stderr
    man = subprocess.run(["man", "-w", "vrrpd", "vrrpd.toml"], capture_output=True, text=True,
                         env={"MANPATH": str(root / "usr/share/man"), "PATH": "/usr/bin:/bin"},
                         timeout=30)
    assert man.returncode == 0 and man.stdout.count(str(root)) == 2, man.stderr

    (root / "etc/vrrpd/vrrpd.toml").write_text("# edited by the admin\n")
    done = _dpkg(root, "-r", "vrrpd")
    assert done.returncode == 0, done.stderr
    assert _left(root) == {"etc/vrrpd/vrrpd.toml"}
    done = _dpkg(root, "--purge", "vrrpd")
    assert done.returncode == 0, done.stderr
    assert _left(root) == set()
    assert not (root / "etc/vrrpd").exists() and not (root / "opt/vrrpd").exists()
