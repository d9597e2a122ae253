"""Gather one instance's `Facts` for `vrrpd explain` (vrrpd.protocol.explain words them).

Reads only: the Router's view, the instance's peer table and split-brain watch, tracking's
and the sync group's status. Deadlines become "seconds from now" here, so the pure side
never sees a clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from vrrpd import __version__
from vrrpd.protocol.explain import Facts, SplitBrain, Tracked, explain
from vrrpd.protocol.timing import master_down_interval

if TYPE_CHECKING:
    from vrrpd.runtime.daemon import Daemon
    from vrrpd.runtime.instance import InstanceRunner
    from vrrpd.runtime.split_brain import SplitBrainWatch

Json = dict[str, object]


def _tracked(entries: Sequence[Mapping[str, object]]) -> tuple[Tracked, ...]:
    return tuple(
        Tracked(name=str(e["name"]), kind=str(e["kind"]), state=str(e["state"]),
                weight=int(str(e["weight"])), effect=int(str(e["effect"])),
                fault=bool(e["fault"]))
        for e in entries
    )


def _split_brain(episode: Mapping[str, object] | None) -> SplitBrain | None:
    if episode is None:
        return None
    other = episode.get("other")
    other = other if isinstance(other, Mapping) else {}
    ip, mac, since = other.get("ip"), other.get("mac"), episode.get("since")
    return SplitBrain(other_ip=None if ip is None else str(ip),
                      other_mac=None if mac is None else str(mac),
                      cause=str(episode.get("cause", "")),
                      since=float(since) if isinstance(since, int | float) else 0.0)


def facts_of(runner: InstanceRunner, *, now: float, watch: SplitBrainWatch | None = None,
             tracked: Sequence[Mapping[str, object]] = (), sync_group: str | None = None,
             sync_group_state: str | None = None, link_up: bool | None = None) -> Facts:
    """The facts of `runner` at loop time `now` (`watch`: its split-brain watch, if any)."""
    r, cfg = runner.router, runner.cfg
    wall = time.time()
    split = _split_brain(watch.status() if watch is not None else None)
    hold = r.startup_hold_until
    return Facts(
        name=runner.name,
        state=r.state.value,
        interface=cfg.interface,
        base_priority=r.base_priority,
        priority=r.priority,
        preempt=cfg.preempt,
        preempt_delay=cfg.preempt_delay,
        primary_ip=str(runner.primary_ip),
        advert_int=cfg.advert_int,
        master_advert_int=r.master_adver_int,
        master_down_interval=master_down_interval(r.priority, r.master_adver_int, cfg.version),
        since_age=None if runner.since_wall is None else max(0.0, wall - runner.since_wall),
        since=runner.since_wall,
        last_reason=r.last_reason,
        master_ip=None if r.master_ip is None else str(r.master_ip),
        master_priority=r.master_priority,
        timers={timer.value: max(0.0, at - now) for timer, at in r.timers.items()},
        fault_sources=r.fault_sources,
        link_up=link_up,
        tracked=_tracked(tracked),
        sync_group=sync_group,
        sync_group_state=sync_group_state,
        sync_group_hold=r.sync_group_hold,
        startup_hold_left=0.0 if hold is None else max(0.0, hold - now),
        peers=runner.peer_table.snapshot(now),
        claims=watch.claims_seen() if watch is not None else None,
        split_brain=split,
        vips=tuple(str(v.interface) for v in cfg.vips),
    )


def explain_runner(runner: InstanceRunner, *, now: float, watch: SplitBrainWatch | None = None,
                   tracked: Sequence[Mapping[str, object]] = (), sync_group: str | None = None,
                   sync_group_state: str | None = None, link_up: bool | None = None) -> Json:
    """`vrrpd explain --json`'s object for one instance."""
    return explain(facts_of(runner, now=now, watch=watch, tracked=tracked, sync_group=sync_group,
                            sync_group_state=sync_group_state, link_up=link_up))


def explain_daemon(daemon: Daemon, instance: str | None = None) -> Json:
    """The explain reply: every running instance, or the one named (else an error)."""
    runners = list(daemon.runners.values())
    if instance is not None:
        runners = [r for r in runners if r.name == instance]
        if not runners:
            known = ", ".join(daemon.runners) or "none"
            return {"error": f"no instance {instance!r} is running (running: {known})"}
    now = asyncio.get_running_loop().time()
    explained = []
    for r in runners:
        group = daemon.sync_groups.group_of(r.name)
        explained.append(explain_runner(
            r, now=now, watch=daemon.split_brain.watch_of(r),
            tracked=daemon.tracking.status_of(r.name),
            sync_group=group.cfg.name if group is not None else None,
            sync_group_state=group.state.value if group is not None else None,
            link_up=daemon.link_up.get(r.link.index)))
    return {"version": __version__, "router_id": daemon.config.global_.router_id,
            "instances": explained}
