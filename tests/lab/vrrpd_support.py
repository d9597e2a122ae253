"""Helpers for lab tests that run vrrpd: config text, status queries, state waits."""

from __future__ import annotations

import ipaddress
import json
import re

from netns_lab import Host, Lab, LabProcess, wait_until
from netns_lab.vrrpd_lab import vrrpd_conf, vrrpd_instance, vrrpd_status, wait_vrrpd_state

VIP4 = "192.0.2.100"
VIP6 = "2001:db8::100"

__all__ = [
    "VIP4",
    "VIP6",
    "vrrpd_conf",
    "status",
    "instance",
    "state_of",
    "wait_state",
    "wait_holder",
    "start_pair",
    "stop",
    "KEEPALIVED_REJECTS",
    "keepalived_states",
    "wait_keepalived_state",
    "keepalived_rejections",
    "vrrpd_states",
    "link_local",
]


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
    """r1 (higher priority) and r2; returns once r1 is MASTER and r2 BACKUP.

    r1 is started first and r2 only once r1 is master, so r2 never wins a start-up race
    (its Master_Down_Interval can be shorter than r1's interpreter start-up) and each
    side's history is exactly INIT -> BACKUP (-> MASTER for r1).
    """
    r1 = lab.start_vrrpd("r1", vrrpd_conf(priority=prio[0], vips=vips, router_id="r1", **kw))
    wait_state(r1, "MASTER")
    r2 = lab.start_vrrpd("r2", vrrpd_conf(priority=prio[1], vips=vips, router_id="r2", **kw))
    wait_state(r2, "BACKUP")
    return r1, r2


def stop(proc: LabProcess, timeout: float = 10.0) -> int:
    """SIGTERM and wait: a clean stop must exit 0."""
    import signal

    proc.signal(signal.SIGTERM, group=False)
    return proc.wait(timeout)


# -- keepalived peers (interop tests) -------------------------------------------------------

_KEEPALIVED_STATE = re.compile(r"\((?P<name>[^)\s]+)\) Entering (?P<state>[A-Z]+) STATE")
# keepalived 2.2.7's log lines for an advert it refuses (strings taken from its binary)
KEEPALIVED_REJECTS = re.compile(
    r"invalid passwd|Invalid VRRPv[23] checksum|auth, expecting|wrong version|invalid TTL"
    r"|advertisement interval mismatch|unexpected ip number count|not present in MASTER advert"
    r"|expected \d+ VIPs but received|ip_tot_len mismatch|icast packet but received"
)


def keepalived_states(proc: LabProcess, name: str = "VI_1") -> list[str]:
    """Every state keepalived announced for instance `name`, in order, from its log."""
    return [m["state"] for m in _KEEPALIVED_STATE.finditer(proc.log_text()) if m["name"] == name]


def wait_keepalived_state(
    proc: LabProcess, state: str, timeout: float = 10.0, name: str = "VI_1"
) -> None:
    """Wait until keepalived's latest announced state for `name` is `state`."""

    def reached() -> bool:
        if not proc.running:
            raise AssertionError(f"{proc.name} exited rc={proc.poll()}:\n{proc.log_tail(30)}")
        states = keepalived_states(proc, name)
        return bool(states) and states[-1] == state

    reached.__name__ = f"{proc.name} {name} in {state}"
    wait_until(reached, timeout, 0.05)


def keepalived_rejections(proc: LabProcess) -> list[str]:
    """Log lines in which keepalived refused a received advert (empty: it took them all)."""
    return [line for line in proc.log_text().splitlines() if KEEPALIVED_REJECTS.search(line)]


def vrrpd_states(proc: LabProcess, name: str = "VI_1") -> list[str]:
    """Every state vrrpd entered for instance `name`, in order, from its JSON log lines."""
    states = []
    for line in proc.log_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "transition" and record.get("instance") == name:
            states.append(record["new"])
    return states


def link_local(host: Host) -> str:
    """The host's kernel-made (EUI-64) IPv6 link-local address: the source of its adverts.

    Derived from the MAC rather than read back, since a master also holds link-local VIPs.
    """
    octets = [int(part, 16) for part in host.mac.split(":")]
    octets[0] ^= 0x02  # flip the universal/local bit
    eui64 = bytes([*octets[:3], 0xFF, 0xFE, *octets[3:]])
    address = str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui64))
    if not host.has_address(address):
        raise AssertionError(f"{host.name} lacks its link-local address {address}")
    return address
