"""MqttPublisher: topics and payloads, the bounded queue, and a real mosquitto on 127.0.0.1.

The broker tests start their own mosquitto on a free loopback port (never the system one)
and stop it in a fixture even when the test fails. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import aiomqtt
import pytest

from tests.runtime.fakes import FakeInstance, aio, instance_config
from vrrpd.config import MqttConfig
from vrrpd.export.mqtt import MqttPublisher, Topics, encode, transition_payload
from vrrpd.protocol.actions import State, StateChanged

MOSQUITTO = "/usr/sbin/mosquitto"
FAST = {"backoff": (0.05, 0.2), "timeout": 1.0}
TEST_TIMEOUT = 20.0


def mqtt_config(port: int, **overrides) -> MqttConfig:
    values = dict(
        host="127.0.0.1",
        port=port,
        topic_prefix="t",
        username=None,
        password=None,
        tls=False,
        ca_file=None,
        client_id=None,
        keepalive=30,
    )
    return MqttConfig(**{**values, **overrides})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """A private mosquitto: `listener PORT 127.0.0.1`, no persistence."""

    def __init__(self, workdir: Path, extra: str = "") -> None:
        self.port = free_port()
        self.conf = workdir / "mosquitto.conf"
        self.log = workdir / "mosquitto.log"
        self.conf.write_text(
            f"user root\nlistener {self.port} 127.0.0.1\npersistence false\n"
            + (extra or "allow_anonymous true\n")
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [MOSQUITTO, "-c", str(self.conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"mosquitto exited: {self.log.read_text()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.02)
        raise AssertionError(f"mosquitto did not listen in 5 s: {self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if not Path(MOSQUITTO).exists():
        pytest.fail("mosquitto is not installed (make deps installs it)", pytrace=False)
    running = Broker(tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.stop()


async def retained(port: int, topic: str = "t/#", wait: float = 0.3, **client) -> dict:
    """topic -> payload of what the broker retains under `topic` (decoded JSON if it is)."""
    found = {}
    async with aiomqtt.Client("127.0.0.1", port, timeout=2, **client) as sub:
        await sub.subscribe(topic, qos=1)
        try:
            async with asyncio.timeout(wait):
                async for msg in sub.messages:
                    if msg.retain:
                        found[str(msg.topic)] = _decode(msg.payload)
        except TimeoutError:
            pass
    return found


def _decode(payload) -> object:
    text = payload.decode() if isinstance(payload, bytes | bytearray) else payload
    try:
        return json.loads(text)
    except ValueError:
        return text


def settled(publisher: MqttPublisher) -> bool:
    """Connected, the connect-time re-publish done and nothing queued: the broker has it all."""
    stats = publisher.stats()
    return stats["in_sync"] and stats["queued"] == 0


async def until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


def state(name: str, previous: str = "INIT", **extra) -> dict:
    return {
        "instance": "VI_1",
        "state": name,
        "previous": previous,
        "priority": 100,
        "master_ip": None,
        "reason": "test",
        "timestamp": 1.0,
        **extra,
    }


# -- pure -----------------------------------------------------------------------------------


def test_topic_names():
    topics = Topics("site/vrrpd", "lb-a")
    assert topics.availability == "site/vrrpd/lb-a/availability"
    assert topics.state("VI_1") == "site/vrrpd/lb-a/VI_1/state"
    assert topics.event("VI_1") == "site/vrrpd/lb-a/VI_1/event"


def test_transition_payload_from_runner():
    runner = FakeInstance(instance_config("priority = 150"))  # primary 192.0.2.11
    runner.master()
    runner.since_wall = 1700000000.5
    change = StateChanged(State.BACKUP, State.MASTER, "master down timer expired")
    assert transition_payload(runner, change) == {
        "instance": "VI_1",
        "state": "MASTER",
        "old_state": "BACKUP",
        "previous": "BACKUP",
        "priority": 150,
        "master_ip": "192.0.2.11",
        "reason": "master down timer expired",
        "timestamp": 1700000000.5,
    }
    assert json.loads(encode(transition_payload(runner, change)))["state"] == "MASTER"


def test_transition_payload_without_master_or_time():
    runner = FakeInstance()  # not started: no master, no transition time
    before = time.time()
    payload = transition_payload(runner, StateChanged(State.INIT, State.BACKUP, "startup"))
    assert payload["master_ip"] is None
    assert before <= payload["timestamp"] <= time.time()


def test_encode_turns_odd_values_into_text():
    payload = {"master_ip": IPv4Address("192.0.2.1"), "state": State.MASTER}
    assert json.loads(encode(payload)) == {"master_ip": "192.0.2.1", "state": "MASTER"}


@aio(TEST_TIMEOUT)
async def test_full_queue_drops_oldest_and_never_blocks():
    publisher = MqttPublisher(mqtt_config(free_port()), "r1", queue_size=10)  # never started
    started = time.perf_counter()
    for n in range(5000):
        publisher.publish_transition("VI_1", state("MASTER" if n % 2 else "BACKUP"))
    elapsed = time.perf_counter() - started
    stats = publisher.stats()
    assert stats["queued"] == 10
    assert stats["dropped"] == 2 * 5000 - 10  # a transition queues a state and an event
    assert stats["connected"] is False and stats["published"] == 0
    assert elapsed < 1.0, elapsed


@aio(TEST_TIMEOUT)
async def test_close_without_start_or_broker_returns_at_once():
    publisher = MqttPublisher(mqtt_config(free_port()), "r1", **FAST)
    await publisher.close()
    publisher.start()
    publisher.publish_transition("VI_1", state("BACKUP"))
    started = time.monotonic()
    await publisher.close()
    assert time.monotonic() - started < 0.5
    queued = publisher.stats()["queued"]
    publisher.publish_transition("VI_1", state("MASTER"))  # after close: ignored, no raise
    assert publisher.stats()["queued"] == queued


# -- against mosquitto ------------------------------------------------------------------------


@aio(TEST_TIMEOUT)
async def test_events_in_order_retained_state_and_availability(broker):
    publisher = MqttPublisher(mqtt_config(broker.port), "r1", **FAST)
    events = []
    async with aiomqtt.Client("127.0.0.1", broker.port, timeout=2) as sub:
        await sub.subscribe("t/r1/VI_1/event", qos=1)
        publisher.start()
        chain = [
            ("INIT", "BACKUP"),
            ("BACKUP", "MASTER"),
            ("MASTER", "BACKUP"),
            ("BACKUP", "FAULT"),
        ]
        for old, new in chain:
            publisher.publish_transition("VI_1", state(new, old))
        async with asyncio.timeout(5):
            async for msg in sub.messages:
                events.append(_decode(msg.payload))
                if len(events) == len(chain):
                    break
    assert [(e["previous"], e["state"]) for e in events] == chain
    kept = await retained(broker.port)
    assert kept["t/r1/availability"] == "online"
    assert kept["t/r1/VI_1/state"] == state("FAULT", "BACKUP")
    assert "t/r1/VI_1/event" not in kept  # events are not retained
    await publisher.close()
    assert (await retained(broker.port))["t/r1/availability"] == "offline"
    assert publisher.stats()["connected"] is False


@aio(TEST_TIMEOUT)
async def test_overflow_keeps_the_newest_state(broker):
    publisher = MqttPublisher(mqtt_config(broker.port), "r1", queue_size=4, **FAST)
    for old, new in [("INIT", "BACKUP"), ("BACKUP", "MASTER"), ("MASTER", "FAULT")]:
        publisher.publish_transition("VI_1", state(new, old))
    assert publisher.stats()["dropped"] == 2
    publisher.start()
    await until(lambda: publisher.stats()["queued"] == 0 and publisher.connected, what="drain")
    assert (await retained(broker.port))["t/r1/VI_1/state"]["state"] == "FAULT"
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_queued_states_collapse_to_the_newest_one(broker):
    """Three transitions queued before connecting: three events, but the state topic gets
    only the newest state, once."""
    publisher = MqttPublisher(mqtt_config(broker.port), "r1", **FAST)
    for old, new in [("INIT", "BACKUP"), ("BACKUP", "MASTER"), ("MASTER", "FAULT")]:
        publisher.publish_transition("VI_1", state(new, old))
    got = []
    async with aiomqtt.Client("127.0.0.1", broker.port, timeout=2) as sub:
        await sub.subscribe("t/r1/VI_1/+", qos=1)
        publisher.start()
        await until(lambda: settled(publisher), what="sent")
        try:
            async with asyncio.timeout(0.3):
                async for msg in sub.messages:
                    got.append((str(msg.topic).rsplit("/", 1)[1], _decode(msg.payload)["state"]))
        except TimeoutError:
            pass
    assert got == [("state", "FAULT"), ("event", "BACKUP"), ("event", "MASTER"), ("event", "FAULT")]
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_broker_restart_republishes_the_current_state(broker):
    publisher = MqttPublisher(mqtt_config(broker.port), "r1", **FAST)
    publisher.start()
    publisher.publish_transition("VI_1", state("MASTER", "BACKUP"))
    publisher.publish_transition("VI_2", state("BACKUP", "INIT", instance="VI_2"))
    await until(lambda: settled(publisher), what="sent")
    broker.stop()  # no persistence: the retained messages are gone with it
    await until(lambda: not publisher.connected, what="disconnect noticed while idle")
    publisher.publish_transition("VI_1", state("FAULT", "MASTER"))  # queued while down
    broker.start()
    await until(lambda: publisher.stats()["in_sync"], what="reconnect and re-publish")
    await until(lambda: publisher.stats()["queued"] == 0, what="drain")
    kept = await retained(broker.port)
    assert kept["t/r1/availability"] == "online"
    assert kept["t/r1/VI_1/state"] == state("FAULT", "MASTER")
    assert kept["t/r1/VI_2/state"]["state"] == "BACKUP"
    assert publisher.stats()["reconnects"] == 1
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_in_sync_only_once_the_connect_time_republish_is_done(broker, monkeypatch):
    publisher = MqttPublisher(mqtt_config(broker.port), "r1", **FAST)
    assert publisher.stats()["in_sync"] is False
    publisher.publish_transition("VI_1", state("MASTER", "BACKUP"))
    real_send = publisher._send

    async def slow_send(client, item, *, force=False):
        await asyncio.sleep(0.3)  # a slow broker: each retained publish takes a while
        await real_send(client, item, force=force)

    monkeypatch.setattr(publisher, "_send", slow_send)
    publisher.start()
    await until(lambda: publisher.connected, what="connect")
    assert publisher.stats()["in_sync"] is False  # "online" and the state still on their way
    await until(lambda: publisher.stats()["in_sync"], what="re-publish")
    assert (await retained(broker.port))["t/r1/VI_1/state"]["state"] == "MASTER"
    broker.stop()
    await until(lambda: not publisher.connected, what="disconnect")
    assert publisher.stats()["in_sync"] is False
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_hung_broker_never_delays_the_loop():
    """A broker that accepts TCP but never answers: connect, CONNACK and close all bounded."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # the kernel completes the handshake; nobody ever answers
        cfg = mqtt_config(hung.getsockname()[1])
        publisher = MqttPublisher(cfg, "r1", backoff=(0.05, 0.1), timeout=0.3)
        publisher.start()
        worst_gap, worst_call = 0.0, 0.0
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            before = time.perf_counter()
            publisher.publish_transition("VI_1", state("MASTER"))
            worst_call = max(worst_call, time.perf_counter() - before)
            before = time.monotonic()
            await asyncio.sleep(0.01)
            worst_gap = max(worst_gap, time.monotonic() - before)
        assert publisher.stats()["connected"] is False
        assert publisher.stats()["last_error"]
        started = time.monotonic()
        await publisher.close()
        closing = time.monotonic() - started
    assert worst_call < 0.005, worst_call
    assert worst_gap < 0.1, worst_gap  # a 10 ms sleep never took 100 ms
    assert closing < 1.0, closing


@aio(TEST_TIMEOUT)
async def test_refused_connection_is_retried_with_backoff():
    publisher = MqttPublisher(mqtt_config(free_port()), "r1", backoff=(0.05, 0.1), timeout=0.5)
    publisher.start()
    publisher.publish_state("VI_1", state("BACKUP"))
    await until(lambda: publisher.last_error is not None, what="a failed attempt")
    assert "refused" in publisher.last_error.lower()
    assert publisher.stats()["connected"] is False
    await publisher.close()


# -- TLS and password ------------------------------------------------------------------------


def make_certificates(workdir: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for IP 127.0.0.1 (openssl CLI)."""
    ca_key, ca_crt = workdir / "ca.key", workdir / "ca.crt"
    key, csr, crt = workdir / "srv.key", workdir / "srv.csr", workdir / "srv.crt"
    ext = workdir / "srv.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for argv in (
        [
            "openssl",
            "req",
            "-x509",
            *ec,
            "-keyout",
            ca_key,
            "-out",
            ca_crt,
            "-days",
            "2",
            "-subj",
            "/CN=vrrpd test CA",
        ],
        ["openssl", "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            ca_crt,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            crt,
            "-days",
            "2",
            "-extfile",
            ext,
        ],
    ):
        subprocess.run([str(a) for a in argv], check=True, capture_output=True, timeout=20)
    return ca_crt, crt, key


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[tuple[Broker, Path]]:
    ca, crt, key = make_certificates(tmp_path)
    passwords = tmp_path / "passwd"
    subprocess.run(
        ["mosquitto_passwd", "-b", "-c", str(passwords), "vrrpd", "s3cret"],
        check=True,
        capture_output=True,
        timeout=10,
    )
    running = Broker(
        tmp_path,
        extra=(
            f"allow_anonymous false\npassword_file {passwords}\n"
            f"cafile {ca}\ncertfile {crt}\nkeyfile {key}\n"
        ),
    )
    running.start()
    try:
        yield running, ca
    finally:
        running.stop()


@aio(TEST_TIMEOUT)
async def test_tls_with_username_and_password(tls_broker):
    broker_, ca = tls_broker
    cfg = mqtt_config(
        broker_.port,
        tls=True,
        ca_file=str(ca),
        username="vrrpd",
        password="s3cret",
        client_id="vrrpd-test",
    )
    publisher = MqttPublisher(cfg, "r1", **FAST)
    publisher.start()
    publisher.publish_transition("VI_1", state("MASTER", "BACKUP"))
    await until(lambda: settled(publisher), what="sent")
    kept = await retained(
        broker_.port,
        username="vrrpd",
        password="s3cret",
        tls_params=aiomqtt.TLSParameters(ca_certs=str(ca)),
    )
    assert kept["t/r1/VI_1/state"]["state"] == "MASTER"
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_wrong_password_keeps_retrying_without_raising(tls_broker):
    broker_, ca = tls_broker
    cfg = mqtt_config(broker_.port, tls=True, ca_file=str(ca), username="vrrpd", password="wrong")
    publisher = MqttPublisher(cfg, "r1", **FAST)
    publisher.start()
    publisher.publish_transition("VI_1", state("MASTER", "BACKUP"))
    await until(lambda: publisher.last_error is not None, what="refused login")
    assert publisher.stats()["connected"] is False
    await publisher.close()


@aio(TEST_TIMEOUT)
async def test_tls_with_an_unknown_ca_is_refused(tls_broker, tmp_path):
    broker_, _ca = tls_broker
    other = tmp_path / "other"
    other.mkdir()
    other_ca, _, _ = make_certificates(other)
    cfg = mqtt_config(
        broker_.port, tls=True, ca_file=str(other_ca), username="vrrpd", password="s3cret"
    )
    publisher = MqttPublisher(cfg, "r1", **FAST)
    publisher.start()
    await until(lambda: publisher.last_error is not None, what="TLS failure")
    assert "certificate" in publisher.last_error.lower()
    assert publisher.stats()["connected"] is False
    await publisher.close()
