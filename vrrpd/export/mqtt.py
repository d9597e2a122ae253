"""MQTT state events: one task owns the broker connection, the daemon only enqueues.

Topics, under `<topic_prefix>/<router_id>`:
  availability        retained "online" once connected, "offline" on a clean stop and as Will
  <instance>/state    retained JSON: the instance's current state
  <instance>/event    JSON, not retained: one message per transition, in order
  <instance>/split_brain  JSON, not retained: a split-brain episode began or ended
With `discovery = true`, Home Assistant discovery configs (vrrpd.export.ha_discovery), retained,
under `<discovery_prefix>/...`: published when an instance starts and after every (re)connect,
emptied when the instance is removed.

Nothing here may delay an advert: `publish_*` never block and never raise. A full queue
drops its oldest entry (counted). A broker that is down, refuses us or hangs costs only
reconnect attempts with capped exponential backoff in the background. The latest state of
every instance is kept in memory and re-published after every (re)connect, so the retained
topics are right again even after a broker restart lost them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import aiomqtt

from vrrpd import log
from vrrpd.config import MqttConfig
from vrrpd.export.ha_discovery import Discovery
from vrrpd.protocol.actions import StateChanged
from vrrpd.runtime.seams import Instance

QUEUE_SIZE = 1000
BACKOFF = (0.5, 30.0)  # first retry after 0.5 s, doubling up to 30 s
TIMEOUT = 5.0  # CONNACK / PUBACK wait: a hung broker counts as down after this
CLOSE_TIMEOUT = 2.0
QOS = 1  # the PUBACK tells us the broker has it; a hung broker shows as a timeout


@dataclass(frozen=True, slots=True)
class Topics:
    """The topic names of one router (one daemon)."""

    prefix: str
    router_id: str

    @property
    def availability(self) -> str:
        return f"{self.prefix}/{self.router_id}/availability"

    def state(self, instance: str) -> str:
        return f"{self.prefix}/{self.router_id}/{instance}/state"

    def event(self, instance: str) -> str:
        return f"{self.prefix}/{self.router_id}/{instance}/event"

    def split_brain(self, instance: str) -> str:
        return f"{self.prefix}/{self.router_id}/{instance}/split_brain"


def transition_payload(runner: Instance, change: StateChanged) -> dict[str, object]:
    """The state/event JSON object for a transition of an instance (read, never fed)."""
    router = runner.router
    master_ip = router.master_ip
    timestamp = runner.since_wall if runner.since_wall is not None else time.time()
    return {
        "instance": runner.name,
        "state": change.new.value,
        "old_state": change.old.value,
        "previous": change.old.value,  # the earlier name of old_state, kept for subscribers
        "priority": router.priority,
        "master_ip": None if master_ip is None else str(master_ip),
        "reason": change.reason,
        "timestamp": timestamp,
    }


def encode(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), default=str).encode()  # odd values as text


@dataclass(frozen=True, slots=True)
class _Message:
    topic: str
    payload: bytes
    retain: bool


@dataclass(frozen=True, slots=True)
class _StateDue:
    """'Publish the latest state of `instance`': resolved when sent, so a state queued
    before a reconnect can never overwrite the newer one the reconnect re-published."""

    instance: str


_CLOSE = object()  # queue sentinel: say "offline" and disconnect


class MqttPublisher:
    """Publishes state changes to one broker from a single background task."""

    def __init__(
        self,
        cfg: MqttConfig,
        router_id: str,
        *,
        queue_size: int = QUEUE_SIZE,
        backoff: tuple[float, float] = BACKOFF,
        timeout: float = TIMEOUT,
    ) -> None:
        self.cfg = cfg
        self.topics = Topics(cfg.topic_prefix, router_id)
        self.discovery = (
            Discovery(cfg.discovery_prefix, router_id, self.topics.availability)
            if cfg.discovery
            else None
        )
        self._discovered: dict[str, list[_Message]] = {}  # instance -> its config messages
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=queue_size)
        self._backoff = backoff
        self._timeout = timeout
        self._latest: dict[str, tuple[int, bytes]] = {}  # instance -> (version, payload)
        self._sent_version: dict[str, int] = {}  # instance -> version the broker has
        self._versions = itertools.count(1)
        self._inflight: _Message | None = None  # an event whose publish failed: sent first
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._log = log.get().bind(broker=f"{cfg.host}:{cfg.port}")
        self.connected = False
        self.in_sync = False  # connected, and the connect-time re-publish is done
        self.published = 0
        self.dropped = 0
        self.connects = 0
        self.last_error: str | None = None

    # -- the daemon's side: never blocks, never raises ------------------------------------------
    def start(self) -> None:
        """Spawn the connection task (call inside the running loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="mqtt")

    def publish_state(self, instance: str, payload: dict) -> None:
        """Remember `payload` as the instance's current state and queue its retained topic."""
        if self._closing:
            return
        self._latest[instance] = (next(self._versions), encode(payload))
        self._enqueue(_StateDue(instance))

    def publish_transition(self, instance: str, payload: dict) -> None:
        """A transition: the retained state, then the event, both queued in order."""
        if self._closing:
            return
        self.publish_state(instance, payload)
        self._enqueue(_Message(self.topics.event(instance), encode(payload), retain=False))

    def publish_split_brain(self, instance: str, payload: dict) -> None:
        """A split-brain episode began or ended (vrrpd.runtime.split_brain): one event, queued."""
        if self._closing:
            return
        self._enqueue(_Message(self.topics.split_brain(instance), encode(payload), retain=False))

    def publish_discovery(self, instance: str) -> None:
        """Announce `instance` to Home Assistant (no-op unless discovery is on)."""
        if self._closing or self.discovery is None:
            return
        messages = [
            _Message(topic, encode(payload), retain=True)
            for topic, payload in self.discovery.configs(instance, self.topics.state(instance))
        ]
        self._discovered[instance] = messages
        for message in messages:
            self._enqueue(message)

    def remove_discovery(self, instance: str) -> None:
        """`instance` is gone for good: empty its retained configs, removing the entities."""
        if self._closing or self.discovery is None or self._discovered.pop(instance, None) is None:
            return
        for topic in self.discovery.topics(instance):
            self._enqueue(_Message(topic, b"", retain=True))

    def stats(self) -> dict[str, Any]:
        """The `mqtt` object of the status JSON."""
        return {
            "connected": self.connected,
            "published": self.published,
            "dropped": self.dropped,
            "reconnects": max(0, self.connects - 1),
            "queued": self._queue.qsize(),
            "in_sync": self.in_sync,
            "last_error": self.last_error,
        }

    async def close(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Flush what is queued, publish `offline` and disconnect, within `timeout` seconds.

        Without a connection there is nobody to tell: the task is cancelled at once.
        """
        task = self._task
        if task is None or task.done():
            return
        self._closing = True
        self._enqueue(_CLOSE)
        if not self.connected:
            task.cancel()
        await asyncio.wait({task}, timeout=timeout)
        if not task.done():
            self._log.warning("mqtt close timed out; dropping the connection")
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)

    def _enqueue(self, item: Any) -> None:
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except asyncio.QueueFull:
                self._queue.get_nowait()
                self.dropped += 1

    # -- the connection task ------------------------------------------------------------------
    def _client(self) -> aiomqtt.Client:
        cfg = self.cfg
        return aiomqtt.Client(
            cfg.host,
            cfg.port,
            username=cfg.username,
            password=cfg.password,
            identifier=cfg.client_id,
            keepalive=cfg.keepalive,
            timeout=self._timeout,
            will=aiomqtt.Will(self.topics.availability, b"offline", qos=QOS, retain=True),
            tls_params=aiomqtt.TLSParameters(ca_certs=cfg.ca_file) if cfg.tls else None,
        )

    async def _run(self) -> None:
        delay, longest = self._backoff
        failures = 0
        while True:
            try:
                async with self._client() as client:
                    self.connected = True
                    self.connects += 1
                    failures = 0
                    delay = self._backoff[0]
                    self._log.info("mqtt connected", reconnects=self.connects - 1)
                    if await self._serve(client):
                        return
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any broker trouble means: retry later
                self.last_error = str(exc) or type(exc).__name__
                failures += 1
                emit = self._log.warning if failures == 1 else self._log.debug
                emit(
                    "mqtt unavailable; retrying",
                    error=self.last_error,
                    retry_in=delay,
                    attempts=failures,
                )
            finally:
                self.connected = self.in_sync = False
            if self._closing:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)

    async def _serve(self, client: aiomqtt.Client) -> bool:
        """Publish until the connection drops (MqttError) or close() asks; True = closed."""
        await self._send(client, _Message(self.topics.availability, b"online", retain=True))
        for messages in list(self._discovered.values()):
            for message in messages:  # a broker restarted without persistence lost them
                await self._send(client, message)
        for instance in list(self._latest):
            await self._send(client, _StateDue(instance), force=True)
        if self._inflight is not None:
            await self._send(client, self._inflight)
        self.in_sync = True  # the broker holds everything retained again
        watch = asyncio.ensure_future(self._watch(client))
        try:
            while True:
                item = await self._next(watch)
                if item is _CLOSE:
                    await self._send(
                        client, _Message(self.topics.availability, b"offline", retain=True)
                    )
                    return True
                await self._send(client, item)
        finally:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await watch

    async def _next(self, watch: asyncio.Future[None]) -> Any:
        """The next queued item; raises MqttError as soon as the broker goes away, so an idle
        publisher reconnects (and re-publishes the retained state) without waiting for news."""
        if not self._queue.empty():
            return self._queue.get_nowait()
        get = asyncio.ensure_future(self._queue.get())
        try:
            await asyncio.wait({get, watch}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not get.done():
                get.cancel()
        if get.done() and not get.cancelled():
            return get.result()
        watch.result()  # raises the MqttError that ended the connection
        raise aiomqtt.MqttError("connection closed")

    @staticmethod
    async def _watch(client: aiomqtt.Client) -> None:
        """Ends with MqttError when the connection drops (we subscribe to nothing)."""
        async for _ in client.messages:
            pass

    async def _send(self, client: aiomqtt.Client, item: Any, *, force: bool = False) -> None:
        if isinstance(item, _StateDue):
            latest = self._latest.get(item.instance)
            if latest is None:
                return
            version, payload = latest
            if not force and self._sent_version.get(item.instance, 0) >= version:
                return  # already on the broker (re-published at connect, or a newer one sent)
            message = _Message(self.topics.state(item.instance), payload, retain=True)
        else:
            version, message = 0, item
        if not message.retain:
            self._inflight = message  # states are re-published anyway; events would be lost
        await client.publish(message.topic, message.payload, qos=QOS, retain=message.retain)
        self._inflight = None
        self.published += 1
        if isinstance(item, _StateDue):
            self._sent_version[item.instance] = version
