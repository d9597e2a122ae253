"""Reload reads the config off the loop, refuses an oversized or non-regular file at once,
and the loop (hence every advert timer) keeps its pace meanwhile."""

from __future__ import annotations

import asyncio
import os

import pytest

from vrrpd.config import ConfigError
from vrrpd.config.source import MAX_CONFIG_BYTES
from vrrpd.runtime import config_read as reload_mod
from vrrpd.runtime.daemon import Daemon
from vrrpd.runtime.loop_lag import LoopLag

GOOD = """
[global]
router_id = "r1"
[instances.VI_1]
interface = "eth0"
virtual_router_id = 51
priority = 100
advert_int = 0.1
virtual_ipaddress = ["192.0.2.100/24"]
"""


def _write_big(path, size: int) -> None:
    """GOOD plus `size` bytes of script tables: slow to parse and validate (~7 s/MB)."""
    with open(path, "w") as out:
        out.write(GOOD)
        index = 0
        while out.tell() < size:
            out.write(f'[scripts.s{index}]\nscript = "/bin/true {index}"\n')
            index += 1


def test_oversized_file_is_refused_with_one_clear_line(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("#" * 12 * 1024 * 1024)
    with pytest.raises(ConfigError) as info:
        asyncio.run(reload_mod.load_off_loop(str(path)))
    assert str(info.value) == (f"{path}: the file is {os.path.getsize(path)} bytes; "
                               f"the limit is {MAX_CONFIG_BYTES} bytes (1 MiB)")


def test_a_fifo_is_refused_instead_of_read_for_ever(tmp_path):
    path = tmp_path / "fifo.toml"
    os.mkfifo(path)
    with pytest.raises(ConfigError, match="not a regular file"):
        asyncio.run(asyncio.wait_for(reload_mod.load_off_loop(str(path)), 5))


def test_missing_file_is_left_to_the_loader(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the file"):
        asyncio.run(reload_mod.load_off_loop(str(tmp_path / "absent.toml")))


def _daemon(path) -> Daemon:
    from vrrpd.config import load_config

    return Daemon(load_config(path), str(path), str(path) + ".sock")


@pytest.mark.parametrize("size", [12 * 1024 * 1024, 200 * 1000])
def test_rejected_reload_does_not_hold_the_loop(tmp_path, size):
    """Before: load_config on the loop (9 s for 12 MB; 1.5 s for these 200 kB). Now: over
    the cap, refused at once; under it, parsed in a thread while the loop keeps its pace
    (generous bound: the machine may be busy; a quarter of a 100 ms instance's
    Master_Down_Interval is 0.09 s)."""
    path = tmp_path / "vrrpd.toml"
    path.write_text(GOOD)

    async def scenario() -> tuple[LoopLag, Daemon]:
        daemon = _daemon(path)
        _write_big(path, size)
        lag = LoopLag(lambda: None)
        probe = asyncio.get_running_loop().create_task(lag.run())
        await asyncio.sleep(0.1)
        await daemon.reload()
        await asyncio.sleep(0.1)
        probe.cancel()
        return lag, daemon

    lag, daemon = asyncio.run(scenario())
    assert lag.max < 0.25, lag.status()
    assert daemon.config.instances[0].advert_int == 0.1  # kept the running config
