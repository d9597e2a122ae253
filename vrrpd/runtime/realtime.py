"""`global.realtime_priority`: run the daemon under SCHED_RR, as keepalived's vrrp_rt_priority.

On a busy host a normal-priority daemon waits for the CPU like everything else, and at
10 ms adverts a few tens of milliseconds of waiting is a false takeover on the backup.
SCHED_RR puts it ahead of every normal task. SCHED_RESET_ON_FORK keeps hooks, check scripts
and the frame builder at normal priority: a runaway script must not run in real time.

Under systemd the unit sets the policy (CPUSchedulingPolicy=rr, CPUSchedulingPriority=N):
its RestrictRealtime=yes forbids the daemon to raise itself, so a daemon that already runs
at that priority or above leaves it as it is.
"""

from __future__ import annotations

import os


class RealtimeError(Exception):
    """The priority could not be set (one line for the user)."""


def current_rt_priority() -> int:
    """The calling thread's real-time priority; 0 under a normal policy."""
    policy = os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
    if policy not in (os.SCHED_RR, os.SCHED_FIFO):
        return 0
    return os.sched_getparam(0).sched_priority


def set_realtime(priority: int) -> bool:
    """SCHED_RR at `priority` (1..99) unless already at least that; True if changed."""
    if not 1 <= priority <= 99:
        raise ValueError(f"real-time priority {priority} outside 1..99")
    if current_rt_priority() >= priority:
        return False
    policy = os.SCHED_RR | getattr(os, "SCHED_RESET_ON_FORK", 0)
    try:
        os.sched_setscheduler(0, policy, os.sched_param(priority))
    except PermissionError:
        raise RealtimeError(
            f"global.realtime_priority = {priority}: not permitted to set SCHED_RR (needs "
            "root or CAP_SYS_NICE and an RLIMIT_RTPRIO that allows it; under systemd set "
            "CPUSchedulingPolicy=rr and CPUSchedulingPriority in the unit instead)"
        ) from None
    except OSError as exc:
        raise RealtimeError(
            f"global.realtime_priority = {priority}: SCHED_RR refused: {exc.strerror}"
        ) from None
    return True
