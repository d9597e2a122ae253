"""`make install DESTDIR=... ` lays out a production tree that runs, and `make uninstall`
removes it again, keeping an edited /etc/vrrpd/vrrpd.toml."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
from pathlib import Path

from tests.packaging.conftest import ROOT, make, run_installed

PREFIX = "/usr/local"
VENVDIR = "/opt/vrrpd"
INSTALL = ROOT / "packaging" / "install.sh"
FILES = (
    "etc/vrrpd/vrrpd.toml",
    "usr/local/lib/systemd/system/vrrpd.service",
    "usr/local/share/man/man8/vrrpd.8.gz",
    "usr/local/share/man/man5/vrrpd.toml.5.gz",
    "usr/local/share/bash-completion/completions/vrrpd",
    "usr/local/share/vrrpd/vrrpd.schema.json",
    "usr/local/share/vrrpd/vrrpd.toml.example",
    "opt/vrrpd/bin/vrrpd",
    "opt/vrrpd/pyvenv.cfg",
)


def test_layout(installed_tree: Path):
    for name in FILES:
        assert (installed_tree / name).is_file(), name
    link = installed_tree / "usr/local/sbin/vrrpd"
    assert os.readlink(link) == f"{VENVDIR}/bin/vrrpd"
    # relocated: nothing names the staging directory, the venv follows python3.X, not python3
    assert (installed_tree / "opt/vrrpd/bin/vrrpd").read_text().startswith(
        f"#!{VENVDIR}/bin/python")
    assert str(installed_tree) not in (installed_tree / "opt/vrrpd/pyvenv.cfg").read_text()
    assert os.readlink(installed_tree / "opt/vrrpd/bin/python3.11").startswith("/usr/bin/python3.")
    site = next((installed_tree / "opt/vrrpd/lib").glob("python3*/site-packages"))
    names = {p.name.split("-")[0] for p in site.iterdir()}
    assert {"vrrpd", "msgspec", "scapy", "pyroute2", "aiomqtt", "structlog"} <= names
    assert not names & {"netns_lab", "pip", "setuptools", "tests"}


def test_unit_execstart_matches_the_prefix(installed_tree: Path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read_string((installed_tree / "usr/local/lib/systemd/system/vrrpd.service").read_text())
    service = parser["Service"]
    assert service["ExecStart"] == f"{PREFIX}/sbin/vrrpd run -c /etc/vrrpd/vrrpd.toml"
    assert service["ExecStartPre"].startswith(f"{PREFIX}/sbin/vrrpd check-config")


def test_installed_vrrpd_runs(installed_tree: Path):
    vrrpd = str(installed_tree / "usr/local/sbin/vrrpd")
    version = run_installed(installed_tree, VENVDIR, [vrrpd, "--version"])
    assert version.returncode == 0 and version.stdout.startswith("vrrpd "), version.stderr
    config = str(installed_tree / "etc/vrrpd/vrrpd.toml")
    check = run_installed(installed_tree, VENVDIR, [vrrpd, "check-config", "-c", config])
    assert check.returncode == 0, check.stderr
    assert "OK (1 instance)" in check.stdout


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if not p.is_dir()}


def test_uninstall_removes_everything(installed_tree: Path, tmp_path: Path):
    copy = tmp_path / "root"
    shutil.copytree(installed_tree, copy, symlinks=True)
    make("uninstall", f"DESTDIR={copy}")
    assert _files(copy) == set()


def test_uninstall_keeps_an_edited_config(installed_tree: Path, tmp_path: Path):
    copy = tmp_path / "root"
    shutil.copytree(installed_tree, copy, symlinks=True)
    config = copy / "etc/vrrpd/vrrpd.toml"
    config.write_text(config.read_text() + "# edited\n")
    make("uninstall", f"DESTDIR={copy}")
    assert _files(copy) == {"etc/vrrpd/vrrpd.toml"}


def test_install_never_replaces_an_existing_config(installed_tree: Path, tmp_path: Path):
    copy = tmp_path / "root"
    shutil.copytree(installed_tree, copy, symlinks=True)
    config = copy / "etc/vrrpd/vrrpd.toml"
    config.write_text("# the admin's\n")
    env = {**os.environ, "DESTDIR": str(copy)}
    done = subprocess.run([str(INSTALL), "config"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "kept" in done.stdout
    assert config.read_text() == "# the admin's\n"
    config.unlink()
    subprocess.run([str(INSTALL), "config"], env=env, check=True, capture_output=True,
                   timeout=60)
    assert config.read_bytes() == (copy / "usr/local/share/vrrpd/vrrpd.toml.example").read_bytes()
    assert config.stat().st_mode & 0o777 == 0o640  # it may hold the MQTT password


def test_install_refuses_a_venvdir_it_did_not_make(tmp_path: Path):
    foreign = tmp_path / "opt/vrrpd"
    foreign.mkdir(parents=True)
    (foreign / "precious").write_text("admin data")
    env = {**os.environ, "DESTDIR": str(tmp_path)}
    done = subprocess.run([str(INSTALL), "install"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "was not made by 'make install'" in done.stderr
    assert (foreign / "precious").read_text() == "admin data"
