"""Helpers for lab tests that run vrrpd: config text, status queries, state waits."""

from __future__ import annotations

from netns_lab import Lab, LabProcess, wait_until
from netns_lab.vrrpd_lab import vrrpd_conf, vrrpd_instance, vrrpd_status, wait_vrrpd_state

VIP4 = "192.0.2.100"
VIP6 = "2001:db8::100"

__all__ = ["VIP4", "VIP6", "vrrpd_conf", "status", "instance", "state_of", "wait_state",
           "wait_holder", "start_pair", "stop"]


status = vrrpd_status
instance = vrrpd_instance
wait_state = wait_vrrpd_state


def state_of(proc: LabProcess, name: str = "VI_1") -> str | None:
    inst = instance(proc, name)
    return inst["state"] if inst else None


def wait_holder(lab: Lab, vip: str, host: str | None, timeout: float = 10.0) -> None:
    def holds() -> bool:
        holders = lab.vip_holders(vip)
        return holders == ([host] if host else [])

    holds.__name__ = f"{vip} held by exactly {host}"
    wait_until(holds, timeout, 0.05)


def start_pair(lab: Lab, *, vips=(f"{VIP4}/24",), prio=(150, 100), **kw) -> tuple:
    """r1 (higher priority) and r2; returns once r1 is MASTER and r2 BACKUP."""
    r1 = lab.start_vrrpd("r1", vrrpd_conf(priority=prio[0], vips=vips, router_id="r1", **kw))
    r2 = lab.start_vrrpd("r2", vrrpd_conf(priority=prio[1], vips=vips, router_id="r2", **kw))
    wait_state(r1, "MASTER")
    wait_state(r2, "BACKUP")
    return r1, r2


def stop(proc: LabProcess, timeout: float = 10.0) -> int:
    """SIGTERM and wait: a clean stop must exit 0."""
    import signal

    proc.signal(signal.SIGTERM, group=False)
    return proc.wait(timeout)
