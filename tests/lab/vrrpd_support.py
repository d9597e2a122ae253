"""Helpers for lab tests that run vrrpd: config text, status queries, state waits."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence

from netns_lab import Lab, LabProcess, wait_until

VIP4 = "192.0.2.100"
VIP6 = "2001:db8::100"


def vrrpd_conf(
    *,
    name: str = "VI_1",
    router_id: str = "lab",
    vrid: int = 51,
    priority: int = 100,
    advert_int: float = 0.1,
    version: int = 3,
    vips: Sequence[str] = (f"{VIP4}/24",),
    preempt: bool = True,
    preempt_delay: float = 0.0,
    unicast_src: str | None = None,
    peers: Sequence[str] = (),
    auth_pass: str | None = None,
    extra: str = "",
) -> str:
    """A one-instance vrrpd TOML config for the lab's eth0."""
    lines = [
        "[global]",
        f'router_id = "{router_id}"',
        'log_level = "debug"',
        "",
        f"[instances.{name}]",
        'interface = "eth0"',
        f"virtual_router_id = {vrid}",
        f"priority = {priority}",
        f"advert_int = {advert_int}",
        f"version = {version}",
        f"preempt = {'true' if preempt else 'false'}",
        f"preempt_delay = {preempt_delay}",
        "virtual_ipaddress = [" + ", ".join(f'"{v}"' for v in vips) + "]",
    ]
    if unicast_src:
        lines.append(f'unicast_src_ip = "{unicast_src}"')
        lines.append("unicast_peer = [" + ", ".join(f'"{p}"' for p in peers) + "]")
    if auth_pass:
        lines.append(f'authentication = {{ type = "PASS", password = "{auth_pass}" }}')
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def status(proc: LabProcess, timeout: float = 3.0) -> dict | None:
    """`vrrpd status --json` for a lab daemon; None while it does not answer."""
    sock = proc.files["socket"]
    try:
        out = subprocess.run(
            [sys.executable, "-m", "vrrpd", "status", "--json", "--socket", str(sock)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def instance(proc: LabProcess, name: str = "VI_1") -> dict | None:
    st = status(proc)
    if st is None:
        return None
    return next((i for i in st["instances"] if i["name"] == name), None)


def state_of(proc: LabProcess, name: str = "VI_1") -> str | None:
    inst = instance(proc, name)
    return inst["state"] if inst else None


def wait_state(proc: LabProcess, state: str, timeout: float = 10.0, name: str = "VI_1") -> dict:
    def reached() -> dict | None:
        if not proc.running:
            raise AssertionError(f"{proc.name} exited rc={proc.poll()}:\n{proc.log_tail(30)}")
        inst = instance(proc, name)
        return inst if inst and inst["state"] == state else None

    reached.__name__ = f"{proc.name} {name} in {state}"
    return wait_until(reached, timeout, 0.05)


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
