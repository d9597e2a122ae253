"""Beyond one LAN: two vrrpd routers in different subnets, unicast VRRP through an upstream
router, the VIP on lo announced by FRR's bgpd (netns_lab.routed). Timing bounds here are
generous; the bench (`make bench`, routed rows) reports the numbers."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest
from netns_lab import LabError, wait_until
from netns_lab.frr import frr_available
from netns_lab.routed import ROUTERS, VIP, RoutedLab, routed_vrrpd_conf
from netns_lab.vrrpd_lab import vrrpd_instance, wait_vrrpd_state

pytestmark = [pytest.mark.lab, pytest.mark.timeout(180)]

ADVERT_INT = 0.1
PREEMPT_DELAY = 3.0  # the returning master's BGP session must be up before it takes over
SETTLE_S = 20.0


@pytest.fixture
def routed(lab_session, request) -> Iterator[RoutedLab]:
    why = frr_available()
    if why is not None:
        pytest.fail(why, pytrace=False)  # make test installs FRR: missing is a broken setup
    lab = RoutedLab(lab_session.next_prefix())
    try:
        lab.up()
        wait_until(lab.established, SETTLE_S, 0.2, message="upstream BGP sessions established")
        yield lab
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            print(lab.report())
        lab.down()


class DualWatch:
    """Samples the upstream's BGP paths for the VIP; the longest run with two paths."""

    def __init__(self, lab: RoutedLab) -> None:
        self.lab = lab
        self.longest = 0.0
        self._since: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[str] = []

    def __enter__(self) -> DualWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                hops = self.lab.bgp_next_hops()
            except LabError as exc:  # a vtysh hiccup; keep sampling
                self.errors.append(str(exc))
                continue
            now = time.monotonic()
            if len(hops) > 1:
                self._since = self._since or now
                self.longest = max(self.longest, now - self._since)
            else:
                self._since = None


def start_pair(lab: RoutedLab):
    r1 = lab.start_vrrpd(
        "r1",
        routed_vrrpd_conf(
            ROUTERS[0], priority=150, advert_int=ADVERT_INT, preempt_delay=PREEMPT_DELAY
        ),
    )
    r2 = lab.start_vrrpd("r2", routed_vrrpd_conf(ROUTERS[1], priority=100, advert_int=ADVERT_INT))
    wait_vrrpd_state(r1, "MASTER", 15)
    wait_vrrpd_state(r2, "BACKUP", 15)
    wait_until(lambda: lab.announcer() == "r1", 10, 0.05, message="upstream routes VIP to r1")
    return r1, r2


def test_unicast_vrrp_through_a_router_and_the_vip_in_bgp(routed):
    r1, r2 = start_pair(routed)
    assert routed.announced_routes("r1") == [VIP]
    assert routed.announced_routes("r2") == []
    egress = routed.nodes["r1"].ip("route", "show", "203.0.113.0/24", "proto", "keepalived")
    assert f"src {VIP}" in egress, "virtual_routes with src = a VIP on lo work"
    assert not routed.nodes["r2"].ip("route", "show", "203.0.113.0/24", "proto", "keepalived")
    result = routed.probe(interval=0.01).start()
    time.sleep(0.5)
    probe = result.stop()
    assert probe.received > 0 and probe.lost == 0, "client reaches the VIP through r1"
    backup = vrrpd_instance(r2)
    assert backup["master_ip"] == ROUTERS[0].address
    assert backup["counters"]["adverts_received"] > 0
    assert "bad_ttl" not in backup["counters"].get("dropped", {}), "TTL 254 accepted"


def test_hard_fault_preempt_and_clean_stop_move_the_route(routed):
    r1, r2 = start_pair(routed)
    with DualWatch(routed) as watch:
        prober = routed.probe().start()
        time.sleep(0.3)
        routed.uplink("r1", up=False)  # the master's cable: its BGP session and adverts end
        wait_vrrpd_state(r2, "MASTER", 10)
        wait_until(lambda: routed.announcer() == "r2", 10, 0.05, message="route moved to r2")
        wait_until(lambda: prober.snapshot().recovered, 10, 0.05, message="client back")
        fault = prober.stop()
        assert fault.recovered and fault.outage_ms < 3000, fault
        assert routed.announced_routes("r2") == [VIP]

        routed.uplink("r1", up=True)  # returns; takes over after preempt_delay
        wait_until(routed.established, SETTLE_S, 0.2, message="r1's session back")
        wait_vrrpd_state(r1, "MASTER", PREEMPT_DELAY + 10)
        wait_vrrpd_state(r2, "BACKUP", 5)
        wait_until(lambda: routed.announcer() == "r1", 10, 0.05, message="route back on r1")
        assert routed.announced_routes("r2") == []

        prober = routed.probe().start()
        time.sleep(0.3)
        r1.signal(signal.SIGTERM, group=False)  # clean stop: priority 0, hand over
        assert r1.wait(10) == 0
        wait_vrrpd_state(r2, "MASTER", 5)
        wait_until(lambda: routed.announcer() == "r2", 10, 0.05, message="route moved on stop")
        wait_until(lambda: prober.snapshot().recovered, 10, 0.05, message="client back")
        graceful = prober.stop()
        assert graceful.recovered and graceful.outage_ms < 2000, graceful
        assert routed.announced_routes("r1") == []
        assert (
            not routed.nodes["r1"].run(["ip", "-o", "addr", "show", "dev", "lo"]).stdout.count(VIP)
        ), "a clean stop leaves no VIP on lo"
    # generous: one advert interval plus the sampler's own latency (one vtysh call)
    assert watch.longest <= 0.5, f"upstream held the VIP from both routers {watch.longest:.3f}s"
    print(
        f"routed: hard fault {fault.outage_ms:.0f} ms, clean stop {graceful.outage_ms:.0f} ms,"
        f" longest dual announcement {watch.longest * 1000:.0f} ms"
    )
