"""Reading a config file: TOML syntax, then structure, then meaning, then cross-checks.

Every stage reports into one list of problems and the file is rejected only at the end,
so `vrrpd check-config` shows all mistakes at once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from pathlib import Path
from typing import Any

import msgspec

from vrrpd.config.advice import instance_warnings
from vrrpd.config.errors import ConfigError, ConfigProblem
from vrrpd.config.instance import build_instance
from vrrpd.config.metrics import build_metrics
from vrrpd.config.model import Config, InstanceConfig, IPAddress, LogConfig
from vrrpd.config.schema import RawGlobal, RawInstance, RawLog, RawMetrics, RawMqtt
from vrrpd.config.sections import build_global, build_mqtt
from vrrpd.config.source import MAX_CONFIG_BYTES, nesting_problem, read_source, too_large
from vrrpd.config.structure import INVALID, decode_value, describe_value, join_path, unknown_key
from vrrpd.config.sync_groups import build_sync_groups
from vrrpd.config.track_process import build_track_processes
from vrrpd.config.tracking import build_scripts, build_track_files, instance_tracking
from vrrpd.config.vmac import instance_vmac

SECTIONS = (
    "global", "log", "mqtt", "metrics", "scripts", "track_files", "track_processes",
    "instances", "sync_groups",
)
_TOML_POSITION = re.compile(
    r"^(?P<message>.*) \((?:at line (?P<line>\d+), column (?P<column>\d+)|at end of document)\)$"
)


def load_config(path: str | Path) -> Config:
    """The validated config in the file at `path`; ConfigError lists every problem.
    The file is read bounded (vrrpd.config.source: at most MAX_CONFIG_BYTES, never blocking)."""
    source = str(path)
    text = read_source(source)
    if isinstance(text, ConfigProblem):
        raise ConfigError(source, [text])
    return parse_config(text, source)


def parse_config(text: str, source: str = "<config>") -> Config:
    """The validated config in TOML `text`; `source` names it in error messages.
    `Config.warnings` lists what is valid but probably not meant (not an error)."""
    if len(text) > MAX_CONFIG_BYTES:  # characters: never more than the file's bytes
        raise ConfigError(source, [too_large(len(text.encode()))])
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, [_syntax_problem(error)]) from None
    except RecursionError:  # tomllib recurses per nesting level; find where, without recursion
        too_deep = nesting_problem(text) or ConfigProblem("", "nested too deeply to parse")
        raise ConfigError(source, [too_deep]) from None
    problems: list[ConfigProblem] = []
    problems.extend(unknown_key(key, SECTIONS, "") for key in document if key not in SECTIONS)

    global_config = None
    raw_global = decode_value(document.get("global", {}), RawGlobal, "global", problems)
    if raw_global is not INVALID:
        global_config = build_global(raw_global, problems)
    log_config = LogConfig()
    raw_log = decode_value(document.get("log", {}), RawLog, "log", problems)
    if raw_log is not INVALID:
        log_config = LogConfig(journald=raw_log.journald)
    mqtt_config = None
    if "mqtt" in document:
        raw_mqtt = decode_value(document["mqtt"], RawMqtt, "mqtt", problems)
        if raw_mqtt is not INVALID:
            mqtt_config = build_mqtt(raw_mqtt, problems)
    metrics_config = None
    if "metrics" in document:
        raw_metrics = decode_value(document["metrics"], RawMetrics, "metrics", problems)
        if raw_metrics is not INVALID:
            metrics_config = build_metrics(raw_metrics, problems)
    scripts = build_scripts(document.get("scripts", {}), problems)
    track_files = build_track_files(document.get("track_files", {}), problems)
    track_processes = build_track_processes(document.get("track_processes", {}), problems)
    trackable = {
        "scripts": _names(document.get("scripts")),
        "files": _names(document.get("track_files")),
        "processes": _names(document.get("track_processes")),
    }
    instances = _instances(document.get("instances", {}), problems, trackable)
    _check_across_instances(instances, problems)
    sync_groups = build_sync_groups(
        document.get("sync_groups", {}), _names(document.get("instances")), problems
    )

    if problems or global_config is None:
        raise ConfigError(source, problems)
    return Config(
        global_=global_config,
        mqtt=mqtt_config,
        instances=tuple(instances),
        metrics=metrics_config,
        scripts=scripts,
        track_files=track_files,
        track_processes=track_processes,
        sync_groups=sync_groups,
        log=log_config,
        warnings=tuple(instance_warnings(instances)),
    )


def _names(tables: Any) -> set[str]:
    """The names of a `[section.NAME]` family, however broken the tables are."""
    return set(tables) if isinstance(tables, dict) else set()


def _instances(
    tables: Any,
    problems: list[ConfigProblem],
    trackable: dict[str, Collection[str]],
) -> list[InstanceConfig]:
    """Each `[instances.NAME]` on its own, so one broken instance hides none of the others.
    `trackable` names the scripts and track files its track_* lists may refer to."""
    if not isinstance(tables, dict):
        problems.append(
            ConfigProblem("instances", f"expected a table, got {describe_value(tables)}")
        )
        return []
    if not tables:
        problems.append(
            ConfigProblem("instances", "no instance is configured; add an [instances.NAME] table")
        )
    built = []
    for name, table in tables.items():
        path = join_path("instances", name)
        raw = decode_value(table, RawInstance, path, problems)
        if raw is INVALID:
            continue
        instance = build_instance(name, raw, path, problems)
        tracking = instance_tracking(raw, path, problems=problems, **trackable)
        if instance is not None:
            vmac = instance_vmac(raw, instance, path, problems)
            built.append(msgspec.structs.replace(instance, **tracking, **vmac))
    return built


def _check_across_instances(instances: list[InstanceConfig], problems: list[ConfigProblem]) -> None:
    """Two instances may not share a VRID on one interface and family, nor a virtual address:
    they would fight over the same virtual MAC or the same address."""
    vrid_owner: dict[tuple[str, int, int], str] = {}
    vip_owner: dict[IPAddress, str] = {}
    vmac_owner: dict[str, str] = {}
    for instance in instances:
        path = join_path("instances", instance.name)
        if instance.vmac is not None:
            if instance.vmac in vmac_owner:
                problems.append(
                    ConfigProblem(
                        f"{path}.use_vmac",
                        f"{instance.vmac} is already the VMAC of instance "
                        f"{vmac_owner[instance.vmac]!r}",
                    )
                )
            vmac_owner.setdefault(instance.vmac, instance.name)
        key = (instance.interface, instance.family, instance.virtual_router_id)
        if key in vrid_owner:
            problems.append(
                ConfigProblem(
                    f"{path}.virtual_router_id",
                    f"{instance.virtual_router_id} is already used on {instance.interface} "
                    f"(IPv{instance.family}) by instance {vrid_owner[key]!r}",
                )
            )
        else:
            vrid_owner[key] = instance.name
        listed = (
            [("virtual_ipaddress", index, vip.address) for index, vip in enumerate(instance.vips)]
            + [("virtual_ipaddress_excluded", index, vip.address)
               for index, vip in enumerate(instance.vips_excluded)]
        )  # fmt: skip
        for key, index, address in listed:
            if address in vip_owner:
                problems.append(
                    ConfigProblem(
                        f"{path}.{key}[{index}]",
                        f"{address} is already a virtual address of instance "
                        f"{vip_owner[address]!r}",
                    )
                )
            else:
                vip_owner[address] = instance.name


def _syntax_problem(error: Exception) -> ConfigProblem:
    """tomllib's `Invalid value (at line 3, column 7)` as path `line 3, column 7`."""
    text = str(error)
    match = _TOML_POSITION.match(text)
    if match is None:
        return ConfigProblem("<toml>", f"invalid TOML: {text}")
    where = f"line {match['line']}, column {match['column']}" if match["line"] else "end of file"
    message = match["message"]
    return ConfigProblem(where, f"invalid TOML: {message[:1].lower()}{message[1:]}")
