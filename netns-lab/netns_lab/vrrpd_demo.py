"""`make demo`: two vrrpd routers and a client; the master dies, the client barely notices.

A person reads the output: a timeline in ms since the start, each router's state, the
outage the client saw, the new master's `vrrpd status`, and the old master taking the
VIP back when it returns (preemption).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from .lab import Lab
from .vrrpd_lab import vrrpd_conf, vrrpd_status, wait_vrrpd_state
from .waiting import wait_until

VIP = "192.0.2.100"
PRIORITIES = {"r1": 150, "r2": 100}


class Timeline:
    def __init__(self, say: Callable[[str], None]) -> None:
        self._t0 = time.monotonic()
        self._say = say

    def __call__(self, text: str) -> None:
        self._say(f"[{(time.monotonic() - self._t0) * 1000:8.0f} ms] {text}")

    def block(self, text: str) -> None:
        for line in text.rstrip().splitlines():
            self._say(f"{'':14}{line}")


def _floor_ms(advert_int: float, backup_priority: int) -> float:
    skew = (256 - backup_priority) * advert_int / 256
    return (3 * advert_int + skew) * 1000


def demo_vrrpd(*, advert_int: float = 0.1, interval: float = 0.005, prefix: str | None = None,
               say: Callable[[str], None] = print) -> bool:
    """Run the demo; True when every step behaved (the VIP always came back)."""
    line = Timeline(say)
    ok = True
    with Lab(prefix, hosts=("r1", "r2")) as lab:
        line(f"lab {lab.prefix} up: switch + "
             + ", ".join(f"{h.name} {h.ipv4}" for h in lab.all_hosts))
        line(f"VIP {VIP}/24, VRRPv3, advert_int {advert_int * 1000:g} ms, "
             f"priorities r1={PRIORITIES['r1']} r2={PRIORITIES['r2']}")

        def start(host: str):
            conf = vrrpd_conf(router_id=host, priority=PRIORITIES[host], advert_int=advert_int,
                              vips=[f"{VIP}/24"], log_level="info")
            return lab.start_vrrpd(host, conf)

        daemons = {h: start(h) for h in ("r1", "r2")}
        wait_vrrpd_state(daemons["r1"], "MASTER")
        wait_vrrpd_state(daemons["r2"], "BACKUP")
        line("r1 MASTER (holds the VIP), r2 BACKUP")

        prober = lab.probe(VIP, interval=interval).start()
        wait_until(lambda: prober.snapshot().received >= 20, 5, message="client reaches VIP")
        line(f"client pings {VIP} every {interval * 1000:g} ms: answered by "
             f"{lab.host_by_mac(prober.snapshot().last_mac)}")

        line("FAULT: r1 dies (vrrpd SIGKILLed, cable pulled)")
        lab.kill(daemons["r1"], signal.SIGKILL)
        lab.port_down("r1")
        inst = wait_vrrpd_state(daemons["r2"], "MASTER")
        line(f"r2 MASTER ({inst['last_reason']})")
        time.sleep(max(1.0, 5 * advert_int))
        result = prober.stop()
        ok &= result.recovered
        line(f"client-visible outage: {result.outage_ms:.0f} ms (the backup waits "
             f"Master_Down_Interval = 3 x advert + skew = "
             f"{_floor_ms(advert_int, PRIORITIES['r2']):.0f} ms after the last advert it heard); "
             f"{result.lost} of {result.sent} probes lost; now answered by "
             f"{lab.host_by_mac(result.last_mac)}")
        line("vrrpd status on r2:")
        line.block(vrrpd_status(daemons["r2"], table=True) or "(no answer)")

        line("r1 returns: cable back, vrrpd restarted (it removes its stale VIP first)")
        prober = lab.probe(VIP, interval=interval).start()
        wait_until(lambda: prober.snapshot().received >= 20, 5, message="client reaches VIP")
        lab.port_up("r1")
        daemons["r1"] = start("r1")
        inst = wait_vrrpd_state(daemons["r1"], "MASTER")
        line(f"r1 MASTER again ({inst['last_reason']}); r2 steps back")
        wait_vrrpd_state(daemons["r2"], "BACKUP")
        time.sleep(1.0)
        result = prober.stop()
        ok &= result.recovered and lab.vip_holders(VIP) == ["r1"]
        line(f"preemption outage seen by the client: {result.outage_ms:.0f} ms; "
             f"answered by {lab.host_by_mac(result.last_mac)}")
        line("vrrpd status on r1:")
        line.block(vrrpd_status(daemons["r1"], table=True) or "(no answer)")
        line("stopping both routers (SIGTERM: priority 0, VIPs released)")
        for proc in daemons.values():
            proc.stop()
    line(f"lab {lab.prefix} removed")
    say("demo " + ("OK" if ok else "FAILED: the VIP did not come back as expected"))
    return ok
