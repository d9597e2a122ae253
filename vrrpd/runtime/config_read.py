"""Reading the config for a reload without holding the event loop.

tomllib is pure Python: a 12 MB file held the loop for 9 s (adverts stopped, the backup took
over). The file is size-checked first (MAX_CONFIG_BYTES, a regular file only: a FIFO or a
device would never end), then parsed and validated in a worker thread. The thread still
shares the GIL, but the loop gets it back at every switch interval (5 ms), far below any
Master_Down_Interval; the loop-lag probe (vrrpd.runtime.loop_lag) shows what is left.
"""

from __future__ import annotations

import asyncio
import os
import stat

from vrrpd.config import Config, ConfigError, load_config
from vrrpd.config.errors import ConfigProblem

MAX_CONFIG_BYTES = 1024 * 1024  # 1 MiB: 255 instances with every option fit in a tenth of it


def check_size(path: str, limit: int = MAX_CONFIG_BYTES) -> None:
    """ConfigError unless `path` is a regular file of at most `limit` bytes (missing files
    are left to the loader, which says so)."""
    try:
        info = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(path, [ConfigProblem("", "not a regular file")])
    if info.st_size > limit:
        raise ConfigError(path, [ConfigProblem(
            "", f"file is {info.st_size} bytes; the limit is {limit} bytes")])


def _load(path: str) -> Config:
    check_size(path)
    return load_config(path)


async def load_off_loop(path: str) -> Config:
    """The validated config at `path`, read in a worker thread; ConfigError as load_config."""
    return await asyncio.to_thread(_load, path)
