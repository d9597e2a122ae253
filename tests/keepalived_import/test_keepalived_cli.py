"""`vrrpd import-keepalived FILE [-o OUT]`: output, notes on stderr, exit codes, lazy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ki_support import FIXTURES

from vrrpd.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_stdout_gets_the_toml_and_stderr_the_notes(fixture_copy, capsys):
    source = fixture_copy("unicast-v2.conf", local_bin=True)
    assert main(["import-keepalived", str(source)]) == 3  # use_vmac, a VIP... were lost
    out, err = capsys.readouterr()
    assert out.startswith(f"# Converted from {source} by vrrpd import-keepalived.\n")
    assert '[instances.VI_FW]\ninterface = "bond0"\n' in out
    lines = err.splitlines()
    assert (
        f"{source}:35: frobnicate_level: not converted (unknown keyword in vrrp_instance)" in lines
    )
    assert all(line.startswith(f"{source}:") for line in lines[:-1])
    assert lines[-1].startswith("vrrpd import-keepalived: ") and "(see above; exit 3)" in lines[-1]


def test_output_file_passes_check_config(fixture_copy, tmp_path, capsys):
    out = tmp_path / "vrrpd.toml"
    assert (
        main(["import-keepalived", str(fixture_copy("web-lb") / "keepalived.conf"), "-o", str(out)])
        == 0
    )
    assert capsys.readouterr().out == ""
    assert main(["check-config", "-c", str(out)]) == 0
    assert capsys.readouterr().out == f"{out}: OK (2 instances)\n"


def test_a_result_that_fails_check_config_is_written_and_exits_1(tmp_path, capsys):
    out = tmp_path / "vrrpd.toml"
    code = main(
        ["import-keepalived", str(FIXTURES / "debian" / "keepalived.conf.IPv6"), "-o", str(out)]
    )
    assert code == 1
    assert out.exists()
    err = capsys.readouterr().err
    assert "the converted config does not pass check-config:" in err
    assert f"{out}: instances: no instance is configured" in err


def test_unparseable_input_exits_2_with_file_and_line(capsys):
    for name, line, message in (
        ("unclosed.conf", 1, "'{' is never closed (missing '}')"),
        ("stray.conf", 4, "'}' without a matching '{'"),
        ("quote.conf", 2, "unterminated quote"),
    ):
        path = FIXTURES / "broken" / name
        assert main(["import-keepalived", str(path)]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.startswith(f"{path}:{line}: {message}"), err


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["import-keepalived", str(tmp_path / "nope.conf")]) == 2
    assert capsys.readouterr().err == (
        f"{tmp_path / 'nope.conf'}: cannot read: No such file or directory\n"
    )


def test_an_unwritable_output_exits_1(fixture_copy, tmp_path, capsys):
    target = tmp_path / "missing-dir" / "out.toml"
    source = fixture_copy("unicast-v2.conf", local_bin=True)
    assert main(["import-keepalived", str(source), "-o", str(target)]) == 1
    assert f"cannot write {target}" in capsys.readouterr().err


def test_import_keepalived_imports_neither_scapy_nor_pyroute2():
    source = FIXTURES / "debian" / "keepalived.conf.vrrp"
    code = (
        "import sys\n"
        "from vrrpd.cli import main\n"
        f"assert main(['import-keepalived', {str(source)!r}]) == 0\n"
        "heavy = sorted(name for name in sys.modules if name.split('.')[0] in "
        "('scapy', 'pyroute2', 'aiomqtt'))\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
