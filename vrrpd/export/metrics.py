"""Prometheus text exposition format (version 0.0.4) rendered from the status JSON.

Hand-written rather than built with prometheus-client: a few dozen families do not need a
library, and rendering the daemon's own `status()` snapshot on the event loop gives one
consistent view without a collector thread reading counters the loop is changing. The
tests check the output with prometheus-client's parser.

Every per-instance series is labelled `vrrp_instance` (never `instance`: Prometheus sets that
label on every scrape itself, and with `honor_labels: false` ours would arrive renamed to
`exported_instance`). `vrrpd_instance_info` carries vrid, interface, family and version to
join on. The families are listed in vrrpd.export.metrics_families.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from vrrpd.config.metrics import DEFAULT_PORT
from vrrpd.export.metrics_families import KNOWN_DROP_REASONS, daemon_families, instance_families

__all__ = ["CONTENT_TYPE", "DEFAULT_PORT", "KNOWN_DROP_REASONS", "family", "render"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = dict[str, str]
Sample = tuple[Labels, float | int | bool]


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float | int | bool) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def family(name: str, kind: str, help_text: str, samples: Iterable[Sample]) -> str:
    """One metric family: HELP, TYPE and its samples ("" when it has no samples)."""
    lines = []
    for labels, value in samples:
        inner = ",".join(f'{key}="{_escape_label(str(val))}"' for key, val in labels.items())
        lines.append(f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}")
    if not lines:
        return ""
    help_line = help_text.replace("\\", "\\\\").replace("\n", "\\n")
    return f"# HELP {name} {help_line}\n# TYPE {name} {kind}\n" + "\n".join(lines) + "\n"


def render(status: dict[str, Any]) -> str:
    """The whole scrape for one daemon, from `Daemon.status()`."""
    instances = status.get("instances", [])
    parts = [family(*spec) for spec in daemon_families(status)]
    parts += [family(*spec) for spec in instance_families(instances)]
    return "".join(parts)
