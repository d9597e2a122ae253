"""The subscriber agent that reads the lab's mosquitto broker (netns_lab.broker).

vrrpd runs in the routers' namespaces and cannot reach the root namespace's loopback, so
the broker runs on the lab client (192.0.2.200) and so do the subscribers (mqtt_agent.py).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

from netns_lab import Lab, LabProcess, wait_for_log, wait_until
from netns_lab.broker import BROKER_IP, BROKER_PORT, PREFIX
from netns_lab.broker import mqtt_section as mqtt_section  # re-exported for the lab tests
from netns_lab.broker import start_broker as start_broker

AGENT = Path(__file__).with_name("mqtt_agent.py")


def retained(lab: Lab, topic: str = f"{PREFIX}/#", wait: float = 0.3) -> dict:
    """topic -> payload of every retained message under `topic`, as a new subscriber sees it."""
    done = lab.client.run(
        [
            sys.executable,
            str(AGENT),
            "retained",
            BROKER_IP,
            str(BROKER_PORT),
            topic,
            "--wait",
            str(wait),
        ],
        timeout=15,
        check=False,
    )
    if done.returncode != 0:
        return {}  # broker not there (yet): callers wait with wait_until
    return json.loads(done.stdout)


def wait_retained(
    lab: Lab, accept: Callable[[dict], bool], timeout: float = 10.0, what: str = "retained messages"
) -> dict:
    """The retained messages once `accept(them)` holds (bounded)."""
    seen: dict = {}

    def check() -> dict | None:
        seen.clear()
        seen.update(retained(lab))
        return dict(seen) if accept(seen) else None

    check.__name__ = what
    try:
        return wait_until(check, timeout, 0.1)
    except Exception as exc:
        raise AssertionError(f"{what}: last seen {seen}") from exc


def start_watch(lab: Lab, topic: str = f"{PREFIX}/#") -> LabProcess:
    """A live subscriber on the client; its messages are read back with `watched`."""
    proc = lab.start(
        "client", [sys.executable, str(AGENT), "watch", BROKER_IP, str(BROKER_PORT), topic]
    )
    wait_for_log(proc, r'"subscribed": true', 10.0)
    return proc


def watched(proc: LabProcess) -> list[dict]:
    """Every message a `start_watch` subscriber printed so far, in arrival order."""
    lines = [ln for ln in proc.log_text().splitlines() if ln.startswith('{"t"')]
    return [json.loads(ln) for ln in lines]


def state_of(messages: dict, router: str, instance: str = "VI_1") -> str | None:
    payload = messages.get(f"{PREFIX}/{router}/{instance}/state")
    return payload.get("state") if isinstance(payload, dict) else None


def availability(messages: dict, router: str) -> str | None:
    return messages.get(f"{PREFIX}/{router}/availability")


def logged_transitions(proc: LabProcess, name: str = "VI_1") -> list[tuple[str, str]]:
    """(old, new) of every transition vrrpd logged for instance `name` (JSON log lines)."""
    found = []
    for line in proc.log_text().splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("event") == "transition" and record.get("instance") == name:
            found.append((record["old"], record["new"]))
    return found
