"""What `vrrpd status` (and metrics, sd_notify's STATUS=) read of a running daemon.

Assembled on demand from the runners and drivers; the keys are the CONTRACT's status JSON.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from vrrpd import __version__
from vrrpd.io.notify_fifo import fifo_stats
from vrrpd.protocol.timing import master_down_interval, skew_time
from vrrpd.runtime.seams import Instance

# `schema_version` of the status and explain JSON: bumped when a field changes meaning or goes
# away (fields are only ever added within one version)
SCHEMA_VERSION = 1

if TYPE_CHECKING:
    from vrrpd.runtime.daemon import Daemon


def daemon_status(daemon: Daemon) -> dict[str, Any]:
    """The whole daemon: every instance, sync group, script, socket drops and MQTT."""
    return {
        "schema_version": SCHEMA_VERSION,
        "version": __version__,
        "router_id": daemon.config.global_.router_id,
        "pid": os.getpid(),
        "started": daemon.started,
        "instances": [_instance_status(daemon, r) for r in daemon.runners.values()],
        "sync_groups": daemon.sync_groups.status(),
        "scripts": daemon.tracking.scripts_status(),
        "track_processes": daemon.tracking.processes_status(),
        "socket_drops": {f"{lst.ifindex}/{lst.family}": dict(lst.dropped)
                         for lst in daemon.listeners.values() if lst.dropped},
        "mqtt": daemon.mqtt.stats() if daemon.mqtt is not None else None,
        "notify_fifo": fifo_stats(daemon.config.global_.notify_fifo),
        "loop_lag": daemon.loop_lag.status(),
        "refused_connections": {
            "control": daemon.control.refused,
            "metrics": daemon.metrics.refused if daemon.metrics is not None else 0},
    }


def _instance_status(daemon: Daemon, runner: Instance) -> dict[str, Any]:
    group = daemon.sync_groups.group_of(runner.name)
    split_brain = daemon.split_brain.status_of(runner)
    return {**instance_status(runner, split_brain),
            "sync_group": group.cfg.name if group is not None else None,
            "tracking": daemon.tracking.status_of(runner.name),
            "interface_lost": runner.name in daemon.lifecycle.lost}


def instance_status(runner: Instance,
                    split_brain: dict[str, object] | None = None) -> dict[str, object]:
    """One instance in `vrrpd status` (the CONTRACT's keys); `split_brain` is the
    split-brain driver's view of it."""
    r = runner.router
    return {
        "name": runner.name,
        "state": r.state.value,
        "priority": r.priority,
        "base_priority": r.base_priority,
        "virtual_router_id": runner.cfg.virtual_router_id,
        "interface": runner.cfg.interface,
        "version": runner.cfg.version,
        "advert_int": runner.cfg.advert_int,
        "master_advert_int": r.master_adver_int,
        "master_ip": str(r.master_ip) if r.master_ip is not None else None,
        "vips": [str(v.interface) for v in runner.cfg.vips],
        "vips_excluded": [str(v.interface) for v in runner.cfg.vips_excluded],
        "since": runner.since_wall,
        "old_state": runner.old_state,
        "transitions": r.transitions,
        "last_reason": r.last_reason,
        **_timing_status(runner),
        "unicast_peers": [str(p) for p in runner.cfg.unicast_peer],
        "announce_table": runner.cfg.announce.table if runner.cfg.announce else None,
        "split_brain": split_brain,
        "counters": runner.counters.as_dict(),
    }


def _timing_status(runner: Instance) -> dict[str, object]:
    """The FRR `show vrrp json`-like fields: preempt mode, timing, primary address."""
    r, cfg = runner.router, runner.cfg
    interval, priority = r.master_adver_int, r.priority
    return {
        "family": cfg.family,
        "preempt": cfg.preempt,
        "preempt_delay": cfg.preempt_delay,
        "primary_ip": str(runner.primary_ip),
        "master_priority": r.master_priority,
        "skew_time": round(skew_time(priority, interval, cfg.version), 6),
        "master_down_interval": round(master_down_interval(priority, interval, cfg.version), 6),
    }


def summary(runners: Iterable[Instance]) -> str:
    """One line for systemd's STATUS=: every instance and its state."""
    parts = [f"{r.name}={r.router.state.value}" for r in runners]
    return " ".join(parts) or "no instances"
