"""SIGHUP: re-read the config and bring the running instances in line with it.

An unchanged instance keeps running untouched; one whose changes a master can apply in
place (VIPs, GARP tuning, hooks, tracking) is reconfigured without a transition; any other
change, or a move between sync groups, restarts it. A config that does not load is
rejected whole and the running one stays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from vrrpd.config import ConfigError
from vrrpd.config.model import InstanceConfig
from vrrpd.io import errors as io_errors
from vrrpd.runtime.config_read import load_off_loop
from vrrpd.runtime.preflight import StartupError

if TYPE_CHECKING:
    from vrrpd.runtime.daemon import Daemon


def tunable_only(old: InstanceConfig, new: InstanceConfig) -> bool:
    """True when two instance configs differ only in what a master can apply in place."""
    in_place = ("vips", "vips_excluded", "garp_master_delay", "garp_master_repeat",
                "garp_interval", "garp_master_refresh", "notify", "notify_master",
                "notify_backup", "notify_fault", "notify_timeout", "notify_stop",
                "notify_master_rx_lower_pri",
                "notify_convention",  # hooks are read at each transition
                "track_interface", "track_script", "track_file",  # vrrpd.runtime.tracking
                "dont_track_primary")
    if old.announce is not None or new.announce is not None:
        # the announced host routes follow the addresses: a restart rebuilds them
        in_place = tuple(k for k in in_place if k not in ("vips", "vips_excluded"))
    same = {k: getattr(old, k) for k in in_place if hasattr(old, k)}
    return msgspec.structs.replace(new, **same) == old


async def reload(daemon: Daemon) -> None:
    """One reload at a time (the daemon's lock); errors per instance are logged, not raised."""
    async with daemon._reload_lock:
        try:  # off the loop: a big or hostile file must not delay a single advert
            new = await load_off_loop(daemon.config_path)
        except ConfigError as exc:
            daemon._log.error("reload rejected; keeping the running configuration",
                              problems=str(exc).splitlines())
            return
        for warning in new.warnings:
            daemon._log.warning("config warning", warning=warning.render(daemon.config_path))
        old = dict(daemon.runners)
        moved = daemon.sync_groups.moved(new.sync_groups)  # restarted: no stale group state
        daemon.sync_groups.reconfigure(new.sync_groups, new.global_.notify_fifo)
        await daemon.tracking.reconfigure(new)
        to_stop, to_start = [], []
        for cfg in new.instances:
            runner = old.pop(cfg.name, None)
            lost = cfg.name in daemon.lifecycle.lost  # restart it: its interface may be back
            if runner is not None and runner.cfg == cfg and cfg.name not in moved and not lost:
                continue
            if (runner is not None and cfg.name not in moved and not lost
                    and tunable_only(runner.cfg, cfg) and runner.vip_links.covers(cfg)):
                await runner.reconfigure(cfg)
                continue
            if runner is not None:
                to_stop.append(runner)
            to_start.append(cfg)
        # every instance that goes away or restarts stops before any starts, so a VRID (or a
        # VIP) can move to another instance name, or two instances swap theirs, in one reload
        for runner in old.values():
            daemon.lifecycle.forget(runner.name)  # no longer configured
        for runner in [*to_stop, *old.values()]:
            await daemon._remove_instance(runner)
        for runner in old.values():
            if daemon.mqtt is not None:
                daemon.mqtt.remove_discovery(runner.name)  # no longer configured
        for cfg in to_start:
            try:
                await daemon._add_instance(cfg)
                daemon.lifecycle.forget(cfg.name)
            except (StartupError, io_errors.VrrpIoError) as exc:
                daemon._log.error("reload: instance not started", instance=cfg.name,
                                  error=str(exc))
        daemon.config = new
        daemon._log.info("reloaded", instances=len(daemon.runners))
