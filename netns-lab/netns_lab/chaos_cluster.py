"""Three routers of one implementation (vrrpd or keepalived) for the chaos run: start them,
read each one's VRRP state from its own log (cheap: no status process per poll), find the
VIP's holders, and apply and undo the fault classes of chaos_plan. Every router runs the
chaos notify hooks (chaos_hooks); vrrpd routers also publish to the lab's MQTT broker."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import sys

from .chaos_hooks import Hooks
from .daemons import unique_name
from .errors import LabError
from .keepalived import keepalived_conf
from .lab import Lab
from .plan import HOST_IFACE, VIPS4
from .processes import LabProcess

VIP = VIPS4[0]
VRID = 51
IMPLEMENTATIONS = ("vrrpd", "keepalived")
_KEEPALIVED_STATE = re.compile(r"\(VI_1\) Entering (MASTER|BACKUP|FAULT) STATE")
HOG = "import time\nend = time.monotonic() + {hold}\nwhile time.monotonic() < end: pass\n"


def vrrpd_config(host: str, priority: int, advert_int: float, *, hooks: str = "",
                 mqtt: str = "") -> str:
    """`hooks`: instance keys (Hooks.vrrpd_keys); `mqtt`: an `[mqtt]` table (broker)."""
    return (f'[global]\nrouter_id = "{host}"\nlog_level = "info"\n\n'
            f'[instances.VI_1]\ninterface = "{HOST_IFACE}"\nvirtual_router_id = {VRID}\n'
            f"priority = {priority}\nadvert_int = {advert_int}\n"
            f'virtual_ipaddress = ["{VIP}/24"]\n{hooks}{mqtt}')


class Cluster:
    def __init__(self, lab: Lab, impl: str, priorities: dict[str, int], advert_int: float,
                 *, hooks: Hooks | None = None, mqtt: str = ""):
        """`mqtt`: the `[mqtt]` table vrrpd routers get (keepalived has no MQTT client)."""
        if impl not in IMPLEMENTATIONS:
            raise ValueError(f"implementation {impl!r} is not one of {IMPLEMENTATIONS}")
        self.lab, self.impl = lab, impl
        self.priorities, self.advert_int = priorities, advert_int
        self.hooks, self.mqtt = hooks, mqtt
        self.procs: dict[str, LabProcess] = {}
        self._seen: dict[str, tuple[int, str | None]] = {}  # host -> (log offset, state)
        self.killed: set[str] = set()  # down on purpose
        self.stopped: set[str] = set()

    # -- daemons ------------------------------------------------------------------------
    def start(self, host: str) -> None:
        priority = self.priorities[host]
        if self.impl == "vrrpd":
            hooks = self.hooks.vrrpd_keys(host) if self.hooks else ""
            proc = self.lab.start_vrrpd(host, vrrpd_config(
                host, priority, self.advert_int, hooks=hooks, mqtt=self.mqtt))
        else:
            proc = self.lab.start_keepalived(host, keepalived_conf(
                router_id=host, vrid=VRID, priority=priority, advert_int=self.advert_int,
                vips=[f"{VIP}/24"],
                notify=self.hooks.keepalived_notify(host) if self.hooks else None))
        self.procs[host] = proc
        self._seen[host] = (0, None)
        self.killed.discard(host)

    def state(self, host: str) -> str | None:
        """The last state the daemon on `host` announced (None before the first)."""
        proc = self.procs.get(host)
        if proc is None:
            return None
        offset, state = self._seen[host]
        text = proc.log_text(offset)
        end = text.rfind("\n") + 1  # a line still being written is read next time
        for line in text[:end].splitlines():
            state = self._state_in(line) or state
        self._seen[host] = (offset + len(text[:end].encode()), state)
        return state

    def _state_in(self, line: str) -> str | None:
        if self.impl == "keepalived":
            found = _KEEPALIVED_STATE.search(line)
            return found[1] if found else None
        if not line.startswith("{"):
            return None
        try:
            record = json.loads(line)
        except ValueError:
            return None
        if record.get("event") == "transition" and record.get("instance") == "VI_1":
            return record.get("new")
        return None

    def masters(self) -> list[str]:
        return [h for h in self.procs if h not in self.killed and self.state(h) == "MASTER"]

    def holders(self) -> list[str]:
        found = []
        for host in self.procs:
            try:
                if self.lab[host].has_address(VIP):
                    found.append(host)
            except LabError:  # no eth0 right now
                pass
        return found

    def dead(self) -> list[str]:
        return [h for h, p in self.procs.items() if h not in self.killed and not p.running]

    def missing_primary(self) -> list[str]:
        missing = []
        for host in self.procs:
            try:
                if not self.lab[host].has_address(self.lab[host].ipv4):
                    missing.append(host)
            except LabError:
                missing.append(host)
        return missing

    # -- faults -------------------------------------------------------------------------
    def kill(self, host: str) -> None:
        self.killed.add(host)
        self.procs[host].signal(signal.SIGKILL)  # the whole group, as a crash
        self.procs[host].wait(10)

    def sigstop(self, host: str, stop: bool) -> None:
        (self.stopped.add if stop else self.stopped.discard)(host)
        self.procs[host].signal(signal.SIGSTOP if stop else signal.SIGCONT)

    def reload(self, host: str) -> None:
        self.procs[host].signal(signal.SIGHUP, group=False)

    def delete_vip(self, host: str) -> None:
        with contextlib.suppress(LabError):  # it was not there (not a holder after all)
            self.lab[host].ip("addr", "del", f"{VIP}/24", "dev", HOST_IFACE)

    def cpu_hog(self, host: str, hold: float) -> list[LabProcess]:
        code = HOG.format(hold=hold)
        target = self.lab[host]
        return [self.lab.start(host, [sys.executable, "-c", code],
                               name=unique_name(target, f"hog-{host}")) for _ in range(2)]

    def restart_all(self) -> None:
        """Repair after a violation: every daemon stopped (the whole group) and started."""
        for host in list(self.procs):
            if host in self.stopped:
                self.sigstop(host, False)
            proc = self.procs[host]
            if proc.running:
                proc.stop()
        for host in list(self.procs):
            self.start(host)
