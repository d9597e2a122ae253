"""The `vrrpd` command line: exit codes, output format, lazy imports, shipped examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vrrpd import __version__
from vrrpd.cli import main
from vrrpd.config import load_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO / "conf").glob("*.toml"))

VALID = """
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
virtual_ipaddress = ["192.0.2.100/24"]

[instances.VI_2]
interface = "eth0"
virtual_router_id = 52
virtual_ipaddress = ["192.0.2.101/24"]
"""


def write(tmp_path: Path, text: str, name: str = "vrrpd.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"vrrpd {__version__}\n"
    assert __version__ == "0.1.0"


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: vrrpd")
    assert "check-config" in out


def test_no_command_prints_usage_and_fails(capsys):
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("usage: vrrpd")


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_check_config_needs_a_file(capsys):
    assert main(["check-config"]) == 2
    assert "-c/--config" in capsys.readouterr().err


def test_check_config_valid(tmp_path: Path, capsys):
    path = write(tmp_path, VALID)
    assert main(["check-config", "-c", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{path}: OK (2 instances)\n"
    assert captured.err == ""


def test_check_config_counts_one_instance_in_the_singular(tmp_path: Path, capsys):
    path = write(tmp_path, VALID.split("[instances.VI_2]")[0])
    assert main(["check-config", "--config", str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: OK (1 instance)\n"


def test_check_config_prints_every_problem_to_stderr(tmp_path: Path, capsys):
    text = VALID.replace("virtual_router_id = 51", "virtual_router_id = 51\npriorty = 1")
    path = write(tmp_path, text.replace("virtual_router_id = 52", "virtual_router_id = 0"))
    assert main(["check-config", "-c", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{path}: instances.VI_1: unknown key 'priorty' (did you mean 'priority'?)",
        f"{path}: instances.VI_2.virtual_router_id: must be 1..255, got 0",
    ]


def test_check_config_missing_file(tmp_path: Path, capsys):
    path = tmp_path / "absent.toml"
    assert main(["check-config", "-c", str(path)]) == 2
    assert capsys.readouterr().err == f"{path}: cannot read the file: No such file or directory\n"


def test_check_config_toml_syntax_error(tmp_path: Path, capsys):
    path = write(tmp_path, "[instances.VI_1\n")
    assert main(["check-config", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: line 1, column 16: invalid TOML: ")
    assert "Traceback" not in err


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_shipped_examples_are_valid(example: Path, capsys):
    assert main(["check-config", "-c", str(example)]) == 0
    count = len(load_config(example).instances)  # sync-group.toml has two
    assert capsys.readouterr().out == f"{example}: OK ({count} instance{'s' * (count > 1)})\n"


def test_examples_are_shipped():
    assert {path.name for path in EXAMPLES} >= {
        "a.toml",
        "b.toml",
        "unicast-a.toml",
        "unicast-b.toml",
    }


def test_check_config_imports_neither_scapy_nor_pyroute2():
    example = REPO / "conf" / "a.toml"
    code = (
        "import sys\n"
        "from vrrpd.cli import main\n"
        f"assert main(['check-config', '-c', {str(example)!r}]) == 0\n"
        "heavy = sorted(name for name in sys.modules if name.split('.')[0] in "
        "('scapy', 'pyroute2'))\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr


def test_python_dash_m_runs_the_same_cli(tmp_path: Path):
    bad = write(tmp_path, "[instances.VI_1]\n")
    version = subprocess.run(
        [sys.executable, "-m", "vrrpd", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert (version.returncode, version.stdout) == (0, f"vrrpd {__version__}\n")
    check = subprocess.run(
        [sys.executable, "-m", "vrrpd", "check-config", "-c", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert check.returncode == 2
    assert f"{bad}: instances.VI_1.interface: required key is missing" in check.stderr
    assert "Traceback" not in check.stderr


def test_check_config_reports_a_vip_the_interface_already_has(tmp_path, capsys, monkeypatch):
    from ipaddress import ip_interface

    from vrrpd.io import host_addresses

    monkeypatch.setattr(host_addresses, "host_addresses",
                        lambda: {"eth0": [(ip_interface("192.0.2.101/24"), False)]})
    path = write(tmp_path, VALID)
    assert main(["check-config", "-c", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}: instances.VI_2.virtual_ipaddress[0]: 192.0.2.101 is already")
    assert len(err.splitlines()) == 1


def test_check_config_skips_host_checks_when_netlink_is_unreadable(tmp_path, capsys, monkeypatch):
    from vrrpd.io import host_addresses

    monkeypatch.setattr(host_addresses, "host_addresses", lambda: None)
    assert main(["check-config", "-c", str(write(tmp_path, VALID))]) == 0
