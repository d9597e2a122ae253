"""SplitBrainWatch and friends with fake io: probes on the wire, one log record / event /
status per episode, the Announce queued as SendGarp, claim sockets opened once per link."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from ipaddress import IPv4Address, ip_address
from typing import Any

import structlog
from scapy.layers.l2 import ARP, Ether

from tests.runtime.fakes import OUR_MAC, FakeInstance, aio, link_info, until
from vrrpd.config import MqttConfig, parse_config
from vrrpd.export.mqtt import MqttPublisher
from vrrpd.io.claims import Claim
from vrrpd.io.errors import NeedPrivilege
from vrrpd.protocol.actions import SendGarp
from vrrpd.protocol.packet import Advert
from vrrpd.runtime.split_brain import SplitBrainWatches, transport

OTHER_MAC = "02:1a:00:00:00:0c"
VIP = ip_address("192.0.2.100")
INTERVAL = 0.02  # fast real-time intervals keep these tests short


def config(**extra: str):
    keys = {
        "virtual_router_id": "51",
        "virtual_ipaddress": '["192.0.2.100/24", "192.0.2.101/24"]',
        **extra,
    }
    lines = "\n".join(f"{k} = {v}" for k, v in keys.items())
    text = f"""
[instances.VI_1]
interface = "eth0"
advert_int = {INTERVAL}
{lines}
"""
    return parse_config(text).instances[0]


def instance(cfg=None, mac: str = OUR_MAC) -> FakeInstance:
    """An instance on link 7 (a real Router: transitions come from real events)."""
    return FakeInstance(cfg or config(), link=link_info(index=7, mac=mac))


class Sock:
    def __init__(self, *args) -> None:
        self.args = args
        self.closed = False
        self.queue: list[Claim] = []

    def fileno(self) -> int:
        return self._pipe

    def recv(self):
        return self.queue.pop(0) if self.queue else None

    def close(self) -> None:
        self.closed = True


class Sender:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def send(self, frames: list[bytes]) -> int:
        self.frames += frames
        return len(frames)

    def arp(self) -> list[tuple[str, str, str]]:
        """(ethernet dst, ARP sender IP, ARP target IP) of each frame sent."""
        return [(Ether(f).dst, Ether(f)[ARP].psrc, Ether(f)[ARP].pdst) for f in self.frames]


class Setup:
    """A SplitBrainWatches with fake claim sockets (real pipes, for add_reader)."""

    def __init__(self, events: list) -> None:
        self.sockets: list[Sock] = []
        self.pipes: list[int] = []
        self.watches = SplitBrainWatches(
            lambda runner, payload: events.append(payload), open_socket=self._open
        )

    def _open(self, *args) -> Sock:
        sock = Sock(*args)
        read, write = os.pipe()
        self.pipes += [read, write]
        sock._pipe = read
        self.sockets.append(sock)
        return sock

    def close(self) -> None:
        self.watches.close()
        for fd in self.pipes:
            os.close(fd)


def wait_for(predicate) -> Coroutine[Any, Any, None]:
    return until(predicate, timeout=3.0, step=0.005)


async def answer_probes(runner, listener, sender: Sender, mac: str, stop: asyncio.Event):
    """A host `mac` holding the VIP: answer every probe that reaches it with an ARP reply."""
    seen = 0
    while not stop.is_set():
        for frame in sender.frames[seen:]:
            dst = Ether(frame).dst
            if dst in ("ff:ff:ff:ff:ff:ff", mac):
                listener.dispatch(Claim(ip_address(Ether(frame)[ARP].pdst), mac, "arp-reply"))
        seen = len(sender.frames)
        await asyncio.sleep(0.002)


def listener_of(setup: Setup):
    return next(iter(setup.watches._listeners.values()))


@aio()
async def test_split_brain_is_logged_published_and_shown_once_then_healed():
    events: list[dict] = []
    setup = Setup(events)
    runner, sender = instance(), Sender()
    try:
        watch = setup.watches.attach(runner, sender)
        assert setup.watches.watch_of(runner) is watch
        assert setup.watches.status_of(runner) is None
        listener = listener_of(setup)
        with structlog.testing.capture_logs() as logs:
            watch.state_changed(runner.master())
            await wait_for(lambda: sender.frames)  # the takeover probe, to the whole link
            assert sender.arp() == [("ff:ff:ff:ff:ff:ff", "192.0.2.11", "192.0.2.100")]
            # the other side took over too: its GARP, then it answers our probes
            listener.dispatch(Claim(VIP, OTHER_MAC, "garp"))
            stop = asyncio.Event()
            answering = asyncio.ensure_future(
                answer_probes(runner, listener, sender, OTHER_MAC, stop)
            )
            await wait_for(lambda: watch.status() is not None)
            await asyncio.sleep(INTERVAL * 10)  # the episode goes on: still one event
            stop.set()
            await answering
            await wait_for(lambda: watch.status() is None)  # its answers stopped: healed
        names = [record["event"] for record in logs]
        assert names.count("split_brain") == 1 and names.count("split_brain_healed") == 1
        started = next(r for r in logs if r["event"] == "split_brain")
        assert started["other_mac"] == OTHER_MAC and started["vip"] == "192.0.2.100"
        assert started["log_level"] == "warning" and "224.0.0.18" in started["cause"]
        assert [e["event"] for e in events] == ["split_brain", "split_brain_healed"]
        assert events[0]["instance"] == "VI_1" and events[0]["other"]["mac"] == OTHER_MAC
        assert events[1]["since"] == events[0]["since"] and events[1]["duration"] > 0
        assert runner.counters.split_brain_events == 1
        assert runner.counters.as_dict()["split_brain_events"] == 1
        assert runner.announced == [SendGarp(reason="became-master")]  # the heal's announce
        unicast = [a for a in sender.arp() if a[0] == OTHER_MAC]
        assert unicast and set(unicast) == {(OTHER_MAC, "192.0.2.11", "192.0.2.100")}
    finally:
        setup.close()


@aio()
async def test_status_shows_the_episode_and_leaving_master_heals_it():
    events: list[dict] = []
    setup = Setup(events)
    runner, sender = instance(), Sender()
    try:
        watch = setup.watches.attach(runner, sender)
        listener = listener_of(setup)
        listener.dispatch(Claim(IPv4Address("192.0.2.12"), OTHER_MAC, "arp-reply"))  # learnt
        watch.state_changed(runner.master())
        listener.dispatch(Claim(ip_address("192.0.2.101"), OTHER_MAC, "garp"))
        stop = asyncio.Event()
        answering = asyncio.ensure_future(answer_probes(runner, listener, sender, OTHER_MAC, stop))
        await wait_for(lambda: watch.status() is not None)
        status = watch.status()
        assert status["other"] == {"mac": OTHER_MAC, "ip": "192.0.2.12"}
        assert status["vip"] == "192.0.2.101" and status["since"] > 0
        assert "192.0.2.12 (02:1a:00:00:00:0c) claims 192.0.2.101" in status["cause"]
        watch.state_changed(runner.hear(ip_address("192.0.2.12"), 150))
        stop.set()
        await answering
        assert watch.status() is None
        assert events[-1]["event"] == "split_brain_healed"
        assert events[-1]["reason"] == "we left MASTER (higher priority 150 from 192.0.2.12)"
        assert runner.announced == []  # no announce: we are no longer master
    finally:
        setup.close()


@aio()
async def test_our_own_mac_and_backups_raise_no_suspicion():
    setup = Setup([])
    runner, sender = instance(), Sender()
    try:
        watch = setup.watches.attach(runner, sender)
        listener = listener_of(setup)
        for _ in range(5):
            listener.dispatch(Claim(VIP, OTHER_MAC, "garp"))  # we are BACKUP: normal
        watch.state_changed(runner.master())
        for _ in range(5):
            listener.dispatch(Claim(VIP, OUR_MAC, "garp"))
        await asyncio.sleep(INTERVAL * 6)
        assert [a[0] for a in sender.arp()] == ["ff:ff:ff:ff:ff:ff"]  # the takeover probe only
        assert watch.status() is None
    finally:
        setup.close()


@aio()
async def test_a_lower_master_that_keeps_advertising_is_reported():
    events: list[dict] = []
    setup = Setup(events)
    runner, sender = instance(), Sender()
    try:
        watch = setup.watches.attach(runner, sender)
        watch.state_changed(runner.master())
        lower = Advert(version=3, vrid=51, priority=100, interval=2, addresses=(VIP,))
        for _ in range(8):
            watch.advert(ip_address("192.0.2.12"), lower)
            await asyncio.sleep(INTERVAL)
        assert [e["event"] for e in events] == ["split_brain"]
        assert events[0]["other"] == {"mac": None, "ip": "192.0.2.12"}
        assert "priority 100" in events[0]["cause"]
        resigning = Advert(version=3, vrid=51, priority=0, interval=2, addresses=(VIP,))
        watch.advert(ip_address("192.0.2.13"), resigning)  # priority 0: no evidence
        await wait_for(lambda: len(events) == 2)
        assert events[1]["event"] == "split_brain_healed"
        assert "stopped advertising" in events[1]["reason"]
    finally:
        setup.close()


@aio()
async def test_claim_sockets_are_opened_once_per_link_and_family_and_closed_with_the_last():
    setup = Setup([])
    try:
        first = instance()
        second = instance(config(virtual_router_id=52, virtual_ipaddress='["192.0.2.110/24"]'))
        six = instance(config(virtual_router_id=53, virtual_ipaddress='["2001:db8::100/64"]'))
        for runner in (first, second, six):
            assert setup.watches.attach(runner, Sender()) is not None
        assert [s.args for s in setup.sockets] == [("eth0", 7, 4), ("eth0", 7, 6)]
        setup.watches.detach(first)
        assert not setup.sockets[0].closed
        setup.watches.detach(second)
        assert setup.sockets[0].closed and not setup.sockets[1].closed
        setup.watches.detach(instance())  # never attached: nothing happens
    finally:
        setup.close()
    assert setup.sockets[1].closed


@aio()
async def test_detection_is_off_with_zero_or_without_a_mac_and_survives_socket_errors():
    setup = Setup([])
    try:
        assert setup.watches.attach(instance(config(split_brain_after="0")), Sender()) is None
        assert setup.watches.attach(instance(mac=""), Sender()) is None
        assert setup.sockets == []

        def refuse(*args):
            raise NeedPrivilege("opening the AF_PACKET socket for ARP/NA")

        failing = SplitBrainWatches(open_socket=refuse)
        runner = instance()
        with structlog.testing.capture_logs() as logs:
            assert failing.attach(runner, Sender()) is None
        assert failing.watch_of(runner) is None and failing.status_of(runner) is None
        assert logs[0]["event"] == "split-brain detection off: cannot watch ARP/NA"
    finally:
        setup.close()


def test_transport_names_how_adverts_travel():
    assert transport(config()) == "multicast 224.0.0.18"
    six = config(virtual_ipaddress='["2001:db8::100/64"]')
    assert transport(six) == "multicast ff02::12"
    uni = config(unicast_src_ip='"192.0.2.11"', unicast_peer='["192.0.2.12", "192.0.2.13"]')
    assert transport(uni) == "unicast to 192.0.2.12, 192.0.2.13"


@aio()
async def test_mqtt_split_brain_messages_are_queued_not_retained_under_the_instance():
    cfg = MqttConfig(
        host="127.0.0.1",
        port=1,
        topic_prefix="site",
        username=None,
        password=None,
        tls=False,
        ca_file=None,
        client_id=None,
        keepalive=30,
    )
    publisher = MqttPublisher(cfg, "lb-a")
    publisher.publish_split_brain("VI_1", {"event": "split_brain", "vip": "192.0.2.100"})
    item = publisher._queue.get_nowait()
    assert item.topic == "site/lb-a/VI_1/split_brain"
    assert item.retain is False
    assert item.payload == b'{"event":"split_brain","vip":"192.0.2.100"}'
    assert publisher._queue.empty()
