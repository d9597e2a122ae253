"""Reading the config for a reload without holding the event loop.

tomllib is pure Python: a 12 MB file held the loop for 9 s (adverts stopped, the backup took
over). The loader refuses what it should not read at all (vrrpd.config.source: over 1 MiB,
not a regular file, nested too deep) before parsing; parsing and validation run in a worker
thread. The thread still shares the GIL, but the loop gets it back at every switch interval
(5 ms), far below any Master_Down_Interval; the loop-lag probe (vrrpd.runtime.loop_lag)
shows what is left.
"""

from __future__ import annotations

import asyncio

from vrrpd.config import Config, load_config


async def load_off_loop(path: str) -> Config:
    """The validated config at `path`, read in a worker thread; ConfigError as load_config."""
    return await asyncio.to_thread(load_config, path)
