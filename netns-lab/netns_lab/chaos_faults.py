"""The chaos run's broker-down and hook-hang fault classes, and what each checks afterwards.

broker: the lab's mosquitto (on the client) is stopped for the hold and started again, with
  nothing persisted. vrrpd routers publish to it and must lose nothing (floor 0) and, after
  the settle, must have reconnected within RECONNECT_S. keepalived has no MQTT client: on
  keepalived the same schedule stops and starts the broker with nobody connected, so both
  implementations still run one and the same schedule.
hook: the target's hooks hang (chaos_hooks) while its switch port is down for the hold, so
  its FAULT hook hangs; the flag stays HOOK_TAIL_S after the port is back, so the hooks of
  its return (BACKUP, then MASTER if it preempts) hang too. On the master this is a port
  fault with hung hooks (floor Master_Down); on a backup it costs the client nothing. The
  target's own port rather than the master's: whether a backup changes state when the
  master goes depends on the election (r2 and r3 tie, broken by address), its own port
  makes its hooks run every time. The check: at least one of its hooks did hang.
"""

from __future__ import annotations

import time

from .broker import mqtt_section, start_broker
from .chaos_cluster import Cluster
from .chaos_hooks import Hooks
from .lab import Lab
from .processes import LabProcess

HOOK_TAIL_S = 1.0  # the flag outlives the port fault by this: the return's hooks hang too
RECONNECT_S = 10.0  # vrrpd retries after 0.5, 1, 2, 4 s...: a 2 s outage is over by then
MQTT_CONNECTED = '"mqtt connected"'  # vrrpd's JSON log line


class ChaosKit:
    """The broker and the hooks of one chaos lab."""

    def __init__(self, lab: Lab) -> None:
        if lab.dir is None:
            raise ValueError("the lab must be up")
        self.lab = lab
        self.hooks = Hooks(lab.dir)
        self.broker = start_broker(lab)
        self.mqtt = mqtt_section()
        self._since: dict[str, tuple[LabProcess, int]] = {}  # host -> (daemon, log offset)
        self._hook_mark = 0

    def broker_down(self, cluster: Cluster, hold: float) -> None:
        self.broker.stop()
        try:
            time.sleep(hold)
        finally:
            self._since = {h: (p, p.log_size()) for h, p in cluster.procs.items()}
            self.broker = start_broker(self.lab)

    def hook_hang(self, target: str, hold: float) -> None:
        self._hook_mark = self.hooks.mark()
        self.hooks.hang(target, True)
        try:
            self.lab.link_flap(target, hold)
            time.sleep(HOOK_TAIL_S)
        finally:
            self.hooks.hang(target, False)

    def check(self, kind: str, cluster: Cluster, target: str) -> list[str]:
        """What the fault class itself demands once the cluster settled (empty: fine)."""
        if kind == "hook" and not self.hooks.hung(target, self._hook_mark):
            return [f"no hook of {target} ran while its hooks hung"]
        if kind == "broker" and cluster.impl == "vrrpd":
            return self._reconnected(cluster)
        return []

    def _reconnected(self, cluster: Cluster) -> list[str]:
        """Every vrrpd that was up at the broker's restart logged a reconnect (bounded)."""
        deadline = time.monotonic() + RECONNECT_S
        waiting = dict(self._since)
        while True:
            for host, (proc, offset) in list(waiting.items()):
                if (host in cluster.killed or not proc.running
                        or MQTT_CONNECTED in proc.log_text(offset)):
                    del waiting[host]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if waiting:
            return [f"mqtt not reconnected within {RECONNECT_S:g}s on {sorted(waiting)}"]
        return []
