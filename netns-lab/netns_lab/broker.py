"""A mosquitto broker inside a lab, on the client host.

The daemons run in the routers' namespaces and cannot reach the root namespace's loopback,
so the broker listens on the client's lab address only (192.0.2.200), keeps nothing on
disk (a restart forgets every retained message and session) and dies with the lab.
"""

from __future__ import annotations

from .daemons import unique_name
from .errors import LabError
from .lab import Lab
from .processes import LabProcess, wait_for_log

MOSQUITTO = "/usr/sbin/mosquitto"
BROKER_IP = "192.0.2.200"  # the lab client (plan: octet 200)
BROKER_PORT = 1883
PREFIX = "vrrpd"
START_TIMEOUT = 5.0


def mqtt_section(host: str = BROKER_IP, port: int = BROKER_PORT, prefix: str = PREFIX) -> str:
    """A vrrpd `[mqtt]` table (append it to a config after every other table)."""
    return f'\n[mqtt]\nhost = "{host}"\nport = {port}\ntopic_prefix = "{prefix}"\n'


def start_broker(lab: Lab) -> LabProcess:
    """mosquitto on the client, lab address only, nothing persisted; returns once it runs."""
    if lab.client is None or lab.dir is None:
        raise LabError(f"lab {lab.prefix} has no client (or is not up) to run a broker on")
    if lab.client.ipv4 != BROKER_IP:
        raise LabError(f"lab client has {lab.client.ipv4}, the broker expects {BROKER_IP}")
    conf = lab.dir / "mosquitto.conf"
    conf.write_text(
        f"listener {BROKER_PORT} {BROKER_IP}\nallow_anonymous true\npersistence false\n"
    )
    name = unique_name(lab.client, "mosquitto")
    proc = lab.start("client", [MOSQUITTO, "-c", str(conf)], name=name)
    wait_for_log(proc, r"mosquitto version \S+ running", START_TIMEOUT)
    return proc
