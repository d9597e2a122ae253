"""`vrrpd run`: load the config, check privileges, set real-time scheduling, then run the
Daemon until it stops, turning start-up failures into one line and an exit code."""

from __future__ import annotations

import asyncio
import sys

from vrrpd import log
from vrrpd.config import ConfigError, load_config
from vrrpd.privileges import missing_capabilities
from vrrpd.runtime.daemon import Daemon
from vrrpd.runtime.preflight import ConfigConflict, StartupError
from vrrpd.runtime.realtime import RealtimeError, set_realtime


def run(config_path: str, socket_path: str | None, log_level: str | None = None) -> int:
    """Entry point for `vrrpd run`: 0 clean stop, 2 bad config, 1 runtime failure."""
    from vrrpd.control.client import resolve_socket

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    for warning in config.warnings:
        print(warning.render(config_path), file=sys.stderr)
    log.configure(log_level or config.global_.log_level, journald=config.log.journald)
    missing = missing_capabilities()
    if missing:
        print(f"vrrpd: error: vrrpd run needs root or the capabilities CAP_NET_ADMIN and "
              f"CAP_NET_RAW (missing: {', '.join(missing)})", file=sys.stderr)
        return 1
    path = resolve_socket(socket_path, config.global_.control_socket)
    if config.global_.realtime_priority:  # before any thread exists: they inherit it
        try:
            set_realtime(config.global_.realtime_priority)
        except RealtimeError as exc:
            print(f"vrrpd: error: {exc}", file=sys.stderr)
            return 1
    try:
        return asyncio.run(Daemon(config, config_path, path).run())
    except ConfigConflict as exc:
        log.get().error("cannot start", error=str(exc))
        print(ConfigError(config_path, [exc.problem]), file=sys.stderr)
        return 2
    except StartupError as exc:
        log.get().error("cannot start", error=str(exc))
        print(f"vrrpd: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
