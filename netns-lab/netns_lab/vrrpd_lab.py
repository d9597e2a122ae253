"""vrrpd in the lab: TOML configs (the counterpart of keepalived.py), status, state waits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence

from .daemons import vrrpd_env
from .plan import HOST_IFACE
from .processes import LabProcess
from .waiting import wait_until


def vrrpd_conf(
    *,
    name: str = "VI_1",
    router_id: str = "lab",
    vrid: int = 51,
    priority: int = 100,
    advert_int: float = 0.1,
    version: int = 3,
    vips: Sequence[str] = ("192.0.2.100/24",),
    preempt: bool = True,
    preempt_delay: float = 0.0,
    unicast_src: str | None = None,
    peers: Sequence[str] = (),
    auth_pass: str | None = None,
    log_level: str = "debug",
    interface: str = HOST_IFACE,
    extra: str = "",
) -> str:
    """A one-instance vrrpd config; `extra` is appended inside the instance table."""
    if bool(unicast_src) != bool(peers):
        raise ValueError("unicast_src and peers go together")
    quoted = ", ".join(f'"{v}"' for v in vips)
    lines = [
        "[global]",
        f'router_id = "{router_id}"',
        f'log_level = "{log_level}"',
        "",
        f"[instances.{name}]",
        f'interface = "{interface}"',
        f"virtual_router_id = {vrid}",
        f"priority = {priority}",
        f"advert_int = {advert_int}",
        f"version = {version}",
        f"preempt = {'true' if preempt else 'false'}",
        f"preempt_delay = {preempt_delay}",
        f"virtual_ipaddress = [{quoted}]",
    ]
    if unicast_src:
        lines.append(f'unicast_src_ip = "{unicast_src}"')
        lines.append("unicast_peer = [" + ", ".join(f'"{p}"' for p in peers) + "]")
    if auth_pass:
        lines.append(f'authentication = {{ type = "PASS", password = "{auth_pass}" }}')
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def vrrpd_status(proc: LabProcess, timeout: float = 3.0, *, table: bool = False):
    """`vrrpd status` of a lab daemon: the JSON dict (or the table text); None if no answer."""
    argv = [sys.executable, "-m", "vrrpd", "status", "--socket", str(proc.files["socket"])]
    if not table:
        argv.append("--json")
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                             env=vrrpd_env(dict(os.environ)))
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    return out.stdout if table else json.loads(out.stdout)


def vrrpd_instance(proc: LabProcess, name: str = "VI_1") -> dict | None:
    st = vrrpd_status(proc)
    if st is None:
        return None
    return next((i for i in st["instances"] if i["name"] == name), None)


def wait_vrrpd_state(proc: LabProcess, state: str, timeout: float = 10.0,
                     name: str = "VI_1") -> dict:
    """Wait until instance `name` of a lab vrrpd is in `state`; fail fast if it exited."""

    def reached() -> dict | None:
        if not proc.running:
            raise AssertionError(f"{proc.name} exited rc={proc.poll()}:\n{proc.log_tail(30)}")
        inst = vrrpd_instance(proc, name)
        return inst if inst and inst["state"] == state else None

    reached.__name__ = f"{proc.name} {name} in {state}"
    return wait_until(reached, timeout, 0.05)
