"""Semantic checks of the `[global]` and `[mqtt]` sections."""

from __future__ import annotations

import os

from vrrpd.config.errors import ConfigProblem
from vrrpd.config.hooks import check_command, check_convention, check_fifo, check_timeout
from vrrpd.config.model import GlobalConfig, MqttConfig
from vrrpd.config.schema import RawGlobal, RawMqtt

LOG_LEVELS = ("debug", "info", "warning", "error")
MAX_STARTUP_DELAY = 3600.0
PROCESS_SCAN = (0.1, 60.0)  # track_process_interval bounds, seconds
MAX_RT_PRIORITY = 99  # sched_get_priority_max(SCHED_RR) on Linux
MAX_SOCKET_PATH = 107  # sun_path is 108 bytes including the terminating NUL
_TOPIC_FORBIDDEN = ("+", "#", "\0")  # MQTT wildcards and NUL may not appear in topic names


def build_global(raw: RawGlobal, problems: list[ConfigProblem]) -> GlobalConfig | None:
    """The checked `[global]` section, or None after appending its problems."""
    already = len(problems)
    router_id = raw.router_id
    if not router_id or any(char.isspace() or char in "/+#" for char in router_id):
        problems.append(
            ConfigProblem(
                "global.router_id",
                f"{router_id!r} must be non-empty without spaces, '/', '+' or '#' "
                "(it names this node in MQTT topics)",
            )
        )
    socket_problem = control_socket_problem(raw.control_socket)
    if socket_problem is not None:
        problems.append(ConfigProblem("global.control_socket", socket_problem))
    if raw.log_level not in LOG_LEVELS:
        choices = ", ".join(repr(level) for level in LOG_LEVELS)
        problems.append(
            ConfigProblem("global.log_level", f"must be one of {choices}, got {raw.log_level!r}")
        )
    check_command(raw.notify, "global.notify", problems)
    check_timeout(raw.notify_timeout, "global.notify_timeout", problems)
    check_convention(raw.notify_convention, "global.notify_convention", problems)
    check_fifo(raw.notify_fifo, "global.notify_fifo", problems)
    if not 0 <= raw.startup_delay <= MAX_STARTUP_DELAY:  # also false for nan
        problems.append(
            ConfigProblem(
                "global.startup_delay",
                f"must be 0 to {MAX_STARTUP_DELAY:g} seconds, got {raw.startup_delay}",
            )
        )
    low, high = PROCESS_SCAN
    if not low <= raw.track_process_interval <= high:  # also false for nan
        problems.append(
            ConfigProblem(
                "global.track_process_interval",
                f"must be {low:g} to {high:g} seconds, got {raw.track_process_interval}",
            )
        )
    if not 0 <= raw.realtime_priority <= MAX_RT_PRIORITY:
        problems.append(
            ConfigProblem(
                "global.realtime_priority",
                f"must be 0 (off) or a SCHED_RR priority 1..{MAX_RT_PRIORITY}, "
                f"got {raw.realtime_priority}",
            )
        )
    if len(problems) > already:
        return None
    return GlobalConfig(
        router_id=raw.router_id,
        control_socket=raw.control_socket,
        log_level=raw.log_level,
        notify=raw.notify,
        notify_timeout=raw.notify_timeout,
        notify_convention=raw.notify_convention,
        notify_fifo=raw.notify_fifo,
        startup_delay=raw.startup_delay,
        track_process_interval=raw.track_process_interval,
        realtime_priority=raw.realtime_priority,
    )


def control_socket_problem(path: str) -> str | None:
    """Why `path` cannot be the control socket, or None. Absolute, because the daemon and
    `vrrpd status` run from different directories; not a directory, which the daemon would
    otherwise try to unlink and replace at start; no NUL (it ends a C string)."""
    size = len(path.encode())
    if not path:
        return "must not be empty"
    if "\0" in path:
        return f"{path!r} contains a NUL character"
    if not os.path.isabs(path):
        return f"{path!r} must be an absolute path, like '/run/vrrpd/vrrpd.sock'"
    if size > MAX_SOCKET_PATH:
        return f"is {size} bytes; Unix socket paths are limited to {MAX_SOCKET_PATH}"
    if path.endswith("/") or os.path.isdir(path):
        example = path.rstrip("/") + "/vrrpd.sock"
        return f"{path!r} is a directory; name the socket file in it, like {example!r}"
    return None


def build_mqtt(raw: RawMqtt, problems: list[ConfigProblem]) -> MqttConfig | None:
    """The checked `[mqtt]` section, or None after appending its problems."""
    already = len(problems)

    def report(key: str, message: str) -> None:
        problems.append(ConfigProblem(f"mqtt.{key}", message))

    if not raw.host or any(char.isspace() for char in raw.host):
        report("host", f"must be a host name or address, got {raw.host!r}")
    if not 1 <= raw.port <= 65535:
        report("port", f"must be 1..65535, got {raw.port}")
    for key, example in (("topic_prefix", "'vrrpd' or 'site/vrrpd'"),
                         ("discovery_prefix", "'homeassistant'")):
        prefix = getattr(raw, key)
        if not _is_topic_prefix(prefix):
            report(key, f"{prefix!r} must be a topic like {example}: not empty, no '+' or '#', "
                        "no '/' at either end, not starting with '$'")
    if raw.password is not None and raw.username is None:
        report("password", "is set but username is not")
    if raw.ca_file is not None and not raw.tls:
        report("ca_file", "is set but tls is false; set tls = true to use it")
    if raw.ca_file == "":
        report("ca_file", "must not be empty")
    if raw.client_id == "":
        report("client_id", "must not be empty (leave it out to let the client pick one)")
    if not 1 <= raw.keepalive <= 65535:
        report("keepalive", f"must be 1..65535 seconds, got {raw.keepalive}")
    if len(problems) > already:
        return None
    return MqttConfig(
        host=raw.host,
        port=raw.port,
        topic_prefix=raw.topic_prefix,
        username=raw.username,
        password=raw.password,
        tls=raw.tls,
        ca_file=raw.ca_file,
        client_id=raw.client_id,
        keepalive=raw.keepalive,
        discovery=raw.discovery,
        discovery_prefix=raw.discovery_prefix,
    )


def _is_topic_prefix(prefix: str) -> bool:
    """An MQTT topic prefix we can append levels to: no wildcards, no empty level at its ends,
    not one of the broker's `$` topics."""
    return bool(prefix) and not prefix.startswith(("/", "$")) and not prefix.endswith("/") \
        and not any(char in prefix for char in _TOPIC_FORBIDDEN)
