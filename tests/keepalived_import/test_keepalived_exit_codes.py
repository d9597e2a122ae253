"""Exit codes of import-keepalived (0 / 1 / 2 / 3, --strict) and the notes written into the
output TOML as comments in the table they concern."""

from __future__ import annotations

import contextlib
import tomllib

from vrrpd.cli import main

INSTANCE = (
    "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority 100\n"
    " virtual_ipaddress {{\n  192.0.2.10/24\n }}\n{body}}}\n"
)


def write(tmp_path, body: str = "", before: str = ""):
    path = tmp_path / "keepalived.conf"
    path.write_text(before + INSTANCE.format(body=body))
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(["import-keepalived", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_0_when_everything_converted(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path))
    assert (code, err) == (0, "")
    assert tomllib.loads(out)["global"]["notify_convention"] == "keepalived"


def test_0_when_only_things_that_do_not_change_failover_are_left_out(tmp_path, capsys):
    code, out, err = run(capsys, write(tmp_path, " smtp_alert\n state MASTER\n"))
    assert code == 0
    assert err.count("not converted") == 2


def test_3_when_a_health_check_is_lost_and_the_toml_says_where(tmp_path, capsys):
    path = write(tmp_path, " track_script {\n  chk_missing\n }\n")
    code, out, err = run(capsys, path)
    assert code == 3
    note = (f"{path}:9: track_script: not converted ('chk_missing' is not defined or was not "
            "converted; see its definition)")
    assert note in err.splitlines()
    instance_part = out.split("[instances.VI_1]")[1]
    assert f"# {note}\n" in instance_part  # a comment inside the instance's table
    tomllib.loads(out)  # comments keep it valid TOML


def test_3_for_a_lost_vip_of_the_other_family(tmp_path, capsys):
    path = write(tmp_path).read_text().replace(
        "  192.0.2.10/24\n", "  192.0.2.10/24\n  2001:db8::1/64\n"
    )
    (tmp_path / "k2.conf").write_text(path)
    code, _out, err = run(capsys, tmp_path / "k2.conf")
    assert code == 3 and "2001:db8::1/64 is IPv6" in err


def test_1_when_written_but_invalid_here(tmp_path, capsys):
    out_file = tmp_path / "out.toml"
    code, _out, err = run(capsys, write(tmp_path, ' notify_master "/nonexistent/x"\n'),
                          "-o", out_file)
    assert code == 1 and out_file.exists()
    assert "does not pass check-config" in err


def test_2_when_unparseable(tmp_path, capsys):
    path = tmp_path / "bad.conf"
    path.write_text("vrrp_instance X {\n")
    code, out, err = run(capsys, path)
    assert (code, out) == (2, "")
    assert err == f"{path}:1: '{{' is never closed (missing '}}')\n"


def test_strict_writes_nothing_when_anything_was_lost(tmp_path, capsys):
    out_file = tmp_path / "out.toml"
    code, out, err = run(capsys, write(tmp_path, " smtp_alert\n"), "-o", out_file, "--strict")
    assert code == 3 and not out_file.exists() and out == ""
    assert "--strict: 1 line(s) not converted (0 affecting failover); nothing written" in err


def test_strict_writes_when_nothing_was_lost(tmp_path, capsys):
    out_file = tmp_path / "out.toml"
    code, _out, _err = run(capsys, write(tmp_path), "-o", out_file, "--strict")
    assert code == 0 and out_file.exists()


def test_help_documents_the_exit_codes(capsys):
    with contextlib.suppress(SystemExit):
        main(["import-keepalived", "--help"])
    out = capsys.readouterr().out
    for code in ("0  written", "1  written, but", "2  FILE cannot", "3  written, but"):
        assert code in out


def test_notes_of_blocks_not_written_go_to_the_top(tmp_path, capsys):
    path = write(tmp_path, before="virtual_server 192.0.2.1 80 {\n delay_loop 6\n}\n")
    code, out, _err = run(capsys, path)
    assert code == 0
    header, rest = out.split("[global]", 1)
    assert f"# {path}:1: virtual_server: not converted" in header
