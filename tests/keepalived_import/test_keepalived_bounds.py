"""Hostile or broken inputs: each is one line on stderr, exit 2, well within a second
(the generous timeout is a hang guard, not a benchmark); and time linear in VIPs/instances."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vrrpd.keepalived_import import convert_text
from vrrpd.keepalived_import.parser import MAX_BLOCK_DEPTH, MAX_FILES, MAX_INCLUDE_DEPTH

REPO = Path(__file__).resolve().parents[2]
HANG_GUARD = 20.0  # seconds; each case takes milliseconds


def run_import(path: Path) -> tuple[int, str, float]:
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "vrrpd", "import-keepalived", str(path)],
        capture_output=True, text=True, timeout=HANG_GUARD, cwd=REPO,
    )
    return result.returncode, result.stderr, time.monotonic() - start


def assert_one_line_exit_2(path: Path, message: str) -> None:
    code, err, _elapsed = run_import(path)
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    assert message in err, err
    assert "Traceback" not in err


def including(tmp_path: Path, target: str) -> Path:
    main = tmp_path / "keepalived.conf"
    main.write_text(f"global_defs {{\n router_id a\n}}\ninclude {target}\n")
    return main


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/dev/zero", "is not a regular file (a character device)"),
        ("/dev/urandom", "is not a regular file (a character device)"),
    ],
)
def test_include_of_a_device_is_refused(tmp_path, target, message):
    assert_one_line_exit_2(including(tmp_path, target), message)


def test_include_of_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert_one_line_exit_2(including(tmp_path, str(fifo)), "is not a regular file (a FIFO)")


def test_include_of_a_directory_is_refused(tmp_path):
    (tmp_path / "conf.d").mkdir()
    assert_one_line_exit_2(including(tmp_path, "conf.d"), "is not a regular file (a directory)")


def test_the_main_file_must_be_regular_too(tmp_path):
    fifo = tmp_path / "main.fifo"
    os.mkfifo(fifo)
    assert_one_line_exit_2(fifo, "not a regular file (a FIFO)")


def test_include_depth_is_capped(tmp_path):
    for n in range(MAX_INCLUDE_DEPTH + 2):
        (tmp_path / f"f{n}.conf").write_text(f"include f{n + 1}.conf\n")
    (tmp_path / f"f{MAX_INCLUDE_DEPTH + 2}.conf").write_text("")
    assert_one_line_exit_2(tmp_path / "f0.conf", f"nested more than {MAX_INCLUDE_DEPTH} deep")


def test_an_include_cycle_is_an_error(tmp_path):
    (tmp_path / "a.conf").write_text("include b.conf\n")
    (tmp_path / "b.conf").write_text("include a.conf\n")
    assert_one_line_exit_2(tmp_path / "a.conf", "includes itself (a loop)")


def test_doubling_includes_stop_at_the_file_cap(tmp_path):
    # each level includes the next one twice: 2**15 reads if nothing stopped it
    for n in range(15):
        (tmp_path / f"l{n}.conf").write_text(f"include l{n + 1}.conf\ninclude l{n + 1}.conf\n")
    (tmp_path / "l15.conf").write_text("")
    code, err, elapsed = run_import(tmp_path / "l0.conf")
    assert code == 2 and len(err.splitlines()) == 1, err
    assert f"more than {MAX_FILES} files read in all" in err
    assert elapsed < HANG_GUARD


def test_doubling_includes_of_big_files_stop_at_the_size_cap(tmp_path):
    filler = "! " + "x" * 1022 + "\n"
    (tmp_path / "big.conf").write_text(filler * 2048)  # 2 MiB
    (tmp_path / "k.conf").write_text("include big.conf\n" * 9)  # 18 MiB > 16 MiB
    assert_one_line_exit_2(tmp_path / "k.conf", "bytes of config read in all")


def test_a_file_included_twice_is_reported(tmp_path):
    (tmp_path / "vips.conf").write_text("192.0.2.1/24\n")
    main = tmp_path / "k.conf"
    main.write_text(
        "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n"
        " virtual_ipaddress {\n  include vips.conf\n }\n}\n"
        "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n"
        " virtual_ipaddress {\n  include vips.conf\n }\n}\n"
    )
    from vrrpd.keepalived_import import convert_file

    conversion = convert_file(str(main))
    assert [str(n.render()) for n in conversion.notes if n.keyword == "include"] == [
        f"{main}:12: include: converted, but {tmp_path}/vips.conf is read again (first "
        f"included at {main}:5): its statements appear twice"
    ]
    assert set(conversion.document["instances"]) == {"A", "B"}


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_blocks_are_one_line_errors(tmp_path, depth):
    path = tmp_path / "nested.conf"
    path.write_text("a {\n" * depth + "}\n" * depth)
    code, err, elapsed = run_import(path)
    assert code == 2 and len(err.splitlines()) == 1, err[-500:]
    assert f"blocks nested more than {MAX_BLOCK_DEPTH} deep" in err
    assert elapsed < HANG_GUARD


def vip_config(count: int) -> str:
    vips = "\n".join(f"  10.{i >> 16}.{(i >> 8) & 255}.{i & 255}/32" for i in range(count))
    return (
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n"
        f" virtual_ipaddress {{\n{vips}\n }}\n}}\n"
    )


def test_20000_vips_convert_in_linear_time():
    start = time.perf_counter()
    conversion = convert_text(vip_config(20_000))
    conversion.toml()
    elapsed = time.perf_counter() - start
    assert len(conversion.document["instances"]["VI_1"]["virtual_ipaddress"]) == 20_000
    assert elapsed < 10.0  # measured ~0.5 s on a loaded 2-core machine; quadratic took minutes
